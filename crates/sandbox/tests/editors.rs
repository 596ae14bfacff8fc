//! What the window's editors rely on, over real HTTP: status reasons carry their state and states their
//! default status, an invalid pair is refused as Dataverse refuses it, a multi-select choice is written and
//! read as `"1,3"` with its labels joined by "; ", and dates keep their column's behaviour.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

mod common;

use common::*;
use d365_sandbox::{Sandbox, SandboxOptions};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

struct Api {
    sandbox: Sandbox,
    token: String,
}

impl Api {
    async fn new() -> Self {
        let sandbox = sandbox_with(SandboxOptions { seed: 17, ..Default::default() }).await;
        let token = org_app_token(&sandbox).await;
        Self { sandbox, token }
    }

    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let url = format!("{}{path}", self.sandbox.info().web_api_url);
        let mut request = http()
            .request(method, url)
            .bearer_auth(&self.token)
            .header("Prefer", "odata.include-annotations=\"OData.Community.Display.V1.FormattedValue\"");
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (status, if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap() })
    }

    async fn get(&self, path: &str) -> Value {
        let (status, body) = self.send(Method::GET, path, None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    async fn create(&self, set: &str, body: Value) -> String {
        let (status, answer) = self.send(Method::POST, &format!("{set}?$select=name"), Some(body)).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{answer}");
        let first = self.get(&format!("{set}?$orderby=createdon desc&$top=1")).await;
        let key =
            first["value"][0].as_object().unwrap().keys().find(|k| k.ends_with("id") && !k.starts_with('_'));
        first["value"][0][key.unwrap()].as_str().unwrap().to_owned()
    }
}

fn options(attribute: &Value) -> &Vec<Value> {
    attribute["OptionSet"]["Options"].as_array().unwrap()
}

#[tokio::test]
async fn status_reasons_carry_their_state_and_states_their_default_status() {
    let api = Api::new().await;
    let base = "EntityDefinitions(LogicalName='lead')/Attributes/Microsoft.Dynamics.CRM";
    let status =
        api.get(&format!("{base}.StatusAttributeMetadata?$select=LogicalName&$expand=OptionSet")).await;
    let reasons = options(&status["value"][0]);
    let of = |value: i64| reasons.iter().find(|o| o["Value"] == value).unwrap();
    assert_eq!(of(2)["State"], 0, "Contacted is an open lead's");
    assert_eq!(of(3)["State"], 1, "Qualified is a qualified lead's");
    assert_eq!(of(5)["State"], 2);
    let state =
        api.get(&format!("{base}.StateAttributeMetadata?$select=LogicalName&$expand=OptionSet")).await;
    let states = options(&state["value"][0]);
    let disqualified = states.iter().find(|o| o["Value"] == 2).unwrap();
    assert_eq!(disqualified["DefaultStatus"], 4);
    assert_eq!(disqualified["InvariantName"], "Disqualified");
}

#[tokio::test]
async fn a_status_reason_of_another_state_is_refused_and_a_state_alone_takes_its_default() {
    let api = Api::new().await;
    let id = api.create("leads", json!({ "subject": "Pairs", "lastname": "Pair" })).await;
    let path = format!("leads({id})");
    // Lost (4) belongs to Disqualified (2), not to the lead's Open (0).
    let (status, body) = api.send(Method::PATCH, &path, Some(json!({ "statuscode": 4 }))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "0x80048408");
    assert_eq!(
        body["error"]["message"],
        format!("4 is not a valid status code for state code LeadState.Open on lead with Id {id}.")
    );
    // Given with its state, it is taken.
    let (status, body) =
        api.send(Method::PATCH, &path, Some(json!({ "statecode": 2, "statuscode": 5 }))).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    // The state alone: its first status reason (Learn: an update of statecode without statuscode).
    let (status, body) = api.send(Method::PATCH, &path, Some(json!({ "statecode": 0 }))).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let row = api.get(&format!("{path}?$select=statecode,statuscode")).await;
    assert_eq!((row["statecode"].as_i64(), row["statuscode"].as_i64()), (Some(0), Some(1)));
    // On create too.
    let (status, body) = api
        .send(Method::POST, "leads", Some(json!({ "subject": "x", "lastname": "y", "statuscode": 3 })))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "0x80048408");
}

