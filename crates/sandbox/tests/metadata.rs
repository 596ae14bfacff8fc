//! `EntityDefinitions` over real HTTP: tables, columns with their derived types, option sets, keys.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

mod common;

use common::*;
use d365_sandbox::Sandbox;
use reqwest::StatusCode;
use serde_json::Value;

async fn get(sandbox: &Sandbox, token: &str, path: &str) -> (StatusCode, Value) {
    let response =
        http().get(format!("{}{path}", sandbox.info().web_api_url)).bearer_auth(token).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn tables_are_listed_with_the_selected_properties() {
    let sandbox = sandbox().await;
    let token = org_app_token(&sandbox).await;
    let (status, body) =
        get(&sandbox, &token, "EntityDefinitions?$select=LogicalName,EntitySetName,PrimaryIdAttribute").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("$metadata#EntityDefinitions(LogicalName,EntitySetName,PrimaryIdAttribute)")
    );
    let tables = body["value"].as_array().unwrap();
    let account = tables.iter().find(|t| t["LogicalName"] == "account").unwrap();
    assert_eq!(account["EntitySetName"], "accounts");
    assert_eq!(account["PrimaryIdAttribute"], "accountid");
    assert!(account["MetadataId"].is_string(), "MetadataId always comes back");
    assert!(account.get("DisplayName").is_none(), "unselected properties are left out");
    for name in [
        "contact",
        "lead",
        "opportunity",
        "incident",
        "systemuser",
        "businessunit",
        "team",
        "transactioncurrency",
        "organization",
        "cr0d1_project",
    ] {
        assert!(tables.iter().any(|t| t["LogicalName"] == name), "{name} is listed");
    }
}

#[tokio::test]
async fn one_table_by_logical_name_with_labels() {
    let sandbox = sandbox().await;
    let token = org_app_token(&sandbox).await;
    // Clients percent-encode the quotes; both spellings work.
    for path in [
        "EntityDefinitions(LogicalName='cr0d1_project')",
        "EntityDefinitions(LogicalName=%27cr0d1_project%27)",
    ] {
        let (status, table) = get(&sandbox, &token, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(table["@odata.context"].as_str().unwrap().ends_with("$metadata#EntityDefinitions/$entity"));
        assert_eq!(table["IsCustomEntity"], true);
        assert_eq!(table["ChangeTrackingEnabled"], true);
        assert_eq!(table["SchemaName"], "cr0d1_Project");
        assert_eq!(table["DisplayName"]["UserLocalizedLabel"]["Label"], "Project");
        assert_eq!(table["DisplayName"]["LocalizedLabels"][0]["LanguageCode"], 1033);
    }
    let (status, error) = get(&sandbox, &token, "EntityDefinitions(LogicalName='acount')").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(error["error"]["message"].as_str().unwrap().contains("acount"));
}

#[tokio::test]
async fn attributes_carry_their_derived_types() {
    let sandbox = sandbox().await;
    let token = org_app_token(&sandbox).await;
    let (_, body) = get(&sandbox, &token, "EntityDefinitions(LogicalName='account')/Attributes").await;
    let attributes = body["value"].as_array().unwrap();
    let by_name = |name: &str| attributes.iter().find(|a| a["LogicalName"] == name).unwrap().clone();
    let name = by_name("name");
    assert_eq!(name["@odata.type"], "#Microsoft.Dynamics.CRM.StringAttributeMetadata");
    assert_eq!(name["AttributeType"], "String");
    assert_eq!(name["AttributeTypeName"]["Value"], "StringType");
    assert_eq!(name["MaxLength"], 160);
    assert_eq!(name["RequiredLevel"]["Value"], "ApplicationRequired");
    assert_eq!(name["IsPrimaryName"], true);
    assert_eq!(by_name("primarycontactid")["Targets"], serde_json::json!(["contact"]));
    assert_eq!(by_name("ownerid")["AttributeType"], "Owner");
    assert_eq!(by_name("revenue")["@odata.type"], "#Microsoft.Dynamics.CRM.MoneyAttributeMetadata");
    assert_eq!(by_name("accountid")["IsValidForUpdate"], false);
    assert_eq!(by_name("createdon")["IsValidForCreate"], false);

    let (status, one) =
        get(&sandbox, &token, "EntityDefinitions(LogicalName='contact')/Attributes(LogicalName='birthdate')")
            .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["Format"], "DateOnly");
}

