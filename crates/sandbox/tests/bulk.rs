//! The bulk operation messages over real HTTP: CreateMultiple's ids in request order, UpdateMultiple and
//! UpsertMultiple (by key and by `@odata.id`), all or nothing on a refused item, `@odata.type` required and
//! matched, Dataverse's answers for a table without the messages and for DeleteMultiple, privileges, and the
//! same messages inside `$batch`.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

mod common;

use common::*;
use d365_sandbox::directory::READER_CLIENT_ID;
use d365_sandbox::{Sandbox, SandboxOptions};
use reqwest::StatusCode;
use serde_json::{Value, json};

struct Api {
    sandbox: Sandbox,
    token: String,
}

impl Api {
    async fn new() -> Self {
        let sandbox = sandbox_with(SandboxOptions { seed: 5, ..Default::default() }).await;
        let token = org_app_token(&sandbox).await;
        Self { sandbox, token }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.info().web_api_url)
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let response = http().post(self.url(path)).bearer_auth(&self.token).json(&body).send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (status, if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap() })
    }

    async fn get(&self, path: &str) -> Value {
        let response = http().get(self.url(path)).bearer_auth(&self.token).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }

    async fn names(&self, prefix: &str) -> Vec<String> {
        let rows = self
            .get(&format!(
                "accounts?$select=name,telephone1&$filter=startswith(name,'{prefix}')&$orderby=name"
            ))
            .await;
        rows["value"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap().to_owned()).collect()
    }
}

fn account(fields: Value) -> Value {
    let mut item = fields;
    item["@odata.type"] = json!("Microsoft.Dynamics.CRM.account");
    item
}

fn error_of(body: &Value) -> (&str, &str) {
    (body["error"]["code"].as_str().unwrap(), body["error"]["message"].as_str().unwrap())
}

#[tokio::test]
async fn create_multiple_answers_the_ids_in_request_order() {
    let api = Api::new().await;
    let targets: Vec<Value> = (1..=3)
        .map(|n| account(json!({ "name": format!("Bulk {n}"), "telephone1": format!("{n}") })))
        .collect();
    let (status, body) =
        api.post("accounts/Microsoft.Dynamics.CRM.CreateMultiple", json!({ "Targets": targets })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["@odata.context"],
        format!("{}$metadata#Microsoft.Dynamics.CRM.CreateMultipleResponse", api.sandbox.info().web_api_url)
    );
    let ids = body["Ids"].as_array().unwrap();
    assert_eq!(ids.len(), 3);
    for (n, id) in ids.iter().enumerate() {
        let row = api.get(&format!("accounts({})?$select=name", id.as_str().unwrap())).await;
        assert_eq!(row["name"], format!("Bulk {}", n + 1));
    }
}

