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

fn names(body: &Value, property: &str) -> Vec<String> {
    let mut names: Vec<String> = body["value"]
        .as_array()
        .unwrap_or_else(|| panic!("a collection: {body}"))
        .iter()
        .map(|item| item[property].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn entity_definitions_are_filtered_as_dataverse_filters_metadata() {
    let sandbox = sandbox().await;
    let token = org_app_token(&sandbox).await;
    let (status, body) = get(
        &sandbox,
        &token,
        "EntityDefinitions?$select=LogicalName,EntitySetName,PrimaryIdAttribute&$filter=LogicalName eq 'account'",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let value = body["value"].as_array().unwrap();
    assert_eq!(value.len(), 1, "{body}");
    assert_eq!(value[0]["EntitySetName"], "accounts");
    assert_eq!(value[0]["PrimaryIdAttribute"], "accountid");
    assert!(value[0]["MetadataId"].is_string() && value[0].get("DisplayName").is_none());

    // Each filter against the same test run on the unfiltered list.
    let (_, everything) = get(&sandbox, &token, "EntityDefinitions").await;
    let everything = everything["value"].as_array().unwrap().clone();
    type Test = fn(&Value) -> bool;
    let cases: [(&str, Test); 5] = [
        ("IsCustomEntity eq true", |t| t["IsCustomEntity"] == true),
        ("LogicalName eq 'contact' or LogicalName eq 'lead'", |t| {
            t["LogicalName"] == "contact" || t["LogicalName"] == "lead"
        }),
        (
            "OwnershipType eq Microsoft.Dynamics.CRM.OwnershipTypes'OrganizationOwned' and not (LogicalName eq 'organization')",
            |t| t["OwnershipType"] == "OrganizationOwned" && t["LogicalName"] != "organization",
        ),
        ("ObjectTypeCode lt 3 and ObjectTypeCode ge 1", |t| {
            (1..3).contains(&t["ObjectTypeCode"].as_i64().unwrap())
        }),
        ("ChangeTrackingEnabled eq true and IsCustomEntity ne true", |t| {
            t["ChangeTrackingEnabled"] == true && t["IsCustomEntity"] != true
        }),
    ];
    for (filter, test) in cases {
        let (status, body) =
            get(&sandbox, &token, &format!("EntityDefinitions?$select=LogicalName&$filter={filter}")).await;
        assert_eq!(status, StatusCode::OK, "{filter}: {body}");
        let mut expected: Vec<String> = everything
            .iter()
            .filter(|t| test(t))
            .map(|t| t["LogicalName"].as_str().unwrap().to_owned())
            .collect();
        expected.sort();
        assert!(!expected.is_empty() && expected.len() < everything.len(), "{filter} tells");
        assert_eq!(names(&body, "LogicalName"), expected, "{filter}");
    }
    let (_, by_id) = get(
        &sandbox,
        &token,
        &format!(
            "EntityDefinitions?$select=LogicalName&$filter=MetadataId eq {}",
            value[0]["MetadataId"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(names(&by_id, "LogicalName"), ["account"]);

    // What metadata queries refuse.
    let refused = [
        (
            "EntityDefinitions?$filter=contains(LogicalName,'acc')",
            "0x80060888",
            "The function 'contains' is not supported",
        ),
        (
            "EntityDefinitions?$filter=startswith(LogicalName,'acc')",
            "0x80060888",
            "The function 'startswith' is not supported",
        ),
        (
            "EntityDefinitions?$filter=DisplayName/UserLocalizedLabel/Label eq 'Account'",
            "0x80060888",
            "is a Label",
        ),
        (
            "EntityDefinitions?$filter=Nmae eq 'account'",
            "0x0",
            "Could not find a property named 'Nmae' on type 'Microsoft.Dynamics.CRM.EntityMetadata'.",
        ),
        ("EntityDefinitions?$filter=ObjectTypeCode eq 'one'", "0x80060888", "incompatible types"),
        (
            "EntityDefinitions?$orderby=LogicalName",
            "0x80060888",
            "The query parameter $orderby is not supported",
        ),
        ("EntityDefinitions?$top=1", "0x80060888", "The query parameter $top is not supported"),
        ("EntityDefinitions?foo=1", "0x0", "The query parameter foo is not supported"),
        (
            "EntityDefinitions(LogicalName='account')?$filter=LogicalName eq 'x'",
            "0x80060888",
            "$filter is not supported on a single definition",
        ),
        (
            "EntityDefinitions(LogicalName='account')?$expand=Atributes",
            "0x0",
            "Could not find a property named 'Atributes'",
        ),
        (
            "EntityDefinitions(LogicalName='account')?$expand=Attributes($orderby=LogicalName)",
            "0x80060888",
            "$orderby is not supported inside $expand",
        ),
    ];
    for (path, code, message) in refused {
        let (status, body) = get(&sandbox, &token, path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
        assert_eq!(body["error"]["code"], code, "{path}: {body}");
        assert!(body["error"]["message"].as_str().unwrap().contains(message), "{path}: {body}");
    }
}

#[tokio::test]
async fn attributes_keys_and_relationships_are_filtered() {
    let sandbox = sandbox().await;
    let token = org_app_token(&sandbox).await;
    let base = "EntityDefinitions(LogicalName='account')";
    let cases: [(&str, &[&str]); 8] = [
        (
            "/Attributes?$select=LogicalName&$filter=AttributeType eq Microsoft.Dynamics.CRM.AttributeTypeCode'Picklist'",
            &["industrycode"],
        ),
        (
            "/Attributes?$select=LogicalName&$filter=RequiredLevel/Value eq Microsoft.Dynamics.CRM.AttributeRequiredLevel'ApplicationRequired'",
            &["name"],
        ),
        (
            "/Attributes?$select=LogicalName&$filter=IsPrimaryId eq true or IsPrimaryName eq true",
            &["accountid", "name"],
        ),
        (
            "/Attributes/Microsoft.Dynamics.CRM.StatusAttributeMetadata?$select=LogicalName&$filter=LogicalName ne 'statecode'",
            &["statuscode"],
        ),
        (
            "/Attributes/Microsoft.Dynamics.CRM.StringAttributeMetadata?$select=LogicalName&$filter=MaxLength gt 160",
            &["websiteurl"],
        ),
        ("/Keys?$select=LogicalName&$filter=LogicalName eq 'accountnumberkey'", &["accountnumberkey"]),
        (
            "/ManyToOneRelationships?$select=ReferencingAttribute&$filter=ReferencedEntity eq 'contact'",
            &["primarycontactid"],
        ),
        (
            "/OneToManyRelationships?$select=ReferencingEntity&$filter=ReferencingAttribute eq 'cr0d1_accountid'",
            &["cr0d1_project"],
        ),
    ];
    for (path, expected) in cases {
        let (status, body) = get(&sandbox, &token, &format!("{base}{path}")).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        let property = path.split("$select=").nth(1).unwrap().split('&').next().unwrap();
        assert_eq!(names(&body, property), expected, "{path}: {body}");
    }
    let (status, body) = get(&sandbox, &token, &format!("{base}/ManyToManyRelationships")).await;
    assert_eq!(
        (status, body["value"].as_array().map(Vec::len)),
        (StatusCode::OK, Some(0)),
        "no N:N in the sandbox"
    );
    // Without a cast, only AttributeMetadata's own properties filter.
    let (status, body) = get(&sandbox, &token, &format!("{base}/Attributes?$filter=MaxLength gt 100")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(
        body["error"]["message"],
        "Could not find a property named 'MaxLength' on type 'Microsoft.Dynamics.CRM.AttributeMetadata'."
    );
}

#[tokio::test]
async fn definitions_by_metadata_id_and_expanded_with_nested_options() {
    let sandbox = sandbox().await;
    let token = org_app_token(&sandbox).await;
    let (_, account) =
        get(&sandbox, &token, "EntityDefinitions(LogicalName='account')?$select=LogicalName").await;
    let id = account["MetadataId"].as_str().unwrap();
    let (status, by_id) =
        get(&sandbox, &token, &format!("EntityDefinitions({id})?$select=LogicalName,EntitySetName")).await;
    assert_eq!(status, StatusCode::OK, "{by_id}");
    assert_eq!(
        (by_id["LogicalName"].as_str(), by_id["EntitySetName"].as_str()),
        (Some("account"), Some("accounts"))
    );

    let (_, name) = get(
        &sandbox,
        &token,
        "EntityDefinitions(LogicalName='account')/Attributes(LogicalName='industrycode')",
    )
    .await;
    let attribute_id = name["MetadataId"].as_str().unwrap();
    let (status, by_id) = get(
        &sandbox,
        &token,
        &format!("EntityDefinitions({id})/Attributes({attribute_id})?$select=LogicalName"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{by_id}");
    assert_eq!(by_id["LogicalName"], "industrycode");
    let (status, cast) = get(
        &sandbox,
        &token,
        &format!("EntityDefinitions({id})/Attributes({attribute_id})/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$select=LogicalName&$expand=OptionSet"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{cast}");
    assert!(!cast["OptionSet"]["Options"].as_array().unwrap().is_empty(), "{cast}");
    let (status, _) = get(
        &sandbox,
        &token,
        &format!("EntityDefinitions({id})/Attributes({attribute_id})/Microsoft.Dynamics.CRM.StringAttributeMetadata"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a picklist is not a string column");

    let (status, expanded) = get(
        &sandbox,
        &token,
        "EntityDefinitions(LogicalName='account')?$select=LogicalName&$expand=Attributes($select=LogicalName;$filter=AttributeType eq Microsoft.Dynamics.CRM.AttributeTypeCode'Picklist'),Keys($select=KeyAttributes),ManyToOneRelationships($filter=ReferencedEntity eq 'account';$select=ReferencingAttribute),OneToManyRelationships($select=SchemaName)",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{expanded}");
    let picklists: Vec<&str> = expanded["Attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["LogicalName"].as_str().unwrap())
        .collect();
    assert_eq!(picklists, ["industrycode"], "{expanded}");
    assert!(expanded["Attributes"][0].get("AttributeType").is_none(), "the nested $select");
    assert_eq!(expanded["Keys"][0]["KeyAttributes"], serde_json::json!(["accountnumber"]));
    assert_eq!(expanded["ManyToOneRelationships"].as_array().unwrap().len(), 1);
    assert_eq!(expanded["ManyToOneRelationships"][0]["ReferencingAttribute"], "parentaccountid");
    assert!(expanded["OneToManyRelationships"].as_array().unwrap().len() > 3);

    // On the collection too, with its own filter.
    let (status, tables) = get(
        &sandbox,
        &token,
        "EntityDefinitions?$select=LogicalName&$filter=LogicalName eq 'contact'&$expand=Attributes($select=LogicalName;$filter=IsPrimaryId eq true)",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{tables}");
    assert_eq!(tables["value"][0]["Attributes"][0]["LogicalName"], "contactid");
    assert_eq!(tables["value"][0]["Attributes"].as_array().unwrap().len(), 1);
}
