//! The metadata and value checks the window's editors stand on, against the in-process sandbox over real
//! HTTP: status reasons with their state, states with their default status, multi-select choices, the
//! date-time behaviours; the core refusing a status reason of another state before anything is sent.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

mod common;

use std::sync::Arc;

use d365_dataverse::client::{Client, ClientOptions};
use d365_dataverse::data::cache::MetadataCache;
use d365_dataverse::data::read::retrieve;
use d365_dataverse::data::values::{self, Changes, Purpose};
use d365_dataverse::data::write;
use d365_sandbox::{Sandbox, SandboxOptions};
use serde_json::{Value, json};

async fn world() -> (Sandbox, Arc<Client>, MetadataCache) {
    let sandbox =
        Sandbox::bind("127.0.0.1:0", SandboxOptions { seed: 21, ..Default::default() }).await.unwrap();
    let client = Arc::new(Client::new(Arc::new(common::app_session(&sandbox)), ClientOptions::default()));
    let cache = MetadataCache::open(client.clone(), None);
    (sandbox, client, cache)
}

fn changes(value: Value) -> Changes {
    value.as_object().unwrap().clone()
}

#[tokio::test]
async fn status_reasons_know_their_state_and_states_their_default() {
    let (_sandbox, _client, cache) = world().await;
    let lead = cache.schema("lead").await.unwrap();
    let status = lead.column("statuscode").unwrap();
    let contacted = status.options.iter().find(|o| o.value == 2).unwrap();
    assert_eq!((contacted.label.as_str(), contacted.state), ("Contacted", Some(0)));
    assert_eq!(status.options.iter().find(|o| o.value == 6).unwrap().state, Some(2));
    let state = lead.column("statecode").unwrap();
    let defaults: Vec<_> = state.options.iter().map(|o| (o.value, o.default_status)).collect();
    assert_eq!(defaults, [(0, Some(1)), (1, Some(3)), (2, Some(4))]);
}

#[tokio::test]
async fn a_status_reason_of_another_state_is_refused_by_the_core_with_the_valid_ones_named() {
    let (_sandbox, _client, cache) = world().await;
    let lead = cache.schema("lead").await.unwrap();
    let tables = cache.tables().await.unwrap();
    // Staged together: checked as a pair.
    let err = values::body(
        &lead,
        &tables,
        &changes(json!({"statecode": 0, "statuscode": 4})),
        Purpose::Update,
        &[],
    )
    .unwrap_err();
    assert_eq!((err.kind, err.column.as_deref()), ("input.invalid_status", Some("statuscode")));
    assert!(
        err.message.starts_with("4 (Lost) is not a valid status code for state code 0 (Open) of lead"),
        "{err}"
    );
    assert!(err.hint.as_deref().unwrap().contains("1 New, 2 Contacted"), "{err:?}");
    assert!(
        values::body(
            &lead,
            &tables,
            &changes(json!({"statecode": 2, "statuscode": 4})),
            Purpose::Update,
            &[]
        )
        .is_ok()
    );
    // The status alone, with the state read.
    let read = changes(json!({"statecode": 1}));
    let err = values::status_pair(&lead, &changes(json!({"statuscode": 2})), &read).unwrap_err();
    assert_eq!(err.kind, "input.invalid_status");
    assert!(values::status_pair(&lead, &changes(json!({"statuscode": 3})), &read).is_ok());
    // Without a state to compare with, the status alone is left to the server.
    assert!(values::status_pair(&lead, &changes(json!({"statuscode": 2})), &Changes::new()).is_ok());
}

#[tokio::test]
async fn a_multi_select_choice_is_checked_and_written_as_its_values_joined_by_commas() {
    let (_sandbox, client, cache) = world().await;
    let project = cache.schema("cr0d1_project").await.unwrap();
    let tables = cache.tables().await.unwrap();
    let channels = project.column("cr0d1_channels").unwrap();
    assert!(channels.is_multi_select(), "{channels:?}");
    assert_eq!(channels.attribute_type, "Virtual");
    assert_eq!(channels.options.len(), 4);
    for (given, sent) in [
        (json!("100000002,100000000"), json!("100000002,100000000")),
        (json!([100000001, 100000003]), json!("100000001,100000003")),
        (json!("Email; web"), json!("100000000,100000002")),
        (json!(""), Value::Null),
    ] {
        assert_eq!(values::checked(channels, &given).unwrap(), sent, "{given}");
    }
    let err = values::checked(channels, &json!("100000000,5")).unwrap_err();
    assert_eq!(err.kind, "input.invalid_option");
    let created = write::create(
        &client,
        &project,
        &tables,
        &changes(json!({"cr0d1_name": "Both", "cr0d1_channels": [100000000, 100000001]})),
    )
    .await
    .unwrap();
    let row =
        retrieve(&client, &format!("cr0d1_projects({})", created.id), None, true).await.unwrap().unwrap();
    let cell = row.get("cr0d1_channels").unwrap();
    assert_eq!(cell.value, json!("100000000,100000001"));
    assert_eq!(cell.formatted.as_deref(), Some("Email; Phone"));
}

#[tokio::test]
async fn dates_follow_their_behaviour() {
    let (_sandbox, _client, cache) = world().await;
    let project = cache.schema("cr0d1_project").await.unwrap();
    let behaviour = |name: &str| project.column(name).unwrap().date_behavior.clone();
    assert_eq!(behaviour("cr0d1_deadline").as_deref(), Some("UserLocal"));
    assert_eq!(behaviour("cr0d1_kickoff").as_deref(), Some("TimeZoneIndependent"));
    assert!(project.column("cr0d1_startdate").unwrap().date_only);
    let kickoff = project.column("cr0d1_kickoff").unwrap();
    // Typed as the clock reads, sent with Z (no shift); a user-local one needs its offset.
    assert_eq!(values::checked(kickoff, &json!("2026-05-01T09:30")).unwrap(), json!("2026-05-01T09:30:00Z"));
    let deadline = project.column("cr0d1_deadline").unwrap();
    assert_eq!(
        values::checked(deadline, &json!("2026-05-01T09:30")).unwrap_err().kind,
        "input.invalid_value"
    );
    assert_eq!(
        values::checked(deadline, &json!("2026-05-01T07:30:00.000Z")).unwrap(),
        json!("2026-05-01T07:30:00.000Z")
    );
}
