//! The `d365-sandbox` binary: one JSON line with everything a client needs, then serving until SIGTERM.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

use d365_testkit::JsonValue;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use serde_json::Value;

#[test]
fn prints_its_configuration_and_serves_until_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_d365-sandbox"))
        .args(["--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("d365-sandbox starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("a line");
    let config: Value = serde_json::from_str(&line).expect("the line is JSON");
    for key in [
        "authority",
        "instance_url",
        "web_api_url",
        "tenant_id",
        "org_client_id",
        "org_client_secret",
        "public_client_id",
        "username",
        "password",
        "discovery_url",
    ] {
        assert!(config[key].as_str().is_some_and(|v| !v.is_empty()), "{key} missing in {line}");
    }
    assert!(config["authority"].as_str().unwrap().starts_with("http://127.0.0.1:"));

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let who_am_i = runtime.block_on(async {
        let client = reqwest::Client::new();
        let token: Value = client
            .post(format!("{}/oauth2/v2.0/token", config["authority"].as_str().unwrap()))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", config["org_client_id"].as_str().unwrap()),
                ("client_secret", config["org_client_secret"].as_str().unwrap()),
                ("scope", &format!("{}/.default", config["instance_url"].as_str().unwrap())),
            ])
            .json_value()
            .await;
        client
            .get(format!("{}WhoAmI", config["web_api_url"].as_str().unwrap()))
            .bearer_auth(token["access_token"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(who_am_i, reqwest::StatusCode::OK);

    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill");
    assert!(killed.success());
    let status = child.wait().expect("the sandbox exits");
    assert!(status.success(), "a clean shutdown on SIGTERM, got {status}");
}

#[test]
fn refuses_a_non_loopback_address() {
    let output = Command::new(env!("CARGO_BIN_EXE_d365-sandbox"))
        .args(["--listen", "0.0.0.0:0"])
        .output()
        .expect("d365-sandbox runs");
    assert!(!output.status.success());
    assert!(output.stdout.is_empty(), "no configuration line when it does not start");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("loopback"), "{stderr}");
}
