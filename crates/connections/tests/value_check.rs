//! The editors' value check against the in-process sandbox over real HTTP: a status reason is checked
//! against the state read or staged with it, as Dataverse would refuse the pair.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

mod common;

use std::collections::BTreeMap;

use d365_connections::{ValueCheck, check_value};
use d365_dataverse::data::cache::MetadataCache;
use d365_sandbox::{Sandbox, SandboxOptions};
use serde_json::json;

#[tokio::test]
async fn a_status_reason_is_checked_against_the_state_it_goes_with() {
    let sandbox =
        Sandbox::bind("127.0.0.1:0", SandboxOptions { seed: 34, ..Default::default() }).await.unwrap();
    let cache = MetadataCache::open(common::app_client(&sandbox), None);
    let check = |status: i64, state: Option<i64>| ValueCheck {
        table: "lead".into(),
        column: "statuscode".into(),
        value: json!(status),
        row: state.map(|s| BTreeMap::from([("statecode".to_owned(), json!(s))])).unwrap_or_default(),
    };
    let err = check_value(&cache, check(4, Some(0))).await.unwrap_err();
    let payload = d365_common::ErrorPayload::from(err);
    assert_eq!(payload.kind, "input.invalid_status");
    assert_eq!(payload.column.as_deref(), Some("statuscode"));
    check_value(&cache, check(4, Some(2))).await.unwrap();
    // Without the row, only the value itself is checked.
    check_value(&cache, check(4, None)).await.unwrap();
    assert!(check_value(&cache, check(99, None)).await.is_err());
}
