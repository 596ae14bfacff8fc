//! The preview of a commit is what the commit sends: a relay between the client and the in-process sandbox
//! records the bytes that reach the sandbox, and the `$batch` the commit sent is the preview's, byte for
//! byte (body, method, URL, every header), with the token never in the preview.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use d365_connections::{CommitMode, CommitOutcome, PendingChange, commit, preview};
use d365_dataverse::client::{Client, ClientOptions, HIDDEN, Request};
use d365_dataverse::data::cache::MetadataCache;
use d365_dataverse::session::{Grant, Session};
use d365_dataverse::{Cloud, auth, input};
use d365_sandbox::{Limits, Sandbox, SandboxOptions};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the client wrote on each connection, in order.
type Recorded = Arc<Mutex<Vec<Arc<Mutex<Vec<u8>>>>>>;

/// A TCP relay to `target` that keeps every byte the client sends.
async fn relay(target: std::net::SocketAddr) -> (String, Recorded) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let recorded: Recorded = Arc::default();
    let connections = recorded.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let server = TcpStream::connect(target).await.unwrap();
            let sent = Arc::new(Mutex::new(Vec::new()));
            connections.lock().unwrap().push(sent.clone());
            let (mut client_read, mut client_write) = client.into_split();
            let (mut server_read, mut server_write) = server.into_split();
            tokio::spawn(async move {
                let mut buffer = vec![0u8; 16 * 1024];
                while let Ok(n) = client_read.read(&mut buffer).await {
                    if n == 0 || server_write.write_all(&buffer[..n]).await.is_err() {
                        break;
                    }
                    sent.lock().unwrap().extend_from_slice(&buffer[..n]);
                }
            });
            tokio::spawn(async move {
                let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
            });
        }
    });
    (address, recorded)
}

/// One HTTP/1.1 request as it arrived.
#[derive(Debug)]
struct Arrived {
    line: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn requests(recorded: &Recorded) -> Vec<Arrived> {
    let mut out = Vec::new();
    for connection in recorded.lock().unwrap().iter() {
        let bytes = connection.lock().unwrap().clone();
        let mut rest = bytes.as_slice();
        while let Some(end) = rest.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&rest[..end]).into_owned();
            let mut lines = head.split("\r\n");
            let line = lines.next().unwrap().to_owned();
            let headers: Vec<(String, String)> = lines
                .filter_map(|l| l.split_once(':').map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned())))
                .collect();
            let length = headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
                .map_or(0, |(_, v)| v.parse::<usize>().unwrap());
            let body = rest[end + 4..end + 4 + length].to_vec();
            rest = &rest[end + 4 + length..];
            out.push(Arrived { line, headers, body });
        }
    }
    out
}

struct World {
    sandbox: Sandbox,
    client: Arc<Client>,
    cache: MetadataCache,
    token: String,
    recorded: Recorded,
}

/// A client of the sandbox through the relay, with a token the sandbox issued for itself.
async fn world() -> World {
    world_with(SandboxOptions { seed: 5, ..Default::default() }).await
}

async fn world_with(options: SandboxOptions) -> World {
    let sandbox = Sandbox::bind("127.0.0.1:0", options).await.unwrap();
    let token = common::app_client(&sandbox).session().token().await.unwrap();
    let target = url::Url::parse(&sandbox.info().instance_url).unwrap();
    let target = format!("{}:{}", target.host_str().unwrap(), target.port().unwrap()).parse().unwrap();
    let (address, recorded) = relay(target).await;
    let instance = input::instance(&address, Cloud::Public, false).unwrap();
    let secret = token.secret().to_owned();
    let session = Session::new(auth::http_client().unwrap(), instance, Grant::Fixed(token));
    let client = Arc::new(Client::new(Arc::new(session), ClientOptions::default()));
    let cache = MetadataCache::open(client.clone(), None);
    World { sandbox, client, cache, token: secret, recorded }
}

