//! Opening saved connections: the client a profile gets (its read-only flag, the events it reports), the
//! sandbox started for a sandbox connection, and signing in again for user connections only. The sandbox
//! here is a fake Web API on a loopback port: this crate does not link the emulator.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use d365_connections::{
    SandboxEndpoint, SignInMethod, client, metadata_cache_file, open_data, sign_in_again,
};
use d365_dataverse::client::Request;
use d365_dataverse::retry::{ClientEvent, RetryReason};
use d365_vault::{Cloud, ConnectionKind, NewProfile, Profile, Secret, Vault};

fn temp_dir() -> PathBuf {
    let unique = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    std::env::temp_dir().join(format!("d365desk-open-{}-{unique}", std::process::id()))
}

fn profile(kind: &str, read_only: bool, base: &str) -> Profile {
    serde_json::from_value(serde_json::json!({
        "id": "6c3a3f5e-2d1b-4c8e-9a57-0d365de5a0aa", "name": "P", "kind": kind,
        "instance_url": base, "tenant": "contoso.onmicrosoft.com",
        "client_id": "0b6f0b57-7e3f-4c1e-9d9e-6f0a1f2b3c4d", "authority": format!("{base}/t"),
        "read_only": read_only, "created": "2026-01-01T00:00:00Z",
    }))
    .expect("a profile")
}

fn endpoint(base: &str) -> SandboxEndpoint {
    SandboxEndpoint {
        instance_url: base.to_owned(),
        authority: format!("{base}/t"),
        client_id: "2d7c9a41-0000-4000-8000-000000000001".into(),
        client_secret: Secret::new("sandbox-secret"),
        data_file: None,
    }
}

/// A loopback address where nothing listens: every request to it is refused.
fn nowhere() -> String {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    format!("http://127.0.0.1:{port}")
}

/// A fake environment answering one request per connection: a token for the token endpoint, then each of
/// `answers` (status line and extra headers, body `{}`) in turn. Returns its base URL and the request lines.
fn fake_environment(answers: &'static [&'static str]) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let heard = seen.clone();
    std::thread::spawn(move || {
        let mut answers = answers.iter();
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let line = answer(stream, &mut answers);
            heard.lock().unwrap().push(line);
        }
    });
    (base, seen)
}

fn answer(mut stream: TcpStream, answers: &mut std::slice::Iter<&str>) -> String {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let mut length = 0;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).unwrap();
        if header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap();
        }
    }
    reader.read_exact(&mut vec![0; length]).unwrap();
    let (status, body) = if line.contains("/oauth2/v2.0/token") {
        ("200 OK", r#"{"access_token":"fake-token","expires_in":3600}"#)
    } else {
        (*answers.next().unwrap_or(&"500 Internal Server Error"), "{}")
    };
    let reply = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(reply.as_bytes()).unwrap();
    line.trim().to_owned()
}

#[tokio::test]
async fn a_read_only_connection_s_client_refuses_every_write_before_sending_it() {
    let (base, seen) = fake_environment(&["200 OK"]);
    let vault = Vault::open(&temp_dir());
    let http = d365_dataverse::auth::http_client().unwrap();
    let read_only = client(&vault, &profile("sandbox", true, &base), http, Some(&endpoint(&base)), None)
        .expect("a client");
    let write = Request::post("accounts", serde_json::json!({ "name": "Contoso" }));
    let refused = read_only.send(&write).await.expect_err("a read-only connection writes nothing");
    assert_eq!(refused.kind, "api.read_only", "{refused}");
    assert!(seen.lock().unwrap().is_empty(), "nothing was sent: {:?}", seen.lock().unwrap());
}

#[tokio::test]
async fn the_client_reports_each_retry_to_the_events_it_was_given() {
    let (base, seen) = fake_environment(&["429 Too Many Requests\r\nretry-after: 0", "200 OK"]);
    let vault = Vault::open(&temp_dir());
    let http = d365_dataverse::auth::http_client().unwrap();
    let events: Arc<Mutex<Vec<ClientEvent>>> = Arc::default();
    let heard = events.clone();
    let sink: d365_dataverse::client::EventSink =
        Arc::new(move |e: &ClientEvent| heard.lock().unwrap().push(e.clone()));
    let writable =
        client(&vault, &profile("sandbox", false, &base), http, Some(&endpoint(&base)), Some(sink))
            .expect("a client");
    writable.send(&Request::get("WhoAmI")).await.expect("answered after one throttled try");
    assert_eq!(
        *events.lock().unwrap(),
        [ClientEvent::Retrying { reason: RetryReason::Throttled, attempt: 1, wait_ms: 0 }]
    );
    assert_eq!(seen.lock().unwrap().iter().filter(|l| l.contains("WhoAmI")).count(), 2);
}

#[tokio::test]
async fn a_sandbox_connection_opens_on_the_sandbox_started_for_it() {
    let (base, _) = fake_environment(&[]);
    let vault = Vault::open(&temp_dir());
    let new = NewProfile {
        name: "Local".into(),
        kind: ConnectionKind::Sandbox,
        instance_url: d365_connections::SANDBOX_INSTANCE.into(),
        tenant: None,
        client_id: None,
        cloud: Cloud::Public,
        authority: None,
        tag: None,
        read_only: None,
    };
    let saved = vault.add(new, None).expect("a sandbox connection keeps no secret");
    let started = AtomicBool::new(false);
    let session = open_data(&vault, "Local", None, async || {
        started.store(true, Ordering::SeqCst);
        Ok(endpoint(&base))
    })
    .await
    .expect("opened on the running sandbox");
    assert!(started.load(Ordering::SeqCst), "the sandbox was started");
    assert_eq!(session.profile.id, saved.id);
    assert_eq!(session.client.instance().resource(), base);

    let cache = metadata_cache_file(&saved);
    assert!(cache.starts_with(d365_vault::cache_dir()), "{}", cache.display());
    assert!(cache.ends_with(format!("metadata/{}.json", saved.id)), "{}", cache.display());
}

#[tokio::test]
async fn only_a_user_connection_signs_in_again() {
    let vault = Vault::open(&temp_dir());
    let base = nowhere();
    let sign_in = |profile: Profile| {
        let vault = vault.clone();
        async move {
            sign_in_again(&vault, &profile, &SignInMethod::DeviceCode, &|_| {}, std::future::ready(())).await
        }
    };
    let refused =
        sign_in(profile("org", false, &base)).await.expect_err("an org connection keeps its secret");
    assert_eq!(refused.kind(), "input.invalid");
    assert!(refused.to_string().contains("Only a user connection signs in"), "{refused}");
    // A user connection goes on to sign in (here at an authority where nothing listens).
    let user = sign_in(profile("user", false, &base)).await.expect_err("no authority answers");
    assert_ne!(user.kind(), "input.invalid", "{user}");
}