#[tokio::test]
async fn option_sets_come_through_the_casts() {
    let sandbox = sandbox().await;
    let token = org_app_token(&sandbox).await;
    let (status, body) = get(
        &sandbox,
        &token,
        "EntityDefinitions(LogicalName='account')/Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$select=LogicalName&$expand=OptionSet($select=Options),GlobalOptionSet($select=Options)",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let picklists = body["value"].as_array().unwrap();
    assert!(
        picklists.iter().all(|a| a["@odata.type"] == "#Microsoft.Dynamics.CRM.PicklistAttributeMetadata")
    );
    let industry = picklists.iter().find(|a| a["LogicalName"] == "industrycode").unwrap();
    let options = industry["OptionSet"]["Options"].as_array().unwrap();
    assert!(
        options.iter().any(|o| o["Value"] == 1 && o["Label"]["UserLocalizedLabel"]["Label"] == "Accounting")
    );

    let (_, states) = get(&sandbox, &token, "EntityDefinitions(LogicalName='opportunity')/Attributes/Microsoft.Dynamics.CRM.StateAttributeMetadata?$expand=OptionSet").await;
    let labels: Vec<&str> = states["value"][0]["OptionSet"]["Options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["Label"]["UserLocalizedLabel"]["Label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["Open", "Won", "Lost"]);

    let (_, booleans) = get(&sandbox, &token, "EntityDefinitions(LogicalName='account')/Attributes/Microsoft.Dynamics.CRM.BooleanAttributeMetadata?$expand=OptionSet").await;
    let credit =
        booleans["value"].as_array().unwrap().iter().find(|a| a["LogicalName"] == "creditonhold").unwrap();
    assert_eq!(credit["OptionSet"]["TrueOption"]["Label"]["UserLocalizedLabel"]["Label"], "Yes");
}

#[tokio::test]
async fn alternate_keys() {
    let sandbox = sandbox().await;
    let token = org_app_token(&sandbox).await;
    let (_, body) = get(&sandbox, &token, "EntityDefinitions(LogicalName='account')/Keys").await;
    assert_eq!(body["value"][0]["KeyAttributes"], serde_json::json!(["accountnumber"]));
    let (_, body) = get(&sandbox, &token, "EntityDefinitions(LogicalName='contact')/Keys").await;
    assert_eq!(body["value"][0]["KeyAttributes"], serde_json::json!(["emailaddress1"]));
}

#[tokio::test]
async fn service_document_and_csdl() {
    let sandbox = sandbox().await;
    let token = org_app_token(&sandbox).await;
    let (status, service) = get(&sandbox, &token, "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        service["value"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["name"] == "accounts" && s["kind"] == "EntitySet")
    );

    let response = http()
        .get(format!("{}$metadata", sandbox.info().web_api_url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("application/xml"));
    let xml = response.text().await.unwrap();
    assert!(xml.contains(r#"<Schema Namespace="Microsoft.Dynamics.CRM""#));
    assert!(xml.contains(r#"<EntityType Name="account"><Key><PropertyRef Name="accountid" /></Key>"#));
    assert!(xml.contains(r#"<Property Name="_primarycontactid_value" Type="Edm.Guid" />"#));
    assert!(xml.contains(r#"<NavigationProperty Name="parentcustomerid_account" Type="mscrm.account" />"#));
    assert!(xml.contains(
        r#"<EntitySet Name="cr0d1_projects" EntityType="Microsoft.Dynamics.CRM.cr0d1_project" />"#
    ));
    assert_eq!(xml.matches("<EntityType ").count(), xml.matches("</EntityType>").count());
}

#[tokio::test]
async fn one_to_many_relationships_are_the_lookups_that_point_to_the_table() {
    let sandbox = sandbox().await;
    let token = org_app_token(&sandbox).await;
    let (status, body) = get(
        &sandbox,
        &token,
        "EntityDefinitions(LogicalName='account')/OneToManyRelationships?$select=SchemaName,ReferencingEntity,ReferencingAttribute",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let pairs: Vec<(&str, &str)> = body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["ReferencingEntity"].as_str().unwrap(), r["ReferencingAttribute"].as_str().unwrap()))
        .collect();
    for expected in [
        ("contact", "parentcustomerid"),
        ("account", "parentaccountid"),
        ("cr0d1_project", "cr0d1_accountid"),
    ] {
        assert!(pairs.contains(&expected), "{expected:?} in {pairs:?}");
    }
    assert!(!pairs.iter().any(|(table, _)| *table == "transactioncurrency"), "{pairs:?}");
    // The same relationship, seen from the contact's side, has the same schema name.
    let (_, many_to_one) =
        get(&sandbox, &token, "EntityDefinitions(LogicalName='contact')/ManyToOneRelationships").await;
    let one_to_many = body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ReferencingAttribute"] == "parentcustomerid")
        .unwrap();
    assert!(
        many_to_one["value"].as_array().unwrap().iter().any(|r| r["SchemaName"] == one_to_many["SchemaName"]),
        "{one_to_many}"
    );
}
