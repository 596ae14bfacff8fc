//! The Web API client's own decisions, from a local server (`common::local`): a refused token is refreshed
//! once and the request tried again (refused again, the session must be signed in again); a GET goes inside
//! a `$batch` only when its URL is longer than Dataverse takes, and is refused unsent when it is longer than
//! a `$batch` takes. An answer cut off is tried again only where a repeat is safe.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::local::{Answer, client_for, server};
use d365_dataverse::client::{Client, ClientOptions, MAX_BATCH_URL, MAX_URL, Request};
use d365_dataverse::session::{Grant, Session};
use d365_dataverse::{Cloud, Secret, auth, input};

/// A session whose tokens come from the server at `base` (client credentials), and a client on it.
fn refreshable(base: &str) -> (Arc<Session>, Client) {
    let grant = Grant::App {
        authority: format!("{base}/tenant"),
        client_id: "c".into(),
        client_secret: Secret::new("s"),
    };
    let instance = input::instance(base, Cloud::Public, false).unwrap();
    let session = Arc::new(Session::new(auth::http_client().unwrap(), instance, grant));
    (session.clone(), Client::new(session, ClientOptions::default()))
}

#[tokio::test]
async fn a_token_refused_after_its_refresh_means_signing_in_again() {
    let (base, _) = server(|_, line| {
        if line.contains("/oauth2/v2.0/token") {
            Answer::json(r#"{"access_token":"token","expires_in":3600}"#)
        } else {
            Answer::status(401)
        }
    });
    let (session, client) = refreshable(&base);
    let err = client.send(&Request::get("WhoAmI")).await.expect_err("refused twice");
    assert_eq!(err.kind, "auth.sign_in_again", "{err:?}");
    assert_eq!(session.token_requests(), 2, "one refresh, not more");
}

#[tokio::test]
async fn a_refused_token_is_refreshed_once_and_the_request_tried_again() {
    let (tokens, calls) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (issued, answered) = (tokens.clone(), calls.clone());
    let (base, seen) = server(move |_, line| {
        if line.contains("/oauth2/v2.0/token") {
            let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
            return Answer::json(format!(r#"{{"access_token":"token-{n}","expires_in":3600}}"#));
        }
        match answered.fetch_add(1, Ordering::SeqCst) {
            0 => Answer::status(401),
            _ => Answer::json(r#"{"UserId":"me"}"#),
        }
    });
    let (session, client) = refreshable(&base);
    let answer = client.send(&Request::get("WhoAmI")).await.expect("answered with the refreshed token");
    assert_eq!(answer.json().unwrap()["UserId"], "me");
    assert_eq!(session.token_requests(), 2, "the first token, and one refresh after the 401");
    let sent: Vec<_> =
        seen.requests().into_iter().filter(|s| s.line.contains("WhoAmI")).map(|s| s.authorization).collect();
    assert_eq!(sent, [Some("Bearer token-1".to_owned()), Some("Bearer token-2".to_owned())]);
}

#[tokio::test]
async fn a_get_of_exactly_the_longest_url_is_sent_as_it_is_and_a_longer_one_in_a_batch() {
    let (base, seen) = server(|_, _| Answer::json("{}"));
    let client = client_for(&base);
    let prefix = format!("{base}/api/data/v9.2/accounts?x=");
    let target = |url_len: usize| format!("accounts?x={}", "a".repeat(url_len - prefix.len()));
    client.send(&Request::get(target(MAX_URL))).await.expect("a URL of 32 KB is taken");
    let _ = client.send(&Request::get(target(MAX_URL + 1))).await; // the server's answer is no $batch's
    let lines: Vec<_> = seen.requests().into_iter().map(|s| s.line).collect();
    assert_eq!(lines.len(), 2, "{}", lines.len());
    assert!(lines[0].starts_with("GET /api/data/v9.2/accounts?x=aaa"), "{:.60}", lines[0]);
    assert!(lines[0].len() == "GET ".len() + MAX_URL - base.len() + " HTTP/1.1".len(), "the whole URL");
    assert_eq!(lines[1], "POST /api/data/v9.2/$batch HTTP/1.1");
}

#[tokio::test]
async fn a_get_of_exactly_the_longest_batched_url_is_batched_and_a_longer_one_refused_unsent() {
    let (base, seen) = server(|_, _| Answer::json("{}"));
    let client = client_for(&base);
    let prefix = format!("{base}/api/data/v9.2/accounts?x=");
    let target = |url_len: usize| format!("accounts?x={}", "a".repeat(url_len - prefix.len()));
    let _ = client.send(&Request::get(target(MAX_BATCH_URL))).await; // the server's answer is no $batch's
    let lines: Vec<_> = seen.requests().into_iter().map(|s| s.line).collect();
    assert_eq!(lines, ["POST /api/data/v9.2/$batch HTTP/1.1"], "64 KB goes in a $batch");
    let err = client.send(&Request::get(target(MAX_BATCH_URL + 1))).await.unwrap_err();
    assert_eq!(err.kind, "input.request_too_long", "{err:?}");
    assert_eq!(seen.requests().len(), 1, "the longer one was not sent");
}

/// A `$batch` answer whose one part has `status` (and a Dataverse error body unless it is a 304).
fn batch_answer(status: &str) -> Answer {
    let body = if status.starts_with("304") {
        ""
    } else {
        r#"{"error":{"code":"0x80040217","message":"No such account."}}"#
    };
    Answer {
        status: 200,
        headers: vec![("Content-Type".into(), "multipart/mixed; boundary=batchresponse_1".into())],
        body: format!(
            "--batchresponse_1\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n\
             HTTP/1.1 {status}\r\nContent-Type: application/json; odata.metadata=minimal\r\n\r\n{body}\r\n\
             --batchresponse_1--\r\n"
        ),
    }
}

#[tokio::test]
async fn a_batched_get_s_answer_is_diagnosed_as_a_plain_one_would_be() {
    let long = format!("accounts?x={}", "a".repeat(MAX_URL));
    for (status, diagnosed) in [("404 Not Found", Some("api.not_found")), ("304 Not Modified", None)] {
        let (base, _) = server(move |_, _| batch_answer(status));
        let client = client_for(&base);
        let sent = client.send(&Request::get(long.clone())).await;
        assert_eq!(sent.as_ref().err().map(|e| e.kind), diagnosed, "{status}: {sent:?}");
        let any = client.send_for_any_status(&Request::get(long.clone())).await.expect("any status");
        assert_eq!(any.status.as_u16().to_string(), status[..3], "{status}: answered as it came");
    }
}

/// A server whose first answer is cut off mid-body (it promises 100 bytes, sends 6, hangs up) and whose
/// next answers are whole. Returns its base URL and how many requests it took.
fn cut_off_once() -> (String, Arc<AtomicUsize>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let taken = count.clone();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                    break;
                }
                if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
            let _ = reader.read_exact(&mut vec![0; length]);
            let reply = match taken.fetch_add(1, Ordering::SeqCst) {
                0 => "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{\"a\":1",
                _ => "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
            };
            let _ = stream.write_all(reply.as_bytes());
        }
    });
    (base, count)
}

#[tokio::test]
async fn an_answer_cut_off_is_tried_again_for_a_read_and_reported_unsure_for_a_create() {
    let (base, requests) = cut_off_once();
    client_for(&base).send(&Request::get("accounts")).await.expect("the read is tried again");
    assert_eq!(requests.load(Ordering::SeqCst), 2);

    let (base, requests) = cut_off_once();
    let create = Request::post("accounts", serde_json::json!({ "name": "Contoso" }));
    let err = client_for(&base).send(&create).await.expect_err("a create is not repeated");
    assert_eq!(err.kind, "api.malformed_response", "{err:?}");
    assert!(err.message.contains("may or may not have been applied"), "{err}");
    assert_eq!(requests.load(Ordering::SeqCst), 1, "sent once");
}