async fn accounts(client: &Client, count: usize) -> Vec<(String, String)> {
    let page = client
        .send(&Request::get(format!("accounts?$select=name&$top={count}&$orderby=name")))
        .await
        .unwrap();
    page.json().unwrap()["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["accountid"].as_str().unwrap().to_owned(), r["@odata.etag"].as_str().unwrap().to_owned()))
        .collect()
}

fn update(id: &(String, String), column: &str, new: Value) -> PendingChange {
    PendingChange::Update {
        table: "account".into(),
        id: id.0.clone(),
        etag: Some(id.1.clone()),
        column: column.into(),
        old: None,
        new,
    }
}

#[tokio::test]
async fn the_preview_is_the_batch_the_commit_sends_without_the_token() {
    let world = world().await;
    for (n, mode) in [CommitMode::Atomic, CommitMode::RecordByRecord].into_iter().enumerate() {
        // Read afresh each time: the second commit is on the versions the first one left.
        let ids = accounts(&world.client, 2).await;
        let changes = vec![
            update(&ids[0], "name", json!(format!("Previewed {n}"))),
            update(&ids[1], "telephone1", json!(format!("555-014{n}"))),
            PendingChange::Create {
                table: "contact".into(),
                key: "new-1".into(),
                values: BTreeMap::from([("lastname".into(), json!("Previewed"))]),
            },
        ];
        let shown = preview(&world.cache, &changes, mode).await.unwrap();
        assert!(shown.refused.is_empty(), "{shown:?}");
        assert!(
            !serde_json::to_string(&shown).unwrap().contains(&world.token),
            "no token anywhere in the preview"
        );
        let [batch] = shown.batches.as_slice() else { panic!("one $batch: {shown:?}") };
        assert_eq!(batch.changes, [0, 1, 2]);
        assert_eq!((batch.method.as_str(), batch.url.ends_with("/api/data/v9.2/$batch")), ("POST", true));
        let header = |name: &str| {
            batch.headers.iter().find(|h| h.name.eq_ignore_ascii_case(name)).map(|h| h.value.as_str())
        };
        assert_eq!(header("authorization"), Some(HIDDEN));
        assert_eq!(header("odata-version"), Some("4.0"));
        assert!(header("content-type").unwrap().starts_with("multipart/mixed; boundary=batch_"));
        assert_eq!(
            header("prefer"),
            (mode == CommitMode::RecordByRecord).then_some("odata.continue-on-error")
        );
        assert!(batch.body.contains("PATCH ") && batch.body.contains("If-Match: W/\""), "{}", batch.body);

        let before = requests(&world.recorded).len();
        let results = commit(&world.cache, &changes, mode, &[]).await.unwrap();
        assert!(results.iter().all(|r| matches!(r.outcome, CommitOutcome::Applied { .. })), "{results:?}");
        let sent: Vec<Arrived> = requests(&world.recorded)
            .into_iter()
            .skip(before)
            .filter(|r| r.line.contains("$batch"))
            .collect();
        let [arrived] = sent.as_slice() else { panic!("one $batch sent: {sent:?}") };
        assert_eq!(String::from_utf8(arrived.body.clone()).unwrap(), batch.body, "the body, byte for byte");
        let path = url::Url::parse(&batch.url).unwrap();
        assert_eq!(arrived.line, format!("POST {} HTTP/1.1", path.path()));
        for shown in &batch.headers {
            let value =
                arrived.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(&shown.name)).map(|(_, v)| v);
            if shown.name.eq_ignore_ascii_case("authorization") {
                assert_eq!(
                    value,
                    Some(&format!("Bearer {}", world.token)),
                    "the real token went on the wire"
                );
            } else {
                assert_eq!(value, Some(&shown.value), "{}", shown.name);
            }
        }
        let unshown: Vec<String> = arrived
            .headers
            .iter()
            .map(|(n, _)| n.to_ascii_lowercase())
            .filter(|n| !batch.headers.iter().any(|h| h.name.eq_ignore_ascii_case(n)))
            .collect();
        assert_eq!(unshown, ["host"], "every header sent is shown, but the Host of the URL");
    }
    drop(world.sandbox);
}

