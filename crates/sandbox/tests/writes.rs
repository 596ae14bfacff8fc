//! Writing records over real HTTP: create, update with optimistic concurrency, upsert (by id and by
//! alternate key), delete, single-column writes, lookups, validation with Dataverse's errors, privileges,
//! and paging that stays stable while rows are inserted.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

mod common;

use std::collections::HashSet;

use common::*;
use d365_sandbox::directory::READER_CLIENT_ID;
use d365_sandbox::{Sandbox, SandboxOptions};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

struct Api {
    sandbox: Sandbox,
    token: String,
}

struct Reply {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

impl Api {
    async fn new() -> Self {
        let sandbox = sandbox_with(SandboxOptions { seed: 10, ..Default::default() }).await;
        let token = org_app_token(&sandbox).await;
        Self { sandbox, token }
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.sandbox.info().web_api_url)
        }
    }

    async fn send(&self, method: Method, path: &str, body: Option<Value>, headers: &[(&str, &str)]) -> Reply {
        let mut request = http().request(method, self.url(path)).bearer_auth(&self.token);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let (status, headers) = (response.status(), response.headers().clone());
        let text = response.text().await.unwrap();
        let body = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap() };
        Reply { status, headers, body }
    }

    async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None, &[]).await
    }

    /// Creates an account and returns its id.
    async fn create_account(&self, body: Value) -> String {
        let reply = self.send(Method::POST, "accounts", Some(body), &[]).await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.body);
        let entity_id = reply.headers["odata-entityid"].to_str().unwrap();
        entity_id.rsplit_once('(').unwrap().1.trim_end_matches(')').to_owned()
    }
}

