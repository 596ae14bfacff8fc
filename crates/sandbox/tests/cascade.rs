//! Relationships' cascades over real HTTP: each relationship says its `CascadeConfiguration`, and deleting
//! a row follows it: a parental relationship's children are deleted (and theirs), a referential one's
//! lookups cleared, a restricted one refuses with Dataverse's error and nothing changes.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

mod common;

use common::*;
use d365_sandbox::{Sandbox, SandboxOptions};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn call(
    sandbox: &Sandbox,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let url = format!("{}{path}", sandbox.info().web_api_url);
    let mut request = http().request(method, url).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap() })
}

/// Creates a row and gives its id.
async fn create(sandbox: &Sandbox, token: &str, set: &str, body: Value) -> String {
    let url = format!("{}{set}", sandbox.info().web_api_url);
    let response = http().post(url).bearer_auth(token).json(&body).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT, "{}", response.text().await.unwrap());
    let entity = response.headers()["odata-entityid"].to_str().unwrap().to_owned();
    entity.rsplit_once('(').unwrap().1.trim_end_matches(')').to_owned()
}

#[tokio::test]
async fn relationships_say_their_cascades() {
    let sandbox = sandbox_with(SandboxOptions { seed: 2, ..Default::default() }).await;
    let token = org_app_token(&sandbox).await;
    let (status, body) = call(
        &sandbox,
        &token,
        Method::GET,
        "EntityDefinitions(LogicalName='account')/OneToManyRelationships?$select=SchemaName,ReferencingEntity,ReferencingAttribute,CascadeConfiguration",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let of = |entity: &str, attribute: &str| -> Value {
        body["value"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["ReferencingEntity"] == entity && r["ReferencingAttribute"] == attribute)
            .unwrap_or_else(|| panic!("{entity}.{attribute} in {body}"))["CascadeConfiguration"]
            .clone()
    };
    let parental = of("contact", "parentcustomerid");
    assert_eq!(parental["Delete"], "Cascade");
    assert_eq!(parental["Assign"], "Cascade");
    assert_eq!(of("incident", "customerid")["Delete"], "Cascade");
    let referential = of("account", "parentaccountid");
    assert_eq!(
        (referential["Delete"].as_str(), referential["Assign"].as_str()),
        (Some("RemoveLink"), Some("NoCascade"))
    );
    // Seen from the lookup's side, the same configuration.
    let (_, many_to_one) = call(
        &sandbox,
        &token,
        Method::GET,
        "EntityDefinitions(LogicalName='account')/ManyToOneRelationships?$select=ReferencingAttribute,ReferencedEntity,CascadeConfiguration",
        None,
    )
    .await;
    let currency = many_to_one["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ReferencingAttribute"] == "transactioncurrencyid")
        .unwrap();
    assert_eq!(currency["CascadeConfiguration"]["Delete"], "Restrict", "{currency}");
}

#[tokio::test]
async fn a_delete_follows_each_relationships_cascade() {
    let sandbox = sandbox_with(SandboxOptions { seed: 2, ..Default::default() }).await;
    let token = org_app_token(&sandbox).await;
    let account = create(&sandbox, &token, "accounts", json!({ "name": "Doomed Ltd" })).await;
    let bind = |set: &str, id: &str| format!("/{set}({id})");
    let contact = create(
        &sandbox,
        &token,
        "contacts",
        json!({ "lastname": "Child", "parentcustomerid_account@odata.bind": bind("accounts", &account) }),
    )
    .await;
    // A contact of the contact: deleted in turn; and that contact's opportunity, too.
    let grandchild = create(
        &sandbox,
        &token,
        "contacts",
        json!({ "lastname": "Grandchild", "parentcustomerid_contact@odata.bind": bind("contacts", &contact) }),
    )
    .await;
    let opportunity = create(
        &sandbox,
        &token,
        "opportunities",
        json!({ "name": "Deal", "customerid_contact@odata.bind": bind("contacts", &grandchild) }),
    )
    .await;
    let case = create(
        &sandbox,
        &token,
        "incidents",
        json!({ "title": "Broken", "customerid_account@odata.bind": bind("accounts", &account) }),
    )
    .await;
    // Referential: another account's parent, and an account whose primary contact is the doomed contact.
    let other = create(
        &sandbox,
        &token,
        "accounts",
        json!({ "name": "Survivor", "parentaccountid@odata.bind": bind("accounts", &account),
                "primarycontactid@odata.bind": bind("contacts", &contact) }),
    )
    .await;

    let (status, body) = call(&sandbox, &token, Method::DELETE, &format!("accounts({account})"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    for (set, id) in [
        ("accounts", &account),
        ("contacts", &contact),
        ("contacts", &grandchild),
        ("opportunities", &opportunity),
        ("incidents", &case),
    ] {
        let (status, _) = call(&sandbox, &token, Method::GET, &format!("{set}({id})"), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{set}({id}) is deleted with its parent");
    }
    let (status, survivor) = call(
        &sandbox,
        &token,
        Method::GET,
        &format!("accounts({other})?$select=name,_parentaccountid_value,_primarycontactid_value"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(survivor["name"], "Survivor");
    assert_eq!(survivor["_parentaccountid_value"], Value::Null, "the link removed: {survivor}");
    assert_eq!(survivor["_primarycontactid_value"], Value::Null, "the link removed: {survivor}");
}

#[tokio::test]
async fn a_restricted_relationship_refuses_the_delete_and_nothing_changes() {
    let sandbox = sandbox_with(SandboxOptions { seed: 2, ..Default::default() }).await;
    let token = org_app_token(&sandbox).await;
    let (_, currencies) =
        call(&sandbox, &token, Method::GET, "transactioncurrencies?$select=transactioncurrencyid", None)
            .await;
    let usd = currencies["value"][0]["transactioncurrencyid"].as_str().unwrap().to_owned();
    let (_, before) = call(&sandbox, &token, Method::GET, "accounts/$count", None).await;
    let (status, body) =
        call(&sandbox, &token, Method::DELETE, &format!("transactioncurrencies({usd})"), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "0x80040227");
    assert_eq!(
        body["error"]["message"],
        "The object you tried to delete is associated with another object and cannot be deleted."
    );
    let (status, _) =
        call(&sandbox, &token, Method::GET, &format!("transactioncurrencies({usd})"), None).await;
    assert_eq!(status, StatusCode::OK, "the currency is still there");
    let (_, after) = call(&sandbox, &token, Method::GET, "accounts/$count", None).await;
    assert_eq!(before, after);
}
