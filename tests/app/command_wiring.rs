//! Commands invoked through Tauri's IPC layer with the mock runtime and the app's real builder setup, as
//! the webview would call them.

use std::io::{Read, Write};
use std::path::PathBuf;

use d365_desk_lib::commands::about::{About, Ecosystem, LicenceText, ThirdParty, ThirdPartyPackage};
use d365_desk_lib::commands::app::AppInfo;
use d365_desk_lib::sandbox::SandboxInfo;
use serde_json::Value;
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};

fn app_with_main_window() -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    app_in(std::env::temp_dir().join(format!("d365desk-wiring-{}", std::process::id())))
}

pub fn app_in(data_dir: PathBuf) -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let app = d365_desk_lib::builder_with_data_dir(mock_builder(), Some(data_dir))
        .build(mock_context(noop_assets()))
        .expect("the app builds on the mock runtime");
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("the main window opens on the mock runtime");
    (app, window)
}

pub fn invoke(window: &WebviewWindow<MockRuntime>, cmd: &str, body: Value) -> Result<Value, Value> {
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
    assert_eq!(response["product_name"], "D365 Desk");
    assert_eq!(response["version"], env!("CARGO_PKG_VERSION"));
}

#[test]
fn unknown_commands_are_rejected() {
    let (_app, window) = app_with_main_window();
    let error = invoke(&window, "no_such_command", Value::Object(Default::default()))
        .expect_err("an unregistered command must fail");
    assert!(error.to_string().contains("no_such_command"), "the error names the command: {error}");
}

