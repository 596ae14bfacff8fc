//! A hostile server, drawn by proptest: for each kind of call the client makes (a token, WhoAmI, metadata,
//! pages, a `$batch`), a local server answers with statuses, headers and bodies chosen to be wrong in every
//! way a server can be (huge numbers, garbage headers, cut-off JSON and multipart, links to itself). The
//! client must come back with a value or a typed error in bounded time: no panic, no endless loop. The
//! sandbox never misbehaves, so this is a few lines of local server (`common::local`).
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

mod common;

use std::time::Duration;

use common::local::{Answer, client_with, server};
use d365_dataverse::client::{ClientOptions, Request};
use d365_dataverse::data::batch::{self, BatchOptions, Operation};
use d365_dataverse::data::metadata;
use d365_dataverse::data::read::{self, ReadOptions};
use d365_dataverse::retry::RetryPolicy;
use d365_dataverse::{DataverseError, auth};
use futures_util::TryStreamExt;
use proptest::prelude::*;
use serde_json::json;

/// Numbers where arithmetic goes wrong: zero, negatives, the edges of every integer width, floats that
/// overflow a duration, text that is no number at all.
fn hostile_number() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("0".to_owned()),
        Just("-1".to_owned()),
        Just("1e300".to_owned()),
        Just("18446744073709551616".to_owned()),
        Just(u64::MAX.to_string()),
        Just(i64::MIN.to_string()),
        Just("NaN".to_owned()),
        Just("soon".to_owned()),
        (0u64..5).prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
    ]
}

fn hostile_json(own: String) -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just(json!(null)),
        any::<bool>().prop_map(|b| json!(b)),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
        ".{0,20}".prop_map(|s| json!(s)),
    ];
    let value = leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| json!(v)),
            prop::collection::btree_map(".{0,8}", inner, 0..4).prop_map(|m| json!(m)),
        ]
    });
    prop_oneof![
        value.clone().prop_map(|v| json!({ "value": v }).to_string()),
        value.clone().prop_map(|v| v.to_string()),
        hostile_number().prop_map(|n| format!(r#"{{"access_token":"t","expires_in":{n},"token_type":"Bearer"}}"#)),
        hostile_number().prop_map(|n| format!(r#"{{"access_token":"t","expires_in":"{n}"}}"#)),
        Just(format!(r#"{{"value":[{{"name":"a"}}],"@odata.nextLink":"{own}/api/data/v9.2/accounts?p=1"}}"#)),
        Just(r#"{"value":[{"name":"a"}],"@odata.nextLink":"http://elsewhere.example/x"}"#.to_owned()),
        Just(r#"{"value":[{"LogicalName":"account","EntitySetName":"accounts"},{}]}"#.to_owned()),
        Just(r#"{"error":{"code":"0x80072321","message":"throttled"}}"#.to_owned()),
        Just(r#"{"error":"invalid_client","error_description":"AADSTS7000215: wrong","error_codes":[7000215]}"#.to_owned()),
        Just(r#"{"value": [{"a": 1"#.to_owned()),
        Just("--batchresponse_x\r\nContent-Type: application/http\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n".to_owned()),
        Just("--b\r\nContent-Type: application/http\r\n\r\nHTTP/1.1 99999 X\r\n\r\n\r\n--b--\r\n".to_owned()),
        ".{0,64}",
    ]
}

fn hostile_answer(own: String) -> impl Strategy<Value = Answer> {
    let status = prop_oneof![
        Just(200u16),
        Just(204),
        Just(304),
        Just(400),
        Just(401),
        Just(403),
        Just(404),
        Just(412),
        Just(429),
        Just(500),
        Just(503),
        Just(504),
        100u16..600,
    ];
    let header = prop_oneof![
        hostile_number().prop_map(|n| ("Retry-After".to_owned(), n)),
        hostile_number().prop_map(|n| ("x-ms-dop-hint".to_owned(), n)),
        Just(("Content-Type".to_owned(), "application/json".to_owned())),
        Just(("Content-Type".to_owned(), "multipart/mixed; boundary=b".to_owned())),
        Just(("Content-Type".to_owned(), "multipart/mixed".to_owned())),
        ".{0,30}".prop_map(|v| ("OData-EntityId".to_owned(), v.replace(['\r', '\n'], ""))),
    ];
    (status, prop::collection::vec(header, 0..4), hostile_json(own))
        .prop_map(|(status, headers, body)| Answer { status, headers, body })
}

/// Fast retries, and waits the test can afford: the bounds are what is under test, not the defaults.
fn options() -> ClientOptions {
    let policy = RetryPolicy {
        max_attempts: 3,
        base_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
        max_retry_after: Duration::from_millis(50),
    };
    ClientOptions { policy, ..Default::default() }
}

/// One kind of call against the server at `base`; its outcome, error or not.
async fn call(kind: u8, base: &str) -> Result<(), DataverseError> {
    let client = client_with(base, options());
    match kind {
        0 => {
            let http = auth::http_client()?;
            auth::client_credentials(&http, &format!("{base}/tenant"), "c", "s", base).await.map(drop)
        }
        1 => client.send(&Request::get("WhoAmI")).await?.json().map(drop),
        2 => metadata::fetch_tables(&client).await.map(drop),
        3 => {
            let pages = read::pages(client.clone(), "accounts".into(), ReadOptions::default());
            pages.try_collect::<Vec<_>>().await.map(drop)
        }
        _ => {
            let body = json!({ "name": "x" }).as_object().unwrap().clone();
            let operations =
                [Operation::create("accounts", body.clone()), Operation::create("accounts", body)];
            batch::run(&client, &operations, &BatchOptions::default()).await.map(drop)
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_answer_gets_a_value_or_a_typed_error_in_bounded_time(
        kind in 0u8..5,
        answers in prop::collection::vec(hostile_answer("http://OWN".to_owned()), 1..5),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let outcome = runtime.block_on(async {
            let (base, seen) = server(move |own, _| {
                let n = COUNTER.with(|c| { let n = c.get(); c.set(n + 1); n });
                let answer = &answers[n % answers.len()];
                Answer { status: answer.status, headers: answer.headers.clone(), body: answer.body.replace("http://OWN", own) }
            });
            let outcome = tokio::time::timeout(Duration::from_secs(20), call(kind, &base)).await;
            (outcome, seen.requests().len())
        });
        let (outcome, requests) = outcome;
        prop_assert!(outcome.is_ok(), "call {kind} did not come back within 20 s");
        // Retries (3 tries) and distinct next links (at most one per drawn answer) bound it well below the
        // 200 the server would answer: a loop would reach them.
        prop_assert!(requests <= 50, "call {kind} sent {requests} requests");
        if let Ok(Err(error)) = outcome {
            prop_assert!(!error.kind.is_empty() && !error.message.is_empty(), "{error:?}");
        }
    }
}

thread_local! {
    /// The server's request count (its own thread): which of the drawn answers comes next.
    static COUNTER: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}