#[tokio::test]
async fn a_multi_select_choice_is_its_values_joined_by_commas_and_its_labels_by_semicolons() {
    let api = Api::new().await;
    let attribute = api
        .get(
            "EntityDefinitions(LogicalName='cr0d1_project')/Attributes/Microsoft.Dynamics.CRM.MultiSelectPicklistAttributeMetadata?$select=LogicalName,AttributeType,AttributeTypeName&$expand=OptionSet",
        )
        .await;
    let column = &attribute["value"][0];
    assert_eq!(column["LogicalName"], "cr0d1_channels");
    assert_eq!(column["AttributeType"], "Virtual");
    assert_eq!(column["AttributeTypeName"]["Value"], "MultiSelectPicklistType");
    assert_eq!(options(column).len(), 4);
    let id = api
        .create(
            "cr0d1_projects",
            json!({ "cr0d1_name": "Channels", "cr0d1_channels": "100000000,100000002" }),
        )
        .await;
    let row = api.get(&format!("cr0d1_projects({id})?$select=cr0d1_channels")).await;
    assert_eq!(row["cr0d1_channels"], "100000000,100000002");
    assert_eq!(row["cr0d1_channels@OData.Community.Display.V1.FormattedValue"], "Email; Web");
    let path = format!("cr0d1_projects({id})");
    let (status, body) =
        api.send(Method::PATCH, &path, Some(json!({ "cr0d1_channels": "100000000,7" }))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("outside the valid range"), "{body}");
    let (status, _) = api.send(Method::PATCH, &path, Some(json!({ "cr0d1_channels": null }))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let row = api.get(&format!("{path}?$select=cr0d1_channels")).await;
    assert_eq!(row["cr0d1_channels"], Value::Null);
    // The seeded projects have some.
    let seeded = api.get("cr0d1_projects?$select=cr0d1_channels&$filter=cr0d1_channels ne null&$top=1").await;
    assert!(seeded["value"][0]["cr0d1_channels"].is_string(), "{seeded}");
}

#[tokio::test]
async fn dates_keep_their_behaviour_user_local_in_utc_time_zone_independent_as_sent() {
    let api = Api::new().await;
    let attributes = api
        .get("EntityDefinitions(LogicalName='cr0d1_project')/Attributes/Microsoft.Dynamics.CRM.DateTimeAttributeMetadata")
        .await;
    let behaviour = |name: &str| {
        let found =
            attributes["value"].as_array().unwrap().iter().find(|a| a["LogicalName"] == name).unwrap();
        found["DateTimeBehavior"]["Value"].as_str().unwrap().to_owned()
    };
    assert_eq!(behaviour("cr0d1_deadline"), "UserLocal");
    assert_eq!(behaviour("cr0d1_kickoff"), "TimeZoneIndependent");
    assert_eq!(behaviour("cr0d1_startdate"), "DateOnly");
    let id = api
        .create(
            "cr0d1_projects",
            json!({
                "cr0d1_name": "Clocks",
                "cr0d1_deadline": "2026-05-01T09:30:00+02:00",
                "cr0d1_kickoff": "2026-05-01T09:30:00+02:00",
            }),
        )
        .await;
    let row = api.get(&format!("cr0d1_projects({id})?$select=cr0d1_deadline,cr0d1_kickoff")).await;
    assert_eq!(row["cr0d1_deadline"], "2026-05-01T07:30:00Z", "converted to UTC");
    assert_eq!(row["cr0d1_kickoff"], "2026-05-01T09:30:00Z", "the clock as sent, not shifted");
}

#[tokio::test]
async fn a_multi_select_is_filtered_with_contain_values() {
    let api = Api::new().await;
    let all = api.get("cr0d1_projects?$select=cr0d1_channels").await;
    let rows = all["value"].as_array().unwrap();
    let holds = |row: &Value, value: &str| {
        row["cr0d1_channels"].as_str().is_some_and(|v| v.split(',').any(|part| part == value))
    };
    let query = |function: &str| {
        format!(
            "cr0d1_projects?$select=cr0d1_channels&$filter=Microsoft.Dynamics.CRM.{function}(PropertyName='cr0d1_channels',PropertyValues=['100000002','100000003'])"
        )
    };
    let with = api.get(&query("ContainValues")).await;
    let expected = rows.iter().filter(|r| holds(r, "100000002") || holds(r, "100000003")).count();
    assert!(expected > 0 && expected < rows.len(), "the seed has both kinds");
    assert_eq!(with["value"].as_array().unwrap().len(), expected);
    let without = api.get(&query("DoesNotContainValues")).await;
    assert_eq!(without["value"].as_array().unwrap().len(), rows.len() - expected);
    // Only on a multi-select choice.
    let (status, body) = api
        .send(
            Method::GET,
            "cr0d1_projects?$filter=Microsoft.Dynamics.CRM.ContainValues(PropertyName='cr0d1_name',PropertyValues=['1'])",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}