#[tokio::test]
async fn create_returns_the_new_id_and_the_platform_fills_in_the_rest() {
    let api = Api::new().await;
    let id =
        api.create_account(json!({ "name": "Fresh Fields", "revenue": 1250000.5, "industrycode": 9 })).await;
    let row = api.get(&format!("accounts({id})")).await.body;
    assert_eq!(row["name"], "Fresh Fields");
    assert_eq!(row["revenue"], 1250000.5);
    assert_eq!(row["statecode"], 0);
    assert_eq!(row["statuscode"], 1);
    assert!(row["createdon"].as_str().unwrap().ends_with('Z'));
    let app_user =
        api.sandbox.directory().app(&api.sandbox.info().org_client_id).unwrap().application_user.unwrap();
    assert_eq!(row["_ownerid_value"], app_user.system_user_id.to_string(), "owned by the caller");
    assert!(row["_transactioncurrencyid_value"].is_string(), "money columns get the base currency");

    let reply = api
        .send(
            Method::POST,
            "accounts?$select=name,accountnumber",
            Some(json!({ "name": "Shown Back", "accountnumber": "SB-1" })),
            &[("Prefer", "return=representation")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(reply.headers["preference-applied"], "return=representation");
    assert!(reply.headers.get("odata-entityid").is_none());
    assert_eq!(reply.body["accountnumber"], "SB-1");
    assert!(reply.body["@odata.etag"].as_str().unwrap().starts_with("W/\""));
    assert!(
        reply.body["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("$metadata#accounts(name,accountnumber)/$entity")
    );
}

#[tokio::test]
async fn updates_check_the_etag_and_bump_the_version() {
    let api = Api::new().await;
    let id = api.create_account(json!({ "name": "Versioned" })).await;
    let before = api.get(&format!("accounts({id})")).await.body;
    let etag = before["@odata.etag"].as_str().unwrap().to_owned();

    let reply = api
        .send(
            Method::PATCH,
            &format!("accounts({id})"),
            Some(json!({ "name": "Versioned 2" })),
            &[("If-Match", &etag)],
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    let after = api.get(&format!("accounts({id})")).await.body;
    assert_eq!(after["name"], "Versioned 2");
    assert_ne!(after["@odata.etag"], before["@odata.etag"], "every write gets a new version");

    let stale = api
        .send(
            Method::PATCH,
            &format!("accounts({id})"),
            Some(json!({ "name": "Lost update" })),
            &[("If-Match", &etag)],
        )
        .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(stale.body["error"]["code"], "0x80060882");
    assert_eq!(
        stale.body["error"]["message"],
        "The version of the existing record doesn't match the RowVersion property provided."
    );
    assert_eq!(
        api.get(&format!("accounts({id})")).await.body["name"],
        "Versioned 2",
        "a refused write changes nothing"
    );

    let create_only = api
        .send(
            Method::PATCH,
            &format!("accounts({id})"),
            Some(json!({ "name": "x" })),
            &[("If-None-Match", "*")],
        )
        .await;
    assert_eq!(create_only.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(create_only.body["error"]["code"], "0x80040237");
}

#[tokio::test]
async fn patch_upserts_unless_told_to_update_only() {
    let api = Api::new().await;
    let new_id = "3d0a5a5e-1111-4222-8333-944455556666";
    let update_only = api
        .send(
            Method::PATCH,
            &format!("accounts({new_id})"),
            Some(json!({ "name": "Nope" })),
            &[("If-Match", "*")],
        )
        .await;
    assert_eq!(update_only.status, StatusCode::NOT_FOUND);
    let upsert = api
        .send(Method::PATCH, &format!("accounts({new_id})"), Some(json!({ "name": "Upserted" })), &[])
        .await;
    assert_eq!(upsert.status, StatusCode::NO_CONTENT);
    assert_eq!(api.get(&format!("accounts({new_id})")).await.body["name"], "Upserted");

    let by_key = "accounts(accountnumber='KEY-42')";
    assert_eq!(
        api.send(Method::PATCH, by_key, Some(json!({ "name": "First" })), &[]).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        api.send(Method::PATCH, by_key, Some(json!({ "name": "Second" })), &[]).await.status,
        StatusCode::NO_CONTENT
    );
    let found = api.get("accounts?$filter=accountnumber eq 'KEY-42'&$select=name").await.body;
    assert_eq!(found["value"].as_array().unwrap().len(), 1, "the key upserted one row");
    assert_eq!(found["value"][0]["name"], "Second");

    let duplicate = api
        .send(Method::POST, "accounts", Some(json!({ "name": "Dup", "accountnumber": "KEY-42" })), &[])
        .await;
    assert_eq!(duplicate.status, StatusCode::PRECONDITION_FAILED, "{}", duplicate.body);
    assert_eq!(duplicate.body["error"]["code"], "0x80040237");
}

#[tokio::test]
async fn delete_and_single_column_writes() {
    let api = Api::new().await;
    let id = api.create_account(json!({ "name": "Short-lived", "description": "to be cleared" })).await;
    let record = format!("accounts({id})");
    assert_eq!(
        api.send(Method::PUT, &format!("{record}/name"), Some(json!({ "value": "Renamed" })), &[])
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        api.send(Method::DELETE, &format!("{record}/description"), None, &[]).await.status,
        StatusCode::NO_CONTENT
    );
    let row = api.get(&record).await.body;
    assert_eq!(row["name"], "Renamed");
    assert!(row["description"].is_null());

    let stale = api.send(Method::DELETE, &record, None, &[("If-Match", "W/\"1\"")]).await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(api.send(Method::DELETE, &record, None, &[]).await.status, StatusCode::NO_CONTENT);
    assert_eq!(api.get(&record).await.status, StatusCode::NOT_FOUND);
    let again = api.send(Method::DELETE, &record, None, &[]).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert_eq!(again.body["error"]["message"], format!("account With Id = {id} Does Not Exist"));
}

#[tokio::test]
async fn lookups_bind_and_unbind() {
    let api = Api::new().await;
    let contacts = api.get("contacts?$select=fullname&$top=1").await.body;
    let contact = contacts["value"][0]["contactid"].as_str().unwrap().to_owned();
    let id = api
        .create_account(
            json!({ "name": "Bound", "primarycontactid@odata.bind": format!("/contacts({contact})") }),
        )
        .await;
    let row = api.get(&format!("accounts({id})?$select=_primarycontactid_value")).await.body;
    assert_eq!(row["_primarycontactid_value"], contact);

    let wrong = api
        .send(
            Method::PATCH,
            &format!("accounts({id})"),
            Some(json!({ "primarycontactid@odata.bind": format!("/accounts({id})") })),
            &[],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST, "primarycontactid only points at contacts");

    let reply = api.send(Method::DELETE, &format!("accounts({id})/primarycontactid/$ref"), None, &[]).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert!(api.get(&format!("accounts({id})?$select=_primarycontactid_value")).await.body["_primarycontactid_value"].is_null());

    // A polymorphic lookup names its target in the navigation property.
    let reply = api
        .send(Method::POST, "contacts", Some(json!({ "firstname": "Ada", "lastname": "Byron", "parentcustomerid_account@odata.bind": format!("/accounts({id})") })), &[("Prefer", "return=representation")])
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(reply.body["_parentcustomerid_value"], id);
    assert_eq!(reply.body["fullname"], "Ada Byron", "computed by the platform");
}

#[tokio::test]
async fn invalid_values_are_refused_with_dataverse_errors_and_change_nothing() {
    let api = Api::new().await;
    let id = api.create_account(json!({ "name": "Guarded" })).await;
    let record = format!("accounts({id})");
    let cases = [
        (json!({ "name": "x".repeat(161) }), "0x80044331", "exceeded the maximum allowed length of '160'"),
        (
            json!({ "numberofemployees": "many" }),
            "0x0",
            "Cannot convert the literal '\"many\"' to the expected type 'Edm.Int32'",
        ),
        (json!({ "industrycode": 424242 }), "0x80044331", "outside the valid range"),
        (
            json!({ "nmae": "typo" }),
            "0x0",
            "Invalid property 'nmae' was found in entity 'Microsoft.Dynamics.CRM.account'",
        ),
        (json!({ "_primarycontactid_value": id }), "0x0", "Invalid property"),
        (json!({ "name": "Half", "revenue": "not money" }), "0x0", "Edm.Decimal"),
    ];
    for (body, code, message) in cases {
        let reply = api.send(Method::PATCH, &record, Some(body.clone()), &[]).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(reply.body["error"]["code"], code, "{body}");
        assert!(reply.body["error"]["message"].as_str().unwrap().contains(message), "{body}: {}", reply.body);
    }
    assert_eq!(api.get(&record).await.body["name"], "Guarded", "no refused write half-applied");
    let reply = http()
        .patch(api.url(&record))
        .bearer_auth(&api.token)
        .header("Content-Type", "application/json")
        .body("{ not json")
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), StatusCode::BAD_REQUEST);
    assert_eq!(reply.json::<Value>().await.unwrap()["error"]["code"], "0x80048d19");
}

#[tokio::test]
async fn a_read_only_role_gets_403_on_writes() {
    let api = Api::new().await;
    let scope = format!("{}/.default", api.sandbox.info().instance_url);
    let (_, token) = app_token(&api.sandbox, &READER_CLIENT_ID.to_string(), &scope).await;
    let reader = token["access_token"].as_str().unwrap();
    let response = http()
        .post(api.url("accounts"))
        .bearer_auth(reader)
        .json(&json!({ "name": "Not allowed" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"]["code"], "0x80040220");
    assert!(error["error"]["message"].as_str().unwrap().contains("is missing prvCreateAccount privilege"));
    let read = http().get(api.url("accounts?$top=1")).bearer_auth(reader).send().await.unwrap();
    assert_eq!(read.status(), StatusCode::OK, "reading is allowed");
}

#[tokio::test]
async fn paging_is_stable_while_rows_are_inserted() {
    let api = Api::new().await;
    let path = "accounts?$select=name&$orderby=name";
    let first = api.send(Method::GET, path, None, &[("Prefer", "odata.maxpagesize=4")]).await.body;
    let mut seen: Vec<String> = first["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["accountid"].as_str().unwrap().to_owned())
        .collect();
    // Rows that sort before and after the current position arrive mid-read.
    for name in ["AAAA Early Bird", "Zzzz Late Comer", "Mmmm Middle"] {
        api.create_account(json!({ "name": name })).await;
    }
    let mut next = first["@odata.nextLink"].as_str().map(str::to_owned);
    while let Some(url) = next {
        let page = api.send(Method::GET, &url, None, &[("Prefer", "odata.maxpagesize=4")]).await.body;
        seen.extend(
            page["value"].as_array().unwrap().iter().map(|r| r["accountid"].as_str().unwrap().to_owned()),
        );
        next = page["@odata.nextLink"].as_str().map(str::to_owned);
    }
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no row is read twice");
    assert!(seen.len() >= 10, "every original row is read once: {}", seen.len());
    assert_eq!(seen.len(), 10 + 2, "rows inserted after the position are read, the one before it is not");
}
