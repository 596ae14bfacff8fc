//! The sign-in's loopback listener cannot be held: 50 idle or trickling connections (browsers pre-open
//! some; a local process may hold many) do not delay the real callback, which is taken on either loopback
//! address `localhost` may lead to. Against the sandbox's real sign-in pages.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

mod common;

use std::io::Write;
use std::time::{Duration, Instant};

use common::checked_tasks;
use d365_dataverse::auth;
use d365_dataverse::signin::{SignIn, sign_in};
use d365_sandbox::{Sandbox, SandboxOptions};

/// Before the old listener served one connection at a time with 5 s per read: 50 held connections kept a
/// callback waiting for minutes. Served concurrently, it is answered as soon as it comes.
const HELD: usize = 50;

fn hold_connections(port: u16) -> Vec<std::net::TcpStream> {
    (0..HELD)
        .map(|n| {
            let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
            if n % 2 == 1 {
                // Half trickle the start of a request and stop there; the other half send nothing.
                stream.write_all(b"GET /?co").unwrap();
            }
            stream
        })
        .collect()
}

fn request(info: &d365_sandbox::ConnectionInfo, timeout_secs: u64) -> SignIn<'_> {
    SignIn {
        authority: &info.authority,
        client_id: &info.public_client_id,
        resource: &info.instance_url,
        login_hint: None,
        timeout: Duration::from_secs(timeout_secs),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn held_connections_do_not_delay_the_callback_which_is_taken_on_ipv6_too() {
    let sandbox =
        Sandbox::bind("127.0.0.1:0", SandboxOptions { seed: 5, ..Default::default() }).await.unwrap();
    let info = sandbox.info().clone();
    let (spawner, checks) = checked_tasks();
    let (authority, username, password) =
        (info.authority.clone(), info.username.clone(), info.password.clone());
    let open = move |authorize: &str| {
        let authorize = authorize.to_owned();
        spawner.spawn(async move {
            let port = common::redirect_port(&authorize);
            let held = tokio::task::spawn_blocking(move || hold_connections(port)).await.unwrap();
            let location = d365_testkit::browse(&authorize, &authority, &username, &password, "accept").await;
            // `localhost` may resolve to ::1 first: the listener holds that address too (this machine has
            // IPv6 loopback; where one has not, no other process can listen there either).
            let callback = location.replace("localhost", "[::1]");
            let started = Instant::now();
            let landing = reqwest::Client::new().get(&callback).send().await.unwrap();
            let waited = started.elapsed();
            assert_eq!(landing.status(), 200);
            let page = landing.text().await.unwrap();
            assert!(page.contains("You are signed in"), "answered after the code exchange: {page}");
            assert!(
                waited < Duration::from_secs(3),
                "the callback waited {waited:?} behind {HELD} held connections"
            );
            drop(held);
        });
        Ok(())
    };
    let request = request(&info, 60);
    let tokens =
        checks.around(sign_in(&auth::http_client().unwrap(), request, open, std::future::pending())).await;
    assert!(tokens.unwrap().refresh_token.is_some());
}

#[tokio::test]
async fn no_other_process_can_hold_the_other_loopback_address() {
    let sandbox =
        Sandbox::bind("127.0.0.1:0", SandboxOptions { seed: 5, ..Default::default() }).await.unwrap();
    let info = sandbox.info().clone();
    let (spawner, checks) = checked_tasks();
    let open = move |authorize: &str| {
        let port = common::redirect_port(authorize);
        spawner.spawn(async move {
            // What a local process trying to catch the code on the other address would do.
            let squatter = std::net::TcpListener::bind(("::1", port)).map(drop);
            let taken = squatter.as_ref().map_err(std::io::Error::kind);
            assert_eq!(taken, Err(std::io::ErrorKind::AddrInUse), "[::1]:{port} is the sign-in's own");
        });
        Ok(())
    };
    let request = request(&info, 2);
    let result =
        checks.around(sign_in(&auth::http_client().unwrap(), request, open, std::future::pending())).await;
    assert_eq!(result.unwrap_err().kind, "signin.timeout", "nobody came back: the sign-in gave up in time");
}
