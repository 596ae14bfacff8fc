//! The Tauri security baseline, checked on the committed configuration: a strict CSP, only bundled pages
//! in the window, and a main-window capability that grants nothing but the app's own declared commands.

use std::path::Path;

use serde_json::Value;

fn read_json(relative: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn csp_directive(csp: &Value, name: &str) -> Vec<String> {
    csp[name]
        .as_str()
        .unwrap_or_else(|| panic!("the CSP has no {name}"))
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

#[test]
fn csp_allows_only_bundled_code_and_ipc() {
    let config = read_json("tauri.conf.json");
    let csp = &config["app"]["security"]["csp"];
    assert!(csp.is_object(), "a CSP must be set");
    assert_eq!(csp_directive(csp, "default-src"), ["'self'"]);
    assert_eq!(csp_directive(csp, "script-src"), ["'self'"]);
    assert_eq!(csp_directive(csp, "object-src"), ["'none'"]);
    for (directive, sources) in csp.as_object().expect("CSP as an object") {
        let sources = sources.as_str().expect("CSP sources are strings");
        assert!(!sources.contains("unsafe-eval"), "{directive} allows eval");
        for source in sources.split_whitespace() {
            let remote = source.starts_with("https:") || source.starts_with("http:") || source == "*";
            assert!(
                !remote || source == "http://ipc.localhost",
                "{directive} allows a remote origin: {source}"
            );
        }
    }
    assert_eq!(config["app"]["security"]["dangerousDisableAssetCspModification"], Value::Null);
}

#[test]
fn windows_load_only_the_bundled_ui() {
    let config = read_json("tauri.conf.json");
    assert_eq!(config["build"]["frontendDist"], "ui/dist");
    // The dev server is for `make dev` only: loopback, and never used by a build with the embedded UI.
    let dev_url = config["build"]["devUrl"].as_str().unwrap_or_default();
    assert!(dev_url.is_empty() || dev_url.starts_with("http://localhost:"), "devUrl: {dev_url}");
    assert!(
        !tauri::is_dev(),
        "the app is built in production mode (the custom-protocol feature): it embeds ui/dist"
    );
    for window in config["app"]["windows"].as_array().expect("windows") {
        let url = window["url"].as_str().unwrap_or("index.html");
        assert!(!url.contains("://"), "window {} loads a remote URL: {url}", window["label"]);
    }
    assert_eq!(config["app"]["withGlobalTauri"], false);
}

#[test]
fn main_window_gets_only_app_command_permissions() {
    let capability = read_json("capabilities/main-window.json");
    assert_eq!(capability["windows"], serde_json::json!(["main"]));
    assert_eq!(capability["remote"], Value::Null, "no remote origin may call commands");
    // Every command that build.rs declares gets an `allow-<command>` permission; nothing else is granted.
    let build_rs =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("build.rs")).expect("build.rs");
    for permission in capability["permissions"].as_array().expect("permissions") {
        let permission = permission.as_str().expect("permission identifiers are strings");
        let command = permission
            .strip_prefix("allow-")
            .unwrap_or_else(|| panic!("{permission} is not an app command permission"))
            .replace('-', "_");
        assert!(
            build_rs.contains(&format!("\"{command}\"")),
            "{permission} grants a command build.rs does not declare"
        );
    }
}

#[test]
fn the_identifier_in_code_is_the_configured_one() {
    assert_eq!(read_json("tauri.conf.json")["identifier"], d365_desk_lib::IDENTIFIER);
}
