//! URLs longer than Dataverse takes: a GET up to 64 KB goes inside a `$batch` (Microsoft's documented way
//! around the 32 KB limit), anything longer is refused before it is sent, with an excerpt, not the URL.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

mod common;

use std::sync::Arc;

use d365_dataverse::client::{Client, ClientOptions, MAX_URL, Request};
use d365_sandbox::{Fault, Sandbox, SandboxOptions};

async fn world() -> (Sandbox, Arc<Client>) {
    let sandbox =
        Sandbox::bind("127.0.0.1:0", SandboxOptions { seed: 20, ..Default::default() }).await.unwrap();
    let client = Arc::new(Client::new(Arc::new(common::app_session(&sandbox)), ClientOptions::default()));
    (sandbox, client)
}

/// `accounts?$filter=name eq '<first>' or name eq 'xxx…'`, `length` characters long.
fn long_filter(first: &str, length: usize) -> String {
    let path = format!("accounts?$select=name&$filter=name%20eq%20'{first}'%20or%20name%20eq%20''");
    let padding = length.saturating_sub(path.len());
    format!("{}{}'", &path[..path.len() - 1], "x".repeat(padding))
}

#[tokio::test]
async fn a_get_longer_than_dataverse_takes_is_sent_inside_a_batch() {
    let (sandbox, client) = world().await;
    let first = client.send(&Request::get("accounts?$select=name&$top=1")).await.unwrap().json().unwrap();
    let name =
        d365_dataverse::data::query::encode(&first["value"][0]["name"].as_str().unwrap().replace('\'', "''"));
    let path = long_filter(&name, MAX_URL + 2000);
    assert!(path.len() > MAX_URL);
    let answer = client.send(&Request::get(path)).await.expect("sent inside a $batch").json().unwrap();
    let names: Vec<&str> =
        answer["value"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert!(names.contains(&first["value"][0]["name"].as_str().unwrap()), "{names:?}");

    // A read-only connection reads long queries too, though they travel in a POST $batch.
    let read_only = Arc::new(Client::new(
        Arc::new(common::app_session(&sandbox)),
        ClientOptions { read_only: true, ..Default::default() },
    ));
    let path = long_filter(&name, MAX_URL + 2000);
    read_only.send(&Request::get(path)).await.expect("a read stays a read");

    // It went through `$batch`: with that endpoint's answers cut off, the long GET fails, a short one not.
    sandbox.set_faults(vec![Fault::parse("truncate,path=*/$batch").unwrap()]);
    let path = long_filter(&name, MAX_URL + 2000);
    assert!(client.send(&Request::get(path)).await.is_err(), "the long GET is inside a $batch");
    assert!(client.send(&Request::get("accounts?$select=name&$top=1")).await.is_ok());
}

#[tokio::test]
async fn a_get_longer_than_a_batch_takes_is_refused_with_an_excerpt() {
    let (_sandbox, client) = world().await;
    let path = long_filter("x", 100_000);
    let err = client.send(&Request::get(path)).await.unwrap_err();
    assert_eq!(err.kind, "input.request_too_long", "{err:?}");
    assert!(err.message.len() < 400, "the 100 KB URL is not echoed: {}", err.message);
    assert!(err.message.contains("32768"), "{}", err.message);
}
