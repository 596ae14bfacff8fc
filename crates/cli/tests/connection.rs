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

/// `d365 connection add org --name <name>`'s arguments (the secret comes on stdin).
fn add_args(name: &str) -> Vec<&str> {
    vec![
        "connection",
        "add",
        "org",
        "--name",
        name,
        "--instance",
        "contoso.crm.dynamics.com",
        "--tenant",
        "contoso.onmicrosoft.com",
        "--client-id",
        "2d7c9a41-6b3e-4f0a-9d8c-0d365de5a100",
        "--client-secret-stdin",
    ]
}

/// Crash safety of the profiles file: `d365` killed (SIGKILL) in the middle of writing it leaves the old
/// file, byte for byte. The kill lands mid-write for certain, without a hook in the code: the temporary
/// file the writer creates (`profiles.json.tmp-<pid>`) is made a FIFO beforehand, so the writer blocks
/// once the pipe is full (the profiles file is made far larger than a pipe holds), after it has written
/// the start of the new document and before it can rename anything; the test reads that start, then kills.
#[cfg(unix)]
#[test]
fn killing_the_cli_mid_write_leaves_the_profiles_file_intact() {
    use std::io::Read;
    use std::os::unix::fs::FileTypeExt;
    use std::os::unix::process::ExitStatusExt;
    use std::sync::mpsc;
    use std::time::Duration;

    let home = home();
    let secret = "abc8Q~crash-test-secret\n";
    assert!(d365(&home, &add_args("Template"), secret).status.success());
    // A thousand connections through export and import: a profiles file of hundreds of KiB.
    let exported = home.join("template.json");
    assert!(d365(&home, &["connection", "export", "--out", exported.to_str().unwrap()], "").status.success());
    let mut export: Value = serde_json::from_str(&std::fs::read_to_string(&exported).unwrap()).unwrap();
    let template = export["connections"][0].clone();
    export["connections"] = (0..1000)
        .map(|n| {
            let mut copy = template.clone();
            copy["name"] = Value::from(format!("Padding {n:04}"));
            copy
        })
        .collect();
    let padding = home.join("padding.json");
    std::fs::write(&padding, export.to_string()).unwrap();
    assert!(d365(&home, &["connection", "import", padding.to_str().unwrap()], "").status.success());
    let profiles = home.join("profiles.json");
    let before = std::fs::read(&profiles).unwrap();
    assert!(before.len() > 256 * 1024, "far more than a pipe holds (64 KiB): {} bytes", before.len());

    // The add waits for its secret on stdin, so the FIFO is in place before it writes.
    let mut child = common::spawn(&home, &add_args("Killed Mid-Write"), &[]);
    let temp = home.join(format!("profiles.json.tmp-{}", child.id()));
    assert!(Command::new("mkfifo").arg(&temp).status().unwrap().success());
    let (started, start) = mpsc::channel();
    let (finish, finished) = mpsc::channel::<()>();
    let reader = {
        let temp = temp.clone();
        std::thread::spawn(move || {
            let mut pipe = std::fs::File::open(&temp).unwrap(); // returns once the writer has opened it
            let mut head = vec![0; 4096];
            let n = pipe.read(&mut head).unwrap();
            started.send(head[..n].to_vec()).unwrap();
            // Keep the pipe open, unread, until the writer is dead (closing it would end the write early).
            finished.recv().unwrap();
            let mut rest = Vec::new();
            pipe.read_to_end(&mut rest).unwrap();
            n + rest.len()
        })
    };
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(secret.as_bytes()).unwrap();
    drop(stdin);
    let head = start.recv_timeout(Duration::from_secs(30)).unwrap_or_else(|_| {
        let _ = child.kill();
        panic!(
            "the write never reached its temporary file {} (if the vault names it otherwise now, this test \
             must make that name the FIFO)",
            temp.display()
        )
    });
    assert!(String::from_utf8_lossy(&head).starts_with("{\n  \"format\": 1,"), "the new document's start");

    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(9), "killed, not finished on its own: {status:?}");
    finish.send(()).unwrap();
    let written = reader.join().unwrap();
    assert!(written < before.len(), "the kill came before the new document was written: {written} bytes");
    assert!(std::fs::symlink_metadata(&temp).unwrap().file_type().is_fifo(), "and so before any rename");

    assert!(std::fs::read(&profiles).unwrap() == before, "the profiles file is exactly as it was");
    let listed = d365(&home, &["--json", "connection", "list"], "");
    assert!(listed.status.success(), "{}", String::from_utf8_lossy(&listed.stderr));
    let names: Vec<String> = json(&listed)["connections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names.len(), 1001, "the template and its padding");
    assert!(!names.iter().any(|n| n == "Killed Mid-Write"));
    // The lock died with the process: the next change goes through.
    std::fs::remove_file(&temp).unwrap();
    assert!(d365(&home, &add_args("After The Crash"), secret).status.success());
    assert_eq!(
        json(&d365(&home, &["--json", "connection", "list"], ""))["connections"].as_array().unwrap().len(),
        1002
    );
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
