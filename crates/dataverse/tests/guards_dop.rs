//! The client keeps as many requests in flight as the environment's `x-ms-dop-hint` says, no more and no
//! fewer, and follows the hint down as well as up. A local server that answers every request after a pause
//! counts the requests it holds at once.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use d365_dataverse::client::{Client, ClientOptions, Request};
use d365_dataverse::session::{Grant, Session};
use d365_dataverse::{Cloud, Secret, auth, input};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[derive(Default)]
struct Load {
    now: AtomicUsize,
    peak: AtomicUsize,
    /// The hint the server sends.
    hint: AtomicUsize,
}

/// Serves each connection in its own task: a token for the token endpoint, else `{}` after 150 ms with
/// the current hint.
async fn server(load: Arc<Load>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else { continue };
            let load = load.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buffer = [0u8; 4096];
                // Headers, then whatever body the content length announces.
                while !String::from_utf8_lossy(&request).contains("\r\n\r\n") {
                    let Ok(n) = stream.read(&mut buffer).await else { return };
                    if n == 0 {
                        return;
                    }
                    request.extend_from_slice(&buffer[..n]);
                }
                let text = String::from_utf8_lossy(&request).into_owned();
                let body = if text.contains("/oauth2/v2.0/token") {
                    r#"{"access_token":"token","expires_in":3600}"#.to_owned()
                } else {
                    let now = load.now.fetch_add(1, Ordering::SeqCst) + 1;
                    load.peak.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(150)).await;
                    load.now.fetch_sub(1, Ordering::SeqCst);
                    "{}".to_owned()
                };
                let hint = load.hint.load(Ordering::SeqCst);
                let answer = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nx-ms-dop-hint: {hint}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(answer.as_bytes()).await;
            });
        }
    });
    base
}

/// The most requests the server held at once while `count` were sent together.
async fn peak_of(client: &Client, load: &Load, count: usize) -> usize {
    load.peak.store(0, Ordering::SeqCst);
    let requests: Vec<Request> = (0..count).map(|i| Request::get(format!("WhoAmI?n={i}"))).collect();
    for answer in futures_util::future::join_all(requests.iter().map(|r| client.send(r))).await {
        answer.unwrap();
    }
    load.peak.load(Ordering::SeqCst)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn requests_in_flight_follow_the_environments_hint_up_and_down() {
    let load = Arc::new(Load { hint: AtomicUsize::new(3), ..Default::default() });
    let base = server(load.clone()).await;
    let grant = Grant::App {
        authority: format!("{base}/tenant"),
        client_id: "c".into(),
        client_secret: Secret::new("s"),
    };
    let instance = input::instance(&base, Cloud::Public, false).unwrap();
    let session = Arc::new(Session::new(auth::http_client().unwrap(), instance, grant));
    let client = Client::new(session, ClientOptions::default());

    assert_eq!(peak_of(&client, &load, 1).await, 1, "one at a time until the environment has said");
    assert_eq!(peak_of(&client, &load, 12).await, 3, "then as many as its hint");

    load.hint.store(8, Ordering::SeqCst);
    peak_of(&client, &load, 1).await;
    assert_eq!(peak_of(&client, &load, 20).await, 8, "a higher hint is followed");

    // From 8 to 2: six permits forgotten (8 / 2 would forget four and leave four).
    load.hint.store(2, Ordering::SeqCst);
    peak_of(&client, &load, 1).await; // hears the lower hint
    assert_eq!(peak_of(&client, &load, 12).await, 2, "a lower hint is followed too");

    load.hint.store(500, Ordering::SeqCst);
    peak_of(&client, &load, 1).await;
    assert_eq!(peak_of(&client, &load, 80).await, 64, "never more than 64, whatever the hint");
}