#[tokio::test]
async fn one_refused_item_leaves_nothing_applied() {
    let api = Api::new().await;
    let targets = vec![
        account(json!({ "name": "Refused A" })),
        account(json!({ "name": "x".repeat(200) })),
        account(json!({ "name": "Refused C" })),
    ];
    let (status, body) =
        api.post("accounts/Microsoft.Dynamics.CRM.CreateMultiple", json!({ "Targets": targets })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (code, message) = error_of(&body);
    assert_eq!(code, "0x80044331", "the single create's validation error: {message}");
    assert!(message.contains("exceeded the maximum allowed length of '160'"), "{message}");
    assert!(api.names("Refused").await.is_empty(), "nothing was created");

    // A read-only column is ignored and an unknown one refused, exactly as a single create does.
    let targets = vec![account(json!({ "name": "Refused D" })), account(json!({ "name": "E", "nosuch": 1 }))];
    let (status, body) =
        api.post("accounts/Microsoft.Dynamics.CRM.CreateMultiple", json!({ "Targets": targets })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        error_of(&body).1,
        "Invalid property 'nosuch' was found in entity 'Microsoft.Dynamics.CRM.account'."
    );
    assert!(api.names("Refused").await.is_empty());
}

#[tokio::test]
async fn update_multiple_changes_each_record_by_its_key_and_never_creates() {
    let api = Api::new().await;
    let targets: Vec<Value> = (1..=2).map(|n| account(json!({ "name": format!("Upd {n}") }))).collect();
    let (_, created) =
        api.post("accounts/Microsoft.Dynamics.CRM.CreateMultiple", json!({ "Targets": targets })).await;
    let ids: Vec<&str> = created["Ids"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();

    let targets: Vec<Value> = ids
        .iter()
        .enumerate()
        .map(|(n, id)| account(json!({ "accountid": id, "telephone1": format!("tel-{n}") })))
        .collect();
    let (status, body) =
        api.post("accounts/Microsoft.Dynamics.CRM.UpdateMultiple", json!({ "Targets": targets })).await;
    assert_eq!((status, &body), (StatusCode::NO_CONTENT, &Value::Null));
    for (n, id) in ids.iter().enumerate() {
        assert_eq!(
            api.get(&format!("accounts({id})?$select=telephone1")).await["telephone1"],
            format!("tel-{n}")
        );
    }

    // A missing record: the single update's 404, and the other item rolled back with it.
    let missing = "00000000-0000-0000-0000-00000000abcd";
    let targets = vec![
        account(json!({ "accountid": ids[0], "telephone1": "rolled back" })),
        account(json!({ "accountid": missing, "telephone1": "x" })),
    ];
    let (status, body) =
        api.post("accounts/Microsoft.Dynamics.CRM.UpdateMultiple", json!({ "Targets": targets })).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(error_of(&body).1.contains(missing), "{body}");
    assert_eq!(api.get(&format!("accounts({})?$select=telephone1", ids[0])).await["telephone1"], "tel-0");

    let targets = vec![account(json!({ "telephone1": "no key" }))];
    let (status, body) =
        api.post("accounts/Microsoft.Dynamics.CRM.UpdateMultiple", json!({ "Targets": targets })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_of(&body), ("0x80040203", "Entity Id must be specified for Update"));
}

#[tokio::test]
async fn upsert_multiple_creates_or_updates_by_alternate_key_or_id() {
    let api = Api::new().await;
    let targets = vec![
        account(json!({ "@odata.id": "accounts(accountnumber='UPS-1')", "name": "Ups one" })),
        account(json!({ "@odata.id": "accounts(accountnumber='UPS-2')", "name": "Ups two" })),
    ];
    let (status, body) =
        api.post("accounts/Microsoft.Dynamics.CRM.UpsertMultiple", json!({ "Targets": targets })).await;
    assert_eq!((status, &body), (StatusCode::NO_CONTENT, &Value::Null));
    let one = api.get("accounts(accountnumber='UPS-1')?$select=name,accountid").await;
    assert_eq!(one["name"], "Ups one");

    let absolute = format!("{}accounts(accountnumber='UPS-2')", api.sandbox.info().web_api_url);
    let targets = vec![
        account(json!({ "@odata.id": absolute, "name": "Ups two, again" })),
        account(json!({ "accountid": one["accountid"], "name": "Ups one, again" })),
        account(json!({ "name": "Ups three, no key" })),
    ];
    let (status, body) =
        api.post("accounts/Microsoft.Dynamics.CRM.UpsertMultiple", json!({ "Targets": targets })).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(api.names("Ups").await, ["Ups one, again", "Ups three, no key", "Ups two, again"]);

    let targets =
        vec![account(json!({ "@odata.id": "contacts(00000000-0000-0000-0000-000000000001)", "name": "x" }))];
    let (status, body) =
        api.post("accounts/Microsoft.Dynamics.CRM.UpsertMultiple", json!({ "Targets": targets })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

#[tokio::test]
async fn every_item_names_the_entity_sets_table() {
    let api = Api::new().await;
    let targets = vec![account(json!({ "name": "Typed" })), json!({ "name": "Untyped" })];
    let (status, body) =
        api.post("accounts/Microsoft.Dynamics.CRM.CreateMultiple", json!({ "Targets": targets })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error_of(&body).1.contains("Item 2 of Targets has no '@odata.type'"), "{body}");

    let contact = json!({ "@odata.type": "Microsoft.Dynamics.CRM.contact", "lastname": "Wrong table" });
    let (status, body) = api
        .post(
            "accounts/Microsoft.Dynamics.CRM.CreateMultiple",
            json!({ "Targets": [account(json!({ "name": "Typed" })), contact] }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_of(&body).0, "0x80040203", "{body}");
    assert!(api.names("Typed").await.is_empty(), "nothing was created");

    let (status, body) =
        api.post("accounts/Microsoft.Dynamics.CRM.CreateMultiple", json!({ "Items": [] })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_of(&body).1, "Required field 'Targets' is missing for RequestName='CreateMultiple'");
}

#[tokio::test]
async fn tables_without_the_messages_and_delete_multiple_answer_as_dataverse_does() {
    let api = Api::new().await;
    let currency = json!({ "@odata.type": "Microsoft.Dynamics.CRM.transactioncurrency", "currencyname": "Krone",
        "isocurrencycode": "DKK", "currencysymbol": "kr" });
    let (status, body) = api
        .post("transactioncurrencies/Microsoft.Dynamics.CRM.CreateMultiple", json!({ "Targets": [currency] }))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        error_of(&body),
        (
            "0x80040800",
            "The 'CreateMultiple' method does not support entities of type 'transactioncurrency'. \
             MessageProcessorCache returned MessageProcessor.Empty. "
        )
    );

    let target = account(json!({ "accountid": "00000000-0000-0000-0000-000000000001" }));
    let (status, body) =
        api.post("accounts/Microsoft.Dynamics.CRM.DeleteMultiple", json!({ "Targets": [target] })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_of(&body).1, "DeleteMultiple has not yet been implemented.");

    let (status, body) =
        api.post("nosuchthings/Microsoft.Dynamics.CRM.CreateMultiple", json!({ "Targets": [] })).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_of(&body).1, "Resource not found for the segment 'nosuchthings'.");
}

#[tokio::test]
async fn a_read_only_role_is_refused_the_privilege() {
    let sandbox = sandbox_with(SandboxOptions { seed: 5, ..Default::default() }).await;
    let scope = format!("{}/.default", sandbox.info().instance_url);
    let (_, token) = app_token(&sandbox, &READER_CLIENT_ID.to_string(), &scope).await;
    let token = token["access_token"].as_str().unwrap();
    let url = format!("{}accounts/Microsoft.Dynamics.CRM.CreateMultiple", sandbox.info().web_api_url);
    let response = http()
        .post(url)
        .bearer_auth(token)
        .json(&json!({ "Targets": [account(json!({ "name": "Reader" }))] }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let body: Value = response.json().await.unwrap();
    assert!(error_of(&body).1.contains("is missing prvCreateAccount privilege"), "{body}");
}

#[tokio::test]
async fn a_bulk_message_runs_inside_a_batch_change_set() {
    let api = Api::new().await;
    let base = api.sandbox.info().web_api_url.clone();
    let targets = json!({ "Targets": [account(json!({ "name": "In batch 1" })), account(json!({ "name": "In batch 2" }))] });
    let body = format!(
        "--batch_b\r\nContent-Type: multipart/mixed; boundary=changeset_c\r\n\r\n--changeset_c\r\n\
         Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\nContent-ID: 1\r\n\r\n\
         POST {base}accounts/Microsoft.Dynamics.CRM.CreateMultiple HTTP/1.1\r\nContent-Type: application/json\r\n\r\n\
         {targets}\r\n--changeset_c--\r\n--batch_b--\r\n"
    );
    let response = http()
        .post(format!("{base}$batch"))
        .bearer_auth(&api.token)
        .header("Content-Type", "multipart/mixed; boundary=batch_b")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    assert!(text.contains("HTTP/1.1 200") && text.contains("CreateMultipleResponse"), "{text}");
    assert_eq!(api.names("In batch").await, ["In batch 1", "In batch 2"]);
}
