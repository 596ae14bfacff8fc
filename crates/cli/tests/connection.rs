//! `d365 connection ...` end to end: the real binary, the real keyring (the Secret Service that
//! scripts/test-env.sh provides), and the in-process sandbox as the cloud.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::{add_org, add_user_args, d365, home, json, keyring_has, sandbox, with_device_code};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_verify_and_remove_an_org_connection() {
    let sandbox = sandbox().await;
    let home = home();
    let secret = sandbox.info().org_client_secret.clone();
    let added = tokio::task::block_in_place(|| add_org(&home, &sandbox, "Sandbox Org", &secret));
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));

    let listed = tokio::task::block_in_place(|| d365(&home, &["--json", "connection", "list"], ""));
    let connections = json(&listed)["connections"].clone();
    let id = connections[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(connections[0]["name"], "Sandbox Org");
    assert!(keyring_has(&id), "the secret is in the keyring");
    let profiles = std::fs::read_to_string(home.join("profiles.json")).unwrap();
    assert!(!profiles.contains(&secret), "and not in the profiles file");

    let verified = tokio::task::block_in_place(|| d365(&home, &["connection", "verify", "Sandbox Org"], ""));
    let text = String::from_utf8_lossy(&verified.stdout);
    assert!(verified.status.success(), "{text}{}", String::from_utf8_lossy(&verified.stderr));
    assert!(text.contains("organization  Contoso Sandbox") && text.contains("version       9.2."), "{text}");
    let as_json =
        tokio::task::block_in_place(|| d365(&home, &["--json", "connection", "verify", "Sandbox Org"], ""));
    assert_eq!(json(&as_json)["verified"]["organization_name"], "Contoso Sandbox");
    for output in [&added, &listed, &verified, &as_json] {
        let all =
            format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        assert!(!all.contains(&secret), "no output shows the secret");
    }
    let listed = tokio::task::block_in_place(|| d365(&home, &["connection", "list"], ""));
    assert!(String::from_utf8_lossy(&listed.stdout).contains("verified"));

    let removed = tokio::task::block_in_place(|| d365(&home, &["connection", "remove", "sandbox org"], ""));
    assert!(removed.status.success());
    assert!(
        String::from_utf8_lossy(&removed.stdout).contains("application user"),
        "revocation steps are shown"
    );
    assert!(!keyring_has(&id), "the keyring entry is gone");
    let again =
        tokio::task::block_in_place(|| d365(&home, &["--json", "connection", "remove", "Sandbox Org"], ""));
    assert_eq!(again.status.code(), Some(2));
    assert_eq!(json(&again)["error"]["kind"], "vault.not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_secret_is_diagnosed_with_exit_code_3() {
    let sandbox = sandbox().await;
    let home = home();
    let added =
        tokio::task::block_in_place(|| add_org(&home, &sandbox, "Wrong", "abc8Q~not-the-right-secret"));
    assert!(added.status.success());
    let verified =
        tokio::task::block_in_place(|| d365(&home, &["--json", "connection", "verify", "Wrong"], ""));
    assert_eq!(verified.status.code(), Some(3));
    let error = &json(&verified)["error"];
    assert_eq!(error["kind"], "auth.invalid_secret");
    assert_eq!(error["step"], "token");
    assert!(error["hint"].as_str().unwrap().contains("Certificates & secrets"));
    let listed = tokio::task::block_in_place(|| d365(&home, &["connection", "list"], ""));
    assert!(String::from_utf8_lossy(&listed.stdout).contains("failed: auth.invalid_secret"));
    tokio::task::block_in_place(|| d365(&home, &["connection", "remove", "Wrong"], ""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_keyring_nothing_is_written() {
    let sandbox = sandbox().await;
    let home = home();
    let info = sandbox.info();
    let output = tokio::task::block_in_place(|| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_d365"))
            .args([
                "--json",
                "connection",
                "add",
                "org",
                "--name",
                "No Keyring",
                "--instance",
                &info.instance_url,
                "--tenant",
                &info.tenant_id,
                "--client-id",
                &info.org_client_id,
                "--authority",
                &info.authority,
                "--client-secret-stdin",
            ])
            .env("D365DESK_HOME", &home)
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .env("XDG_RUNTIME_DIR", home.join("no-runtime"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(b"abc8Q~some-secret\n").unwrap();
        child.wait_with_output().unwrap()
    });
    assert_eq!(output.status.code(), Some(1));
    let error = &json(&output)["error"];
    assert_eq!(error["kind"], "vault.keyring_unavailable");
    assert!(error["hint"].as_str().unwrap().contains("never in a file"));
    assert!(!home.join("profiles.json").exists(), "no plaintext fallback, no profile without its secret");
}

#[test]
fn bad_input_exits_2_with_the_reason_and_secrets_are_never_arguments() {
    let home = home();
    let base = [
        "connection",
        "add",
        "org",
        "--name",
        "X",
        "--instance",
        "contoso.crm.dynamics.com",
        "--tenant",
        "contoso.onmicrosoft.com",
    ];
    let bad_id = d365(
        &home,
        &[&base[..], &["--client-id", "not-a-guid", "--client-secret-stdin"]].concat(),
        "abc8Q~s\n",
    );
    assert_eq!(bad_id.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad_id.stderr).contains("Client ID: 'not-a-guid' is not a GUID"));

    let on_argv = d365(
        &home,
        &[&base[..], &["--client-id", "2d7c9a41-6b3e-4f0a-9d8c-0d365de5a100", "--client-secret", "x"]]
            .concat(),
        "",
    );
    assert_eq!(on_argv.status.code(), Some(2), "there is no --client-secret option");
    let http = d365(
        &home,
        &[
            "connection",
            "add",
            "org",
            "--name",
            "X",
            "--instance",
            "http://contoso.crm.dynamics.com",
            "--tenant",
            "t.com",
            "--client-id",
            "2d7c9a41-6b3e-4f0a-9d8c-0d365de5a100",
            "--client-secret-stdin",
        ],
        "abc8Q~s\n",
    );
    assert_eq!(http.status.code(), Some(2));
    assert!(!home.join("profiles.json").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pasted_token_connects_until_it_expires_and_must_be_for_this_environment() {
    let sandbox = sandbox().await;
    let home = home();
    let info = sandbox.info();
    let token = token_for(info, &info.instance_url).await;
    let add = |name: &str, token: &str| {
        d365(
            &home,
            &[
                "--json",
                "connection",
                "add",
                "bearer",
                "--name",
                name,
                "--instance",
                &info.instance_url,
                "--token-stdin",
            ],
            token,
        )
    };
    let added = tokio::task::block_in_place(|| add("Pasted", &token));
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let note = json(&added)["note"].as_str().unwrap().to_owned();
    assert!(note.contains(&info.org_client_id) && note.contains("works until"), "{note}");
    let verified =
        tokio::task::block_in_place(|| d365(&home, &["--json", "connection", "verify", "Pasted"], ""));
    assert_eq!(json(&verified)["verified"]["organization_name"], "Contoso Sandbox");

    let discovery = info.discovery_url.trim_end_matches("/api/discovery/v2.0/").to_owned();
    let other_token = token_for(info, &discovery).await;
    let wrong = tokio::task::block_in_place(|| add("Wrong audience", &other_token));
    assert_eq!(wrong.status.code(), Some(2));
    assert_eq!(json(&wrong)["error"]["kind"], "input.token_audience");
    tokio::task::block_in_place(|| d365(&home, &["connection", "remove", "Pasted"], ""));
}

/// A client-credentials token from the sandbox for `resource`.
async fn token_for(info: &d365_sandbox::ConnectionInfo, resource: &str) -> String {
    let http = d365_dataverse::auth::http_client().unwrap();
    d365_dataverse::auth::client_credentials(
        &http,
        &info.authority,
        &info.org_client_id,
        &info.org_client_secret,
        resource,
    )
    .await
    .unwrap()
    .secret()
    .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_code_sign_in_from_the_cli() {
    let sandbox = sandbox().await;
    let home = home();
    let info = sandbox.info().clone();
    let args = [&["--json"][..], &add_user_args(&info, "Headless")].concat();
    let output = with_device_code(&home, &info, &args).await;
    assert!(output.status.success());
    assert_eq!(json(&output)["added"]["kind"], "user");
    let verified =
        tokio::task::block_in_place(|| d365(&home, &["--json", "connection", "verify", "Headless"], ""));
    assert_eq!(
        json(&verified)["verified"]["organization_name"],
        "Contoso Sandbox",
        "the refresh token works"
    );
    tokio::task::block_in_place(|| d365(&home, &["connection", "remove", "Headless"], ""));
}

/// Crash safety of the profiles file: `d365` killed (SIGKILL) at random points while it writes leaves the
/// old file or the new one, never a broken one.
#[test]
fn killing_the_cli_mid_write_never_breaks_the_profiles_file() {
    let home = home();
    let args = |n: usize| {
        vec![
            "connection".to_owned(),
            "add".to_owned(),
            "org".to_owned(),
            "--name".to_owned(),
            format!("Crash {n}"),
            "--instance".to_owned(),
            "contoso.crm.dynamics.com".to_owned(),
            "--tenant".to_owned(),
            "contoso.onmicrosoft.com".to_owned(),
            "--client-id".to_owned(),
            "2d7c9a41-6b3e-4f0a-9d8c-0d365de5a100".to_owned(),
            "--client-secret-stdin".to_owned(),
        ]
    };
    let mut completed = 0;
    for n in 0..30 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_d365"))
            .args(args(n))
            .env("D365DESK_HOME", &home)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(b"abc8Q~crash-test-secret\n").unwrap();
        // Kill at a different moment each time, from before the write to after it.
        std::thread::sleep(std::time::Duration::from_millis((n as u64 * 7) % 60));
        let _ = child.kill();
        if child.wait().unwrap().success() {
            completed += 1;
        }
        if let Ok(text) = std::fs::read_to_string(home.join("profiles.json")) {
            let parsed: Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("broken after kill {n}: {e}\n{text}"));
            assert!(parsed["profiles"].is_array());
        }
    }
    let listed = d365(&home, &["--json", "connection", "list"], "");
    assert!(listed.status.success(), "the file is readable after all that");
    let count = json(&listed)["connections"].as_array().unwrap().len();
    assert!(count >= completed, "every add that finished is there ({count} >= {completed})");
}

#[test]
fn a_sandbox_connection_verifies_against_the_local_sandbox() {
    let home = home();
    let added = d365(&home, &["connection", "add", "sandbox", "--name", "Local"], "");
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let verified = d365(&home, &["--json", "connection", "verify", "Local"], "");
    assert!(verified.status.success(), "{}", String::from_utf8_lossy(&verified.stderr));
    assert_eq!(json(&verified)["verified"]["organization_name"], "Contoso Sandbox");
    assert!(home.join("sandbox.sqlite3").is_file(), "the sandbox keeps its data beside the profiles");
    assert!(d365(&home, &["connection", "remove", "Local"], "").status.success());
}

#[test]
fn d365_sandbox_serves_until_interrupted() {
    use std::io::BufRead;
    let home = home();
    let mut child = Command::new(env!("CARGO_BIN_EXE_d365"))
        .arg("sandbox")
        .env("D365DESK_HOME", &home)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
    let config: Value = serde_json::from_str(&line).unwrap();
    let address = config["instance_url"].as_str().unwrap().trim_start_matches("http://").to_owned();
    let mut stream = std::net::TcpStream::connect(&address).unwrap();
    write!(stream, "GET /api/data/v9.2/WhoAmI HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    std::io::Read::read_to_string(&mut stream, &mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 401"), "{response}");
    assert!(Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap().success());
    assert!(child.wait().unwrap().success(), "Ctrl-C stops it cleanly");
}