#[tokio::test]
async fn refusals_are_previewed_as_the_commit_reports_them_and_nothing_is_shown_as_sent() {
    let world = world().await;
    let ids = accounts(&world.client, 2).await;
    let changes =
        vec![update(&ids[0], "telephone1", json!("555")), update(&ids[1], "name", json!("x".repeat(161)))];
    let atomic = preview(&world.cache, &changes, CommitMode::Atomic).await.unwrap();
    assert!(atomic.batches.is_empty(), "an atomic commit with a refusal sends nothing: {atomic:?}");
    let CommitOutcome::Refused { error } = &atomic.refused[1].outcome else { panic!("{atomic:?}") };
    assert_eq!(error.column.as_deref(), Some("name"));
    assert!(matches!(atomic.refused[0].outcome, CommitOutcome::NotApplied { .. }), "{atomic:?}");
    // Record by record the valid change is sent, the refused one is listed beside it.
    let each = preview(&world.cache, &changes, CommitMode::RecordByRecord).await.unwrap();
    assert_eq!((each.batches.len(), each.batches[0].changes.as_slice()), (1, &[0][..]), "{each:?}");
    assert_eq!(each.refused.len(), 1);
    assert_eq!(each.refused[0].changes, [1]);
    // A version holding a line break would end the part's headers: the batch is refused, not shown.
    let mut broken = update(&ids[0], "telephone1", json!("555"));
    if let PendingChange::Update { etag, .. } = &mut broken {
        *etag = Some("W/\"1\"\r\nIf-Match: *".into());
    }
    let refused = preview(&world.cache, &[broken], CommitMode::RecordByRecord).await.unwrap();
    assert!(refused.batches.is_empty(), "{refused:?}");
    assert!(
        matches!(&refused.refused[0].outcome, CommitOutcome::Refused { error } if error.message.contains("line break"))
    );
    let sent = requests(&world.recorded);
    assert!(sent.iter().all(|r| !r.line.contains("$batch")), "a preview sends nothing");
}

#[tokio::test]
async fn a_throttled_batch_is_sent_again_as_the_same_bytes_the_preview_showed() {
    let limits = Limits { requests: 3, window: std::time::Duration::from_secs(1), ..Limits::default() };
    let world = world_with(SandboxOptions { seed: 5, limits, ..Default::default() }).await;
    let ids = accounts(&world.client, 1).await;
    let changes = vec![
        update(&ids[0], "telephone1", json!("555-0150")),
        PendingChange::Create {
            table: "contact".into(),
            key: "new-1".into(),
            values: BTreeMap::from([("lastname".into(), json!("Sent once"))]),
        },
    ];
    let shown = preview(&world.cache, &changes, CommitMode::Atomic).await.unwrap();
    let before = requests(&world.recorded).len();
    // The window's requests spent (after a pause that empties it): the commit's batch is answered 429.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    for _ in 0..3 {
        world.client.send(&Request::get("WhoAmI")).await.unwrap();
    }
    let results = commit(&world.cache, &changes, CommitMode::Atomic, &[]).await.unwrap();
    assert!(results.iter().all(|r| matches!(r.outcome, CommitOutcome::Applied { .. })), "{results:?}");
    let sent: Vec<Arrived> =
        requests(&world.recorded).into_iter().skip(before).filter(|r| r.line.contains("$batch")).collect();
    assert!(sent.len() >= 2, "answered 429 first, then sent again: {} tries", sent.len());
    for arrived in &sent {
        assert_eq!(String::from_utf8(arrived.body.clone()).unwrap(), shown.batches[0].body, "the same bytes");
    }
    let page = world
        .client
        .send(&Request::get("contacts?$select=contactid&$filter=lastname eq 'Sent once'"))
        .await
        .unwrap();
    assert_eq!(page.json().unwrap()["value"].as_array().unwrap().len(), 1, "created once");
}
