//! The token goes only to its own environment, and a server's links cannot hold a read forever. These
//! servers misbehave on purpose, which the sandbox never does: each is a few lines of a local HTTP server
//! on 127.0.0.1 that answers every request with the same JSON and counts what it was sent.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use d365_dataverse::Cloud;
use d365_dataverse::auth::{self, AccessToken};
use d365_dataverse::client::{Client, ClientOptions, Request};
use d365_dataverse::data::read::{self, ReadOptions};
use d365_dataverse::input;
use d365_dataverse::session::{Grant, Session};
use futures_util::TryStreamExt;

/// The request lines and Authorization headers a server was sent.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<(String, Option<String>)>>>);

impl Seen {
    fn requests(&self) -> Vec<(String, Option<String>)> {
        self.0.lock().unwrap().clone()
    }
}

/// A server answering every request with `body(its own base URL)`; its base URL and what it saw.
fn server(body: impl Fn(&str) -> String + Send + 'static) -> (String, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = Seen::default();
    let (record, own) = (seen.clone(), base.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming().take(100) {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let mut authorization = None;
            loop {
                let mut header = String::new();
                reader.read_line(&mut header).unwrap();
                if header.trim().is_empty() {
                    break;
                }
                if let Some(value) = header.strip_prefix("authorization: ") {
                    authorization = Some(value.trim().to_owned());
                }
            }
            record.0.lock().unwrap().push((line.trim().to_owned(), authorization));
            let body = body(&own);
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            stream.write_all(head.as_bytes()).unwrap();
            stream.write_all(body.as_bytes()).unwrap();
        }
    });
    (base, seen)
}

fn client_for(base: &str) -> Arc<Client> {
    let instance = input::instance(base, Cloud::Public, false).unwrap();
    let token =
        AccessToken::new("the-token".into(), time::OffsetDateTime::now_utc() + time::Duration::hours(1));
    let session = Session::new(auth::http_client().unwrap(), instance, Grant::Fixed(token));
    Arc::new(Client::new(Arc::new(session), ClientOptions::default()))
}

#[tokio::test]
async fn a_next_link_to_another_origin_is_not_followed_and_gets_no_token() {
    let (elsewhere, elsewhere_seen) = server(|_| r#"{"value": []}"#.to_owned());
    let link = format!("{elsewhere}/api/data/v9.2/accounts?steal=1");
    let (base, seen) = server(move |_| format!(r#"{{"value": [], "@odata.nextLink": "{link}"}}"#));
    let pages = read::pages(client_for(&base), "accounts".into(), ReadOptions::default());
    let err = pages.try_collect::<Vec<_>>().await.unwrap_err();
    assert_eq!(err.kind, "api.other_origin", "{err:?}");
    assert!(err.message.contains(&elsewhere), "{}", err.message);
    assert_eq!(seen.requests().len(), 1, "the first page only");
    assert_eq!(seen.requests()[0].1.as_deref(), Some("Bearer the-token"), "the own origin got the token");
    assert!(elsewhere_seen.requests().is_empty(), "the other origin got nothing");
}

#[tokio::test]
async fn https_to_http_and_another_port_are_other_origins() {
    let (base, seen) = server(|_| "{}".to_owned());
    let client = client_for(&base);
    let port = base.rsplit(':').next().unwrap().parse::<u16>().unwrap();
    for target in [
        format!("http://127.0.0.1:{}/api/data/v9.2/WhoAmI", port.wrapping_add(1)),
        format!("https://127.0.0.1:{port}/api/data/v9.2/WhoAmI"),
        format!("http://localhost:{port}/api/data/v9.2/WhoAmI"),
    ] {
        let err = client.send(&Request::get(target.clone())).await.unwrap_err();
        assert_eq!(err.kind, "api.other_origin", "{target}: {err:?}");
    }
    assert!(seen.requests().is_empty(), "nothing was sent anywhere");
    client.send(&Request::get(format!("{base}/api/data/v9.2/WhoAmI"))).await.expect("its own origin is fine");
    assert_eq!(seen.requests().len(), 1);
}

#[tokio::test]
async fn a_next_link_that_points_to_itself_ends_the_read() {
    let (base, seen) = server(|own| {
        format!(
            r#"{{"value": [{{"name": "a"}}], "@odata.nextLink": "{own}/api/data/v9.2/accounts?$skiptoken=same"}}"#
        )
    });
    let pages = read::pages(client_for(&base), "accounts".into(), ReadOptions::default());
    let err = pages.try_collect::<Vec<_>>().await.unwrap_err();
    assert_eq!(err.kind, "api.malformed_response", "{err:?}");
    assert!(err.message.contains("had sent before"), "{}", err.message);
    assert_eq!(seen.requests().len(), 2, "the first page and the link once: {:?}", seen.requests());
}
