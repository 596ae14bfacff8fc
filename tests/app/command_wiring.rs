//! Commands invoked through Tauri's IPC layer with the mock runtime and the app's real builder setup, as
//! the webview would call them.

use d365_desk_lib::commands::app::AppInfo;
use serde_json::Value;
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};

fn app_with_main_window() -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let app = d365_desk_lib::builder(mock_builder())
        .build(mock_context(noop_assets()))
        .expect("the app builds on the mock runtime");
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("the main window opens on the mock runtime");
    (app, window)
}

fn invoke(window: &WebviewWindow<MockRuntime>, cmd: &str, body: Value) -> Result<Value, Value> {
    let request = InvokeRequest {
        cmd: cmd.into(),
        callback: tauri::ipc::CallbackFn(0),
        error: tauri::ipc::CallbackFn(1),
        // The origin a Linux webview reports for bundled pages.
        url: "tauri://localhost".parse().expect("valid URL"),
        body: tauri::ipc::InvokeBody::Json(body),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    get_ipc_response(window, request)
        .map(|response| response.deserialize::<Value>().expect("command responses are JSON"))
}

#[test]
fn app_info_reports_this_build() {
    let (_app, window) = app_with_main_window();
    let response = invoke(&window, "app_info", Value::Object(Default::default())).expect("app_info succeeds");
    let info: AppInfo = serde_json::from_value(response.clone())
        .unwrap_or_else(|err| panic!("app_info's response {response} does not match AppInfo: {err}"));
    assert_eq!(info, AppInfo::current());
    assert_eq!(response["productName"], "D365 Desk");
    assert_eq!(response["version"], env!("CARGO_PKG_VERSION"));
}

#[test]
fn unknown_commands_are_rejected() {
    let (_app, window) = app_with_main_window();
    let error = invoke(&window, "no_such_command", Value::Object(Default::default()))
        .expect_err("an unregistered command must fail");
    assert!(error.to_string().contains("no_such_command"), "the error names the command: {error}");
}
