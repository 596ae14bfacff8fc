//! What the CLI tests share: a throwaway D365DESK_HOME, running `d365`, the in-process sandbox.
#![allow(dead_code)] // each test file uses its own share of these

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use d365_sandbox::{Sandbox, SandboxOptions};
use serde_json::Value;

pub fn home() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("d365desk-cli-{}", uuid_like()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn uuid_like() -> String {
    format!(
        "{}-{:?}",
        std::process::id(),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
    )
}

/// Runs `d365 args...` with `home` as D365DESK_HOME, `stdin` piped in.
pub fn d365(home: &Path, args: &[&str], stdin: &str) -> Output {
    d365_with(home, args, stdin, &[])
}

/// [`d365`] with more environment variables.
pub fn d365_with(home: &Path, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
    let mut child = spawn(home, args, env);
    // A command that refuses its arguments may exit before reading its input: a closed pipe is no failure.
    match child.stdin.take().unwrap().write_all(stdin.as_bytes()) {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => {}
        written => written.unwrap(),
    }
    child.wait_with_output().unwrap()
}

/// `d365 args...` started, its stdin, stdout and stderr piped.
pub fn spawn(home: &Path, args: &[&str], env: &[(&str, &str)]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_d365"))
        .args(args)
        .env("D365DESK_HOME", home)
        .env_remove("D365_CLIENT_SECRET")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

pub fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&output.stdout)))
}

pub async fn sandbox() -> Sandbox {
    Sandbox::bind("127.0.0.1:0", SandboxOptions { seed: 5, ..Default::default() }).await.unwrap()
}

pub fn add_org(home: &Path, sandbox: &Sandbox, name: &str, secret: &str) -> Output {
    let info = sandbox.info();
    d365(
        home,
        &[
            "connection",
            "add",
            "org",
            "--name",
            name,
            "--instance",
            &info.instance_url,
            "--tenant",
            &info.tenant_id,
            "--client-id",
            &info.org_client_id,
            "--authority",
            &info.authority,
            "--tag",
            "dev",
            "--client-secret-stdin",
        ],
        &format!("{secret}\n"),
    )
}

pub fn keyring_has(profile_id: &str) -> bool {
    match keyring::Entry::new("d365desk", &format!("{profile_id}/client_secret")).unwrap().get_password() {
        Ok(_) => true,
        Err(keyring::Error::NoEntry) => false,
        Err(other) => panic!("keyring: {other}"),
    }
}

/// Completes a device-code sign-in as the sandbox's user would in a browser, from the CLI's prompt line.
pub async fn approve_device_code(line: &str, info: &d365_sandbox::ConnectionInfo) {
    // "To sign in, open <uri> in any browser and enter the code <code>."
    let uri = line.split_whitespace().nth(4).unwrap().to_owned();
    let code = line.trim_end_matches('.').rsplit(' ').next().unwrap().to_owned();
    d365_testkit::approve_device_code(&uri, &code, &info.authority, &info.username, &info.password).await;
}

/// `d365 args` with a device-code sign-in in it, approved as the sandbox user would in a browser.
pub async fn with_device_code(home: &Path, info: &d365_sandbox::ConnectionInfo, args: &[&str]) -> Output {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_d365"))
        .args(args)
        .env("D365DESK_HOME", home)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let line = tokio::task::block_in_place(|| {
        stderr.lines().map_while(Result::ok).find(|l| l.contains("enter the code")).unwrap()
    });
    approve_device_code(&line, info).await;
    tokio::task::block_in_place(|| child.wait_with_output().unwrap())
}

/// The arguments of `d365 connection add user --device-code` for the sandbox's public client.
pub fn add_user_args<'a>(info: &'a d365_sandbox::ConnectionInfo, name: &'a str) -> Vec<&'a str> {
    vec![
        "connection",
        "add",
        "user",
        "--device-code",
        "--name",
        name,
        "--instance",
        &info.instance_url,
        "--client-id",
        &info.public_client_id,
        "--tenant",
        &info.tenant_id,
        "--authority",
        &info.authority,
    ]
}