#[test]
fn sandbox_start_runs_the_sandbox_in_process_with_its_data_in_the_data_dir() {
    let data_dir = std::env::temp_dir().join(format!("d365desk-sandbox-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    let (_app, window) = app_in(data_dir.clone());
    let empty = Value::Object(Default::default());
    assert_eq!(invoke(&window, "sandbox_status", empty.clone()).expect("status"), Value::Null);

    let started = invoke(&window, "sandbox_start", empty.clone()).expect("the sandbox starts");
    let info: SandboxInfo = serde_json::from_value(started.clone()).expect("a SandboxInfo");
    let text = started.to_string();
    assert!(!text.contains("secret"), "nothing secret reaches the window: {text}");
    // The one password that does is the documented demo password of the built-in loopback sandbox.
    assert_eq!(info.demo_password, d365_sandbox::directory::DEMO_PASSWORD);
    assert_eq!(text.matches("password").count(), 1, "{text}");
    assert_eq!(info.moved_from, None);
    assert!(data_dir.join("sandbox.sqlite3").is_file());
    let kept_port = std::fs::read_to_string(data_dir.join("sandbox.port")).expect("its port is kept");
    assert!(info.instance_url.ends_with(&format!(":{}", kept_port.trim())), "{}", info.instance_url);
    assert_eq!(invoke(&window, "sandbox_start", empty.clone()).expect("idempotent"), started, "started once");
    assert_eq!(invoke(&window, "sandbox_status", empty).expect("status"), started);

    // A real server answers on the instance URL: an anonymous call gets Dataverse's 401.
    let address = info.instance_url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).expect("the sandbox listens");
    write!(stream, "GET /api/data/v9.2/WhoAmI HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n")
        .expect("request");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("response");
    assert!(response.starts_with("HTTP/1.1 401"), "{response}");
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_are_checked_added_edited_and_deleted_without_a_secret_reaching_the_window() {
    let sandbox = d365_sandbox::Sandbox::bind("127.0.0.1:0", Default::default()).await.expect("a sandbox");
    let info = sandbox.info().clone();
    let data_dir = std::env::temp_dir().join(format!("d365desk-connections-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    let (_app, window) = app_in(data_dir);
    let form = |name: &str, client_id: &str| {
        serde_json::json!({
            "name": name, "tag": "dev", "read_only": false, "instance_url": info.instance_url,
            "tenant": info.tenant_id, "client_id": client_id, "cloud": "public", "authority": info.authority,
        })
    };
    let bad = invoke(&window, "connection_check_org", serde_json::json!({ "form": form("", "not-a-guid") }))
        .expect("a check");
    let fields: Vec<&str> = bad.as_array().unwrap().iter().map(|p| p["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["name", "client_id"], "{bad}");
    // The field and its problem come apart: the message does not repeat the field's name.
    assert_eq!(bad[1]["message"], "'not-a-guid' is not a GUID", "{bad}");
    assert!(bad[1]["hint"].as_str().is_some_and(|h| h.contains("Application (client) ID")), "{bad}");

    // The CLI's `allow_*` flags are not part of the form on the wire: the window cannot set them.
    let mut foreign = form("Foreign", &info.org_client_id);
    foreign["authority"] = "https://login.example.com/tenant".into();
    foreign["allow_custom_authority"] = true.into();
    let problems =
        invoke(&window, "connection_check_org", serde_json::json!({ "form": foreign })).expect("a check");
    assert_eq!(problems[0]["field"], "authority", "{problems}");

    // The secret is checked once, on save: its ID instead of its value is refused there.
    let refused = invoke(
        &window,
        "connection_add_org",
        serde_json::json!({ "form": form("Wired", &info.org_client_id), "clientSecret": info.org_client_id }),
    )
    .expect_err("the secret's ID is not a secret");
    assert_eq!(
        (refused["kind"].as_str(), refused["category"].as_str()),
        (Some("input.invalid"), Some("input"))
    );
    assert!(
        refused["message"].as_str().is_some_and(|m| m.contains("looks like the secret's ID")),
        "{refused}"
    );

    let secret = info.org_client_secret.clone();
    let added = invoke(
        &window,
        "connection_add_org",
        serde_json::json!({
            "form": form("Wired", &info.org_client_id), "clientSecret": secret,
        }),
    )
    .expect("added");
    let id = added["id"].as_str().unwrap().to_owned();
    let list = invoke(&window, "connections_list", Value::Object(Default::default())).expect("a list");
    assert_eq!(list[0]["name"], "Wired");
    assert_eq!(list[0]["status"]["state"], "never");
    for response in [&added, &list] {
        assert!(!response.to_string().contains(&secret), "the secret never comes back: {response}");
    }
    let duplicate = invoke(
        &window,
        "connection_add_org",
        serde_json::json!({
            "form": form("wired", &info.org_client_id), "clientSecret": secret,
        }),
    )
    .expect_err("a name taken");
    assert_eq!(duplicate["kind"], "vault.duplicate_name");
    assert_eq!(duplicate["category"], "input");

    let entry = keyring::Entry::new("d365desk", &format!("{id}/client_secret")).unwrap();
    assert_eq!(entry.get_password().expect("the secret is in the keyring"), secret);
    let edited = invoke(
        &window,
        "connection_edit",
        serde_json::json!({
            "id": id, "name": "Wired (prod)", "tag": "prod", "readOnly": true,
        }),
    )
    .expect("edited");
    assert_eq!((edited["tag"].as_str(), edited["read_only"].as_bool()), (Some("prod"), Some(true)));
    let steps = invoke(&window, "connection_delete", serde_json::json!({ "id": id })).expect("deleted");
    assert!(steps.as_array().is_some_and(|s| !s.is_empty()), "revocation steps: {steps}");
    let list = invoke(&window, "connections_list", Value::Object(Default::default())).expect("a list");
    assert_eq!(list, serde_json::json!([]));
    assert!(matches!(entry.get_password(), Err(keyring::Error::NoEntry)), "the secret left the keyring");
}

/// A token for the sandbox's organisation, as another tool would have got it (client credentials).
async fn app_token(info: &d365_sandbox::ConnectionInfo) -> String {
    let http = d365_dataverse::auth::http_client().expect("an HTTP client");
    let token = d365_dataverse::auth::client_credentials(
        &http,
        &info.authority,
        &info.org_client_id,
        &info.org_client_secret,
        &info.instance_url,
    )
    .await
    .expect("a token");
    token.secret().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pasted_token_is_described_and_kept_without_coming_back() {
    let sandbox = d365_sandbox::Sandbox::bind("127.0.0.1:0", Default::default()).await.expect("a sandbox");
    let info = sandbox.info().clone();
    let data_dir = std::env::temp_dir().join(format!("d365desk-bearer-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    let (_app, window) = app_in(data_dir.clone());
    let token = app_token(&info).await;
    let form = serde_json::json!({
        "name": "Pasted", "tag": null, "read_only": false, "instance_url": info.instance_url, "cloud": "public",
    });
    let facts = invoke(
        &window,
        "connection_inspect_bearer",
        serde_json::json!({ "form": form, "token": format!("Bearer {token}") }),
    )
    .expect("facts");
    assert_eq!(facts["subject"], info.org_client_id.as_str());
    assert_eq!(facts["app_only"].as_bool(), Some(true));
    let (expires, warn_from) = (facts["expires"].as_str().unwrap(), facts["warn_from"].as_str().unwrap());
    let parse =
        |at: &str| time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339).unwrap();
    assert_eq!(parse(expires) - parse(warn_from), time::Duration::minutes(10), "{facts}");
    let mut other = form.clone();
    other["instance_url"] = "https://contoso.crm.dynamics.com".into();
    let refused =
        invoke(&window, "connection_inspect_bearer", serde_json::json!({ "form": other, "token": token }))
            .expect_err("another environment's token");
    assert_eq!(refused["kind"], "input.token_audience");

    let added = invoke(&window, "connection_add_bearer", serde_json::json!({ "form": form, "token": token }))
        .expect("added");
    assert_eq!(added["kind"], "bearer");
    let id = added["id"].as_str().unwrap().to_owned();
    let empty = Value::Object(Default::default());
    let list = invoke(&window, "connections_list", empty.clone()).expect("a list");
    for response in [&facts, &refused, &added, &list] {
        assert!(!response.to_string().contains(&token), "the token never comes back: {response}");
    }
    let verified = invoke(&window, "sandbox_verify", serde_json::json!({ "progress": "__CHANNEL__:9" }))
        .expect("the built-in sandbox verifies");
    assert_eq!(verified["outcome"], "verified", "{verified}");
    assert_eq!(
        invoke(&window, "connection_cancel_sign_in", empty).expect("an answer"),
        Value::Bool(false),
        "no sign-in to cancel"
    );
    invoke(&window, "connection_delete", serde_json::json!({ "id": id })).expect("deleted");
    let entry = keyring::Entry::new("d365desk", &format!("{id}/bearer_token")).unwrap();
    assert!(matches!(entry.get_password(), Err(keyring::Error::NoEntry)), "the token left the keyring");
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[test]
fn a_corrupt_connections_file_is_reported_with_its_fix_and_left_as_it_was() {
    let data_dir = std::env::temp_dir().join(format!("d365desk-corrupt-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    std::fs::create_dir_all(&data_dir).unwrap();
    let file = data_dir.join("profiles.json");
    std::fs::write(&file, b"{ this is not json").unwrap();
    let (_app, window) = app_in(data_dir.clone());
    let error = invoke(&window, "connections_list", Value::Object(Default::default()))
        .expect_err("a corrupt file is an error, not an empty list");
    assert_eq!(
        (error["kind"].as_str(), error["category"].as_str()),
        (Some("vault.corrupt_profiles"), Some("local"))
    );
    assert!(
        error["hint"].as_str().is_some_and(|h| h.contains(".bak")),
        "the hint says how to restore: {error}"
    );
    let form = serde_json::json!({
        "name": "New", "tag": null, "read_only": false, "instance_url": "https://contoso.crm.dynamics.com",
        "tenant": "contoso.onmicrosoft.com", "client_id": "2d7c9a41-0000-4000-8000-000000000001",
        "cloud": "public", "authority": null,
    });
    // As the form is typed, the corrupt file is no problem of the name field: saving reports it.
    let problems = invoke(&window, "connection_check_org", serde_json::json!({ "form": form.clone() }))
        .expect("a check");
    assert_eq!(problems, serde_json::json!([]), "{problems}");
    let refused =
        invoke(&window, "connection_add_org", serde_json::json!({ "form": form, "clientSecret": "abc8Q~x" }))
            .expect_err("nothing is written over a corrupt file");
    assert_eq!(refused["kind"], "vault.corrupt_profiles");
    assert_eq!(std::fs::read(&file).unwrap(), b"{ this is not json", "the file is left as it was");
    let _ = std::fs::remove_dir_all(&data_dir);
}

/// Set in the child run of the test below, which has no Secret Service to talk to.
const NO_KEYRING_CHILD: &str = "D365DESK_TEST_NO_KEYRING";

/// Without a keyring, saving a connection through the command says so with its fix and saves nothing. A
/// test cannot unset its own session bus safely (the environment is the whole process's), so it runs
/// itself again as a child whose D-Bus address leads nowhere, and the child reports what it got.
#[test]
fn without_a_keyring_saving_says_so_and_saves_nothing() {
    let data_dir = std::env::temp_dir().join(format!("d365desk-no-keyring-{}", std::process::id()));
    if std::env::var_os(NO_KEYRING_CHILD).is_some() {
        let (_app, window) = app_in(data_dir.clone());
        let form = serde_json::json!({
            "name": "Nowhere to keep it", "tag": null, "read_only": false,
            "instance_url": "https://contoso.crm.dynamics.com", "tenant": "contoso.onmicrosoft.com",
            "client_id": "2d7c9a41-0000-4000-8000-000000000001", "cloud": "public", "authority": null,
        });
        let refused = invoke(
            &window,
            "connection_add_org",
            serde_json::json!({ "form": form, "clientSecret": "abc8Q~x" }),
        )
        .expect_err("no keyring, no connection");
        println!("REFUSED={refused}");
        println!("SAVED={}", data_dir.join("profiles.json").exists());
        return;
    }
    let _ = std::fs::remove_dir_all(&data_dir);
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "command_wiring::without_a_keyring_saving_says_so_and_saves_nothing",
            "--nocapture",
        ])
        .env(NO_KEYRING_CHILD, "1")
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/d365desk-no-bus")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    let reported = |tag: &str| {
        let prefix = format!("{tag}=");
        stdout
            .lines()
            .find_map(|l| l.split_once(&prefix).map(|(_, v)| v.to_owned()))
            .unwrap_or_else(|| panic!("{stdout}"))
    };
    let refused: Value = serde_json::from_str(&reported("REFUSED")).unwrap();
    assert_eq!(
        (refused["kind"].as_str(), refused["category"].as_str()),
        (Some("vault.keyring_unavailable"), Some("local"))
    );
    assert!(refused["hint"].as_str().is_some_and(|h| h.contains("keyring")), "{refused}");
    assert_eq!(reported("SAVED"), "false", "no profile without its secret");
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[test]
fn about_names_the_version_the_licence_and_the_log_folder() {
    let (_app, window) = app_with_main_window();
    let response = invoke(&window, "about", Value::Object(Default::default())).expect("about succeeds");
    let about: About = serde_json::from_value(response.clone())
        .unwrap_or_else(|err| panic!("about's response {response} does not match About: {err}"));
    assert_eq!(about, About::current());
    assert_eq!(response["app"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(response["licence"], "MIT");
    let log_dir = d365_desk_lib::app_dirs::log_dir();
    assert_eq!(response["log_dir"], log_dir.to_str().expect("a UTF-8 log folder"));
}

/// The built UI (`ui/dist`) served as the app embeds it, for the commands that read its files.
struct BuiltUi(PathBuf);

impl<R: tauri::Runtime> tauri::Assets<R> for BuiltUi {
    fn get(&self, key: &tauri::utils::assets::AssetKey) -> Option<std::borrow::Cow<'_, [u8]>> {
        std::fs::read(self.0.join(key.as_ref().trim_start_matches('/'))).ok().map(Into::into)
    }

    fn iter(&self) -> Box<tauri::utils::assets::AssetsIter<'_>> {
        Box::new(std::iter::empty())
    }

    fn csp_hashes(
        &self,
        _: &tauri::utils::assets::AssetKey,
    ) -> Box<dyn Iterator<Item = tauri::utils::assets::CspHash<'_>> + '_> {
        Box::new(std::iter::empty())
    }
}

fn third_party_of_the_built_ui() -> ThirdParty {
    let dist = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("ui/dist");
    assert!(
        dist.join("third-party/rust.json").is_file(),
        "{} has no third-party/rust.json: build the UI with `make ui`",
        dist.display()
    );
    let app = d365_desk_lib::builder_with_data_dir(mock_builder(), Some(std::env::temp_dir()))
        .build(mock_context(BuiltUi(dist)))
        .expect("the app builds on the mock runtime");
    let window =
        WebviewWindowBuilder::new(&app, "main", Default::default()).build().expect("the main window");
    let response = invoke(&window, "third_party_licences", Value::Object(Default::default()))
        .expect("third_party_licences succeeds on the built UI");
    serde_json::from_value(response).expect("a ThirdParty")
}

fn listed<'a>(list: &'a ThirdParty, ecosystem: Ecosystem, name: &str) -> Vec<&'a ThirdPartyPackage> {
    list.packages.iter().filter(|p| p.ecosystem == ecosystem && p.name == name).collect()
}

#[test]
fn third_party_licences_are_the_crates_compiled_in_and_the_npm_packages_bundled_with_their_texts() {
    let list = third_party_of_the_built_ui();
    let texts = |package: &ThirdPartyPackage| -> Vec<&LicenceText> {
        package.texts.iter().map(|&index| &list.texts[index as usize]).collect()
    };
    // The app's own direct dependencies, under the licences they declare, each with its text.
    for (ecosystem, name, declared) in [
        (Ecosystem::Rust, "tauri", "Apache-2.0 OR MIT"),
        (Ecosystem::Rust, "serde", "MIT OR Apache-2.0"),
        (Ecosystem::Rust, "tokio", "MIT"),
        (Ecosystem::Npm, "svelte", "MIT"),
        (Ecosystem::Npm, "@tauri-apps/api", "Apache-2.0 OR MIT"),
    ] {
        let found = listed(&list, ecosystem, name);
        let [package] = found.as_slice() else { panic!("{name} is listed once: {found:?}") };
        assert_eq!(package.licence, declared, "{name}");
        let texts = texts(package);
        assert!(!texts.is_empty(), "{name} has its licence text");
        for text in texts {
            assert!(declared.contains(&text.licence) || text.licence == declared, "{name}: {}", text.licence);
            let standard =
                if text.licence == "Apache-2.0" { "Apache License" } else { "Permission is hereby granted" };
            assert!(text.text.contains(standard), "{name}'s {} text: {}", text.licence, text.text);
        }
    }
    // A crate under several licences at once (AND) carries each of their texts.
    let [aws_lc] = listed(&list, Ecosystem::Rust, "aws-lc-sys")[..] else {
        panic!("aws-lc-sys is compiled in")
    };
    let mut ids: Vec<&str> = texts(aws_lc).iter().map(|t| t.licence.as_str()).collect();
    ids.dedup();
    assert!(ids.contains(&"ISC") && ids.contains(&"BSD-3-Clause"), "{ids:?}");
    // The d365 CLI ships in the same packages: its own crates are listed too.
    assert!(!listed(&list, Ecosystem::Rust, "clap_mangen").is_empty(), "the CLI's clap_mangen is shipped");
    // Not shipped: dev- and build-only crates, the workspace's own crates; the UI's tooling.
    for name in ["proptest", "calamine", "tauri-build", "cc", "d365-sandbox", "d365-desk", "d365-cli"] {
        assert!(listed(&list, Ecosystem::Rust, name).is_empty(), "{name} is not compiled into what ships");
    }
    for name in ["vitest", "vite", "eslint", "rollup-plugin-license", "@tauri-apps/cli"] {
        assert!(listed(&list, Ecosystem::Npm, name).is_empty(), "{name} is not bundled into the UI");
    }
    let rust = list.packages.iter().filter(|p| p.ecosystem == Ecosystem::Rust).count();
    assert!(rust > 300, "hundreds of crates: {rust}");
}

#[test]
fn without_the_lists_in_the_built_ui_the_licences_say_how_to_build_them() {
    let (_app, window) = app_with_main_window();
    let error = invoke(&window, "third_party_licences", Value::Object(Default::default()))
        .expect_err("the mock app's UI has no lists");
    assert_eq!(error["kind"], "local.licences_missing", "{error}");
    assert!(error["hint"].as_str().is_some_and(|hint| hint.contains("make ui")), "{error}");
}
