//! Reading records over real HTTP: `$select/$filter/$orderby/$top/$count`, paging with
//! `odata.maxpagesize` and opaque `$skiptoken` next links, formatted values and lookup annotations,
//! single records by id and by alternate key, conditional GET, and the documented errors.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

mod common;

use std::collections::HashSet;

use common::*;
use d365_sandbox::{Sandbox, SandboxOptions};
use reqwest::StatusCode;
use serde_json::Value;

struct Api {
    sandbox: Sandbox,
    token: String,
}

impl Api {
    async fn new(seed: u32) -> Self {
        let sandbox = sandbox_with(SandboxOptions { seed, ..Default::default() }).await;
        let token = org_app_token(&sandbox).await;
        Self { sandbox, token }
    }

    async fn get_with(&self, path_or_url: &str, prefer: &[&str]) -> reqwest::Response {
        let url = if path_or_url.starts_with("http") {
            path_or_url.to_owned()
        } else {
            format!("{}{path_or_url}", self.sandbox.info().web_api_url)
        };
        let mut request = http().get(url).bearer_auth(&self.token);
        for preference in prefer {
            request = request.header("Prefer", *preference);
        }
        request.send().await.unwrap()
    }

    async fn json(&self, path: &str, prefer: &[&str]) -> (StatusCode, Value) {
        let response = self.get_with(path, prefer).await;
        (response.status(), response.json().await.unwrap())
    }

    /// Every row of a query, following next links; also returns how many pages it took.
    async fn all_pages(&self, path: &str, page_size: u32) -> (Vec<Value>, usize) {
        let prefer = format!("odata.maxpagesize={page_size}");
        let (mut rows, mut pages, mut next) = (Vec::new(), 0, Some(path.to_owned()));
        while let Some(url) = next {
            let response = self.get_with(&url, &[&prefer]).await;
            assert_eq!(response.status(), StatusCode::OK);
            assert_eq!(response.headers()["preference-applied"], prefer.as_str());
            let body: Value = response.json().await.unwrap();
            let page = body["value"].as_array().unwrap();
            assert!(page.len() <= page_size as usize);
            rows.extend(page.iter().cloned());
            pages += 1;
            next = body["@odata.nextLink"].as_str().map(str::to_owned);
        }
        (rows, pages)
    }
}

fn names(rows: &[Value], property: &str) -> Vec<String> {
    rows.iter().map(|r| r[property].as_str().unwrap_or("").to_lowercase()).collect()
}

#[tokio::test]
async fn paging_returns_every_row_once_in_order() {
    let api = Api::new(60).await;
    let (paged, pages) = api.all_pages("accounts?$select=name&$orderby=name desc", 7).await;
    let (_, one_page) = api.json("accounts?$select=name&$orderby=name desc", &[]).await;
    let all = one_page["value"].as_array().unwrap();
    assert_eq!(paged.len(), 60);
    assert_eq!(pages, 9, "60 rows in pages of 7");
    assert_eq!(paged, *all, "paging gives exactly the rows, in the order, of one big page");
    let ids: HashSet<&str> = paged.iter().map(|r| r["accountid"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 60, "no row twice");
    let sorted = names(&paged, "name");
    let mut expected = sorted.clone();
    expected.sort_by(|a, b| b.cmp(a));
    assert_eq!(sorted, expected);
}

#[tokio::test]
async fn paging_handles_null_sort_values_in_both_directions() {
    let api = Api::new(40).await;
    for direction in ["asc", "desc"] {
        let path = format!("accounts?$select=description,name&$orderby=description {direction},name");
        let (paged, _) = api.all_pages(&path, 3).await;
        let (_, whole) = api.json(&path, &[]).await;
        assert_eq!(paged, *whole["value"].as_array().unwrap(), "{direction}");
        assert!(
            paged.iter().any(|r| r["description"].is_null())
                && paged.iter().any(|r| r["description"].is_string())
        );
    }
}

#[tokio::test]
async fn next_links_keep_the_query_and_carry_an_opaque_cookie() {
    let api = Api::new(30).await;
    let path = "contacts?$select=fullname&$filter=statecode eq 0&$count=true";
    let (_, body) = api.json(path, &["odata.maxpagesize=5"]).await;
    let next = body["@odata.nextLink"].as_str().unwrap();
    assert!(
        next.starts_with(&format!("{}contacts?$select=fullname", api.sandbox.info().web_api_url)),
        "{next}"
    );
    assert!(next.contains("&$skiptoken=%3Ccookie+pagenumber%3D%222%22"), "{next}");
    assert_eq!(body["@odata.count"], 60);

    let tampered = next.replace("pagingcookie%3D%22", "pagingcookie%3D%22x");
    let (status, error) = api.json(&tampered, &["odata.maxpagesize=5"]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error["error"]["message"].as_str().unwrap().contains("$skiptoken"));
}

#[tokio::test]
async fn top_without_max_page_size_is_one_page() {
    let api = Api::new(20).await;
    let (_, body) = api.json("accounts?$select=name&$top=3", &[]).await;
    assert_eq!(body["value"].as_array().unwrap().len(), 3);
    assert!(body.get("@odata.nextLink").is_none());
    let (_, body) = api.json("accounts?$select=name&$top=3", &["odata.maxpagesize=5"]).await;
    assert_eq!(body["value"].as_array().unwrap().len(), 5, "with maxpagesize, $top is ignored");
}

#[tokio::test]
async fn filters_cover_the_operators_and_literals() {
    let api = Api::new(50).await;
    let (_, all) = api
        .json(
            "accounts?$select=name,revenue,creditonhold,address1_city,_primarycontactid_value,createdon",
            &[],
        )
        .await;
    let all = all["value"].as_array().unwrap().clone();
    let count = |path: String| {
        let api = &api;
        async move {
            let (status, body) = api.json(&path, &[]).await;
            assert_eq!(status, StatusCode::OK, "{path}: {body}");
            body["value"].as_array().unwrap().len()
        }
    };
    let first = &all[0];
    let name = first["name"].as_str().unwrap();
    let same_name = all.iter().filter(|r| r["name"] == first["name"]).count();
    assert_eq!(
        count(format!("accounts?$filter=name eq '{}'", name.to_uppercase().replace('\'', "''"))).await,
        same_name,
        "eq is case-insensitive"
    );
    // Each expected count below is checked to be neither none nor all of the 50 rows, so that a filter
    // ignored (all rows) or matching nothing would be caught.
    let some = |n: usize, what: &str| assert!(n > 0 && n < 50, "{what}: {n} of 50 does not tell");
    let rich = all.iter().filter(|r| r["revenue"].as_f64().unwrap() >= 20_000_000.0).count();
    some(rich, "revenue ge 20000000");
    assert_eq!(count("accounts?$filter=revenue ge 20000000".into()).await, rich);
    assert_eq!(count("accounts?$filter=revenue ge 20000000.0".into()).await, rich);
    let on_hold = all.iter().filter(|r| r["creditonhold"] == true).count();
    some(on_hold, "creditonhold eq true");
    assert_eq!(count("accounts?$filter=creditonhold eq true".into()).await, on_hold);
    assert_eq!(count("accounts?$filter=not (creditonhold eq true)".into()).await, 50 - on_hold);
    let contact = first["_primarycontactid_value"].as_str().unwrap();
    assert_eq!(count(format!("accounts?$filter=_primarycontactid_value eq {contact}")).await, 1);
    let in_two_cities =
        all.iter().filter(|r| r["address1_city"] == "Seattle" || r["address1_city"] == "Paris").count();
    some(in_two_cities, "Seattle or Paris");
    assert_eq!(
        count("accounts?$filter=(address1_city eq 'Seattle' or address1_city eq 'Paris')".into()).await,
        in_two_cities
    );
    let contains = all.iter().filter(|r| r["name"].as_str().unwrap().to_lowercase().contains("wor")).count();
    some(contains, "contains(name,'WOR')");
    assert_eq!(count("accounts?$filter=contains(name,'WOR')".into()).await, contains);
    let starts = all.iter().filter(|r| r["name"].as_str().unwrap().starts_with("Contoso")).count();
    some(starts, "startswith(name,'Contoso')");
    assert_eq!(count("accounts?$filter=startswith(name,'Contoso')".into()).await, starts);
    assert_eq!(
        count("accounts?$filter=_parentaccountid_value ne null".into()).await,
        5,
        "every tenth of 50 accounts has a parent"
    );
    // Dataverse reads % and _ as wildcards in these functions, and a bracketed one as the character
    // (Learn, "Use wildcard characters in conditions for string values").
    assert_eq!(count("accounts?$filter=contains(name,'%')".into()).await, 50, "a bare % matches anything");
    assert_eq!(count("accounts?$filter=contains(name,'[%]')".into()).await, 0, "no name holds a %");
    assert_eq!(
        count("accounts?$filter=startswith(name,'A_v')".into()).await,
        count("accounts?$filter=startswith(name,'Adv')".into()).await
    );
    let (status, body) = api.json("accounts?$filter=contains(name,'[a-c]')", &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a character class is refused, not answered wrongly: {body}");
    let recent = all.iter().filter(|r| r["createdon"].as_str().unwrap() >= "2026-01-01T00:00:00Z").count();
    some(recent, "createdon ge 2026-01-01");
    assert_eq!(count("accounts?$filter=createdon ge 2026-01-01".into()).await, recent);
    assert_eq!(count("accounts?$filter=createdon ge 2026-01-01T00:00:00Z".into()).await, recent);
}

#[tokio::test]
async fn bad_queries_get_dataverse_errors() {
    let api = Api::new(5).await;
    let cases = [
        (
            "accounts?$select=nmae",
            StatusCode::BAD_REQUEST,
            "Could not find a property named 'nmae' on type 'Microsoft.Dynamics.CRM.account'.",
        ),
        ("accounts?$filter=name eq", StatusCode::BAD_REQUEST, "Syntax error"),
        ("accounts?$filter=revenue eq 'x'", StatusCode::BAD_REQUEST, "incompatible types"),
        ("accounts?$skip=10", StatusCode::BAD_REQUEST, "$skip is not supported"),
        (
            "accounts?$apply=groupby((createdon))",
            StatusCode::BAD_REQUEST,
            "groupby with datetime values is not supported",
        ),
        ("accounts?$search=contoso", StatusCode::BAD_REQUEST, "$search is not supported"),
        // Run, never ignored (ignoring them would answer with the whole table): a fetch without an entity,
        // a view that does not exist, and the parameters where they do not apply are refused.
        ("accounts?fetchXml=%3Cfetch%2F%3E", StatusCode::BAD_REQUEST, "The fetch has no <entity> element."),
        (
            "accounts?savedQuery=00000000-0000-0000-0000-000000000001",
            StatusCode::NOT_FOUND,
            "savedquery With Id = 00000000-0000-0000-0000-000000000001 Does Not Exist",
        ),
        (
            "accounts?userQuery=00000000-0000-0000-0000-000000000001",
            StatusCode::NOT_FOUND,
            "userquery With Id = 00000000-0000-0000-0000-000000000001 Does Not Exist",
        ),
        (
            "accounts/$count?fetchXml=%3Cfetch%2F%3E",
            StatusCode::BAD_REQUEST,
            "The query parameter fetchXml is not supported on this request",
        ),
        (
            "accounts?savedQuery=5a7ed000-0000-4000-8000-0d365de5b001&$filter=name eq 'x'",
            StatusCode::BAD_REQUEST,
            "The query parameter $filter can't be used with savedQuery",
        ),
        ("Accounts", StatusCode::NOT_FOUND, "Resource not found for the segment 'Accounts'."),
    ];
    for (path, status, message) in cases {
        let (got, body) = api.json(path, &[]).await;
        assert_eq!(got, status, "{path}");
        assert!(body["error"]["message"].as_str().unwrap().contains(message), "{path}: {body}");
    }
}

#[tokio::test]
async fn annotations_format_values_and_describe_lookups() {
    let api = Api::new(10).await;
    let path = "accounts?$select=name,revenue,industrycode,creditonhold,numberofemployees,createdon,_ownerid_value&$top=1";
    let (_, plain) = api.json(path, &[]).await;
    assert!(
        plain["value"][0].as_object().unwrap().keys().all(|k| !k.contains("@OData")),
        "none unless asked"
    );
    let response = api.get_with(path, &["odata.include-annotations=\"*\""]).await;
    assert_eq!(response.headers()["preference-applied"], "odata.include-annotations=\"*\"");
    let body: Value = response.json().await.unwrap();
    let row = &body["value"][0];
    let formatted =
        |p: &str| row[format!("{p}@OData.Community.Display.V1.FormattedValue")].as_str().unwrap().to_owned();
    assert!(formatted("revenue").starts_with('$') && formatted("revenue").ends_with(".00"));
    assert!(formatted("numberofemployees").chars().all(|c| c.is_ascii_digit() || c == ','));
    assert!(["Yes", "No"].contains(&formatted("creditonhold").as_str()));
    assert!(!formatted("industrycode").is_empty());
    assert!(formatted("createdon").ends_with("AM") || formatted("createdon").ends_with("PM"));
    assert_eq!(row["_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname"], "systemuser");
    assert_eq!(row["_ownerid_value@Microsoft.Dynamics.CRM.associatednavigationproperty"], "ownerid");
    assert!(!formatted("_ownerid_value").is_empty(), "a lookup's formatted value is the target's name");
    assert!(row["_transactioncurrencyid_value"].is_string(), "money brings its currency");
    assert!(row["@odata.etag"].as_str().unwrap().starts_with("W/\""));
}

#[tokio::test]
async fn single_records_by_id_and_alternate_key() {
    let api = Api::new(10).await;
    let (_, list) = api.json("accounts?$select=name,accountnumber&$top=1", &[]).await;
    let first = &list["value"][0];
    let id = first["accountid"].as_str().unwrap();
    let (status, by_id) = api.json(&format!("accounts({id})?$select=name"), &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(by_id["name"], first["name"]);
    assert!(by_id["@odata.context"].as_str().unwrap().ends_with("$metadata#accounts(name)/$entity"));
    let number = first["accountnumber"].as_str().unwrap();
    let (_, by_key) = api.json(&format!("accounts(accountnumber='{number}')?$select=name"), &[]).await;
    assert_eq!(by_key["accountid"], id);

    let missing = "00000000-0000-0000-0000-000000000042";
    let (status, error) = api.json(&format!("accounts({missing})"), &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error["error"]["code"], "0x80040217");
    assert_eq!(error["error"]["message"], format!("account With Id = {missing} Does Not Exist"));
    let (status, error) = api.json("accounts(name='x')", &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "name is not a key");
    assert!(
        error["error"]["message"].as_str().unwrap().starts_with("The key in the request URI is not valid")
    );

    let etag = by_id["@odata.etag"].as_str().unwrap();
    let response = http()
        .get(format!("{}accounts({id})?$select=name", api.sandbox.info().web_api_url))
        .bearer_auth(&api.token)
        .header("If-None-Match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
}

#[tokio::test]
async fn count_segment_is_plain_text() {
    let api = Api::new(12).await;
    let response = api.get_with("contacts/$count", &[]).await;
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    assert_eq!(response.text().await.unwrap(), "24");
}

#[tokio::test]
async fn the_seed_is_deterministic() {
    let (a, b) = (Api::new(8).await, Api::new(8).await);
    let path = "accounts?$select=name,accountnumber,telephone1,revenue&$orderby=accountnumber";
    let (_, first) = a.json(path, &[]).await;
    let (_, second) = b.json(path, &[]).await;
    assert_eq!(first["value"], second["value"], "same seed, same rows and ids");
}

#[tokio::test]
async fn single_valued_lookups_expand_with_their_select() {
    let api = Api::new(6).await;
    let (status, body) =
        api.json("accounts?$select=name,_primarycontactid_value&$expand=primarycontactid($select=fullname,emailaddress1)", &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let rows = body["value"].as_array().unwrap();
    assert_eq!(rows.len(), 6, "every account, each with its contact expanded");
    for row in rows {
        let contact = &row["primarycontactid"];
        assert_eq!(contact["contactid"], row["_primarycontactid_value"]);
        assert!(contact["fullname"].is_string() && contact["emailaddress1"].as_str().unwrap().contains('@'));
        assert!(contact.get("jobtitle").is_none(), "only the nested $select");
        assert!(contact["@odata.etag"].as_str().unwrap().starts_with("W/\""));
    }
    // A polymorphic lookup expands through <lookup>_<table>; an account with no parent expands to null.
    let (_, contacts) = api
        .json("contacts?$select=lastname&$expand=parentcustomerid_account($select=name)&$top=2", &[])
        .await;
    assert!(contacts["value"][0]["parentcustomerid_account"]["name"].is_string());
    let (_, accounts) = api.json("accounts?$select=name&$expand=parentaccountid($select=name)", &[]).await;
    assert!(accounts["value"].as_array().unwrap().iter().any(|r| r["parentaccountid"].is_null()));

    let id = body["value"][0]["accountid"].as_str().unwrap();
    let (_, one) = api
        .json(&format!("accounts({id})?$select=name&$expand=primarycontactid($select=fullname)"), &[])
        .await;
    assert!(one["primarycontactid"]["fullname"].is_string());

    for bad in [
        "accounts?$expand=nosuch",
        "accounts?$expand=primarycontactid($filter=fullname eq 'x')",
        "accounts?$expand=name",
    ] {
        let (status, error) = api.json(bad, &[]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {error}");
    }
}

/// `$apply` against the same aggregation done here on the rows an OData query returns.
#[tokio::test]
async fn apply_groups_and_aggregates_as_dataverse_does() {
    let api = Api::new(60).await;
    let (_, all) = api.json("accounts?$select=statecode,statuscode,address1_city,revenue,numberofemployees,createdon,_ownerid_value", &[]).await;
    let all = all["value"].as_array().unwrap().clone();
    let formatted = r#"odata.include-annotations="*""#;

    // Count by status, in the order of the values, with formatted values.
    let (status, body) =
        api.json("accounts?$apply=groupby((statecode),aggregate($count as count))", &[formatted]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["@odata.context"].as_str().unwrap().ends_with("$metadata#accounts"));
    let groups = body["value"].as_array().unwrap();
    assert_eq!(groups.len(), 2, "{body}");
    for (group, state) in groups.iter().zip([0, 1]) {
        let count = all.iter().filter(|a| a["statecode"] == state).count();
        assert_eq!(group["statecode"], state);
        assert_eq!(group["count"], count);
        assert_eq!(group["count@OData.Community.Display.V1.FormattedValue"], count.to_string());
        assert_eq!(
            group["statecode@OData.Community.Display.V1.FormattedValue"],
            if state == 0 { "Active" } else { "Inactive" }
        );
    }

    // Distinct values: groupby alone.
    let (_, distinct) = api.json("accounts?$apply=groupby((statecode,statuscode))", &[]).await;
    assert_eq!(
        distinct["value"],
        serde_json::json!([{ "statecode": 0, "statuscode": 1 }, { "statecode": 1, "statuscode": 2 }])
    );

    // Aggregates over the whole table, exact for money.
    let (status, totals) = api
        .json(
            "accounts?$apply=aggregate(revenue with sum as total,revenue with average as mean,numberofemployees with max as most,\
             createdon with min as first,address1_city with countdistinct as cities,$count as n)",
            &[formatted],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{totals}");
    let row = &totals["value"][0];
    let revenues: Vec<rust_decimal::Decimal> =
        all.iter().filter_map(|a| a["revenue"].as_number()).map(|n| n.to_string().parse().unwrap()).collect();
    let total: rust_decimal::Decimal = revenues.iter().sum();
    assert_eq!(row["total"].to_string().parse::<rust_decimal::Decimal>().unwrap(), total, "{row}");
    let mean = (total / rust_decimal::Decimal::from(revenues.len())).round_dp(4);
    assert_eq!(row["mean"].to_string().parse::<rust_decimal::Decimal>().unwrap(), mean, "{row}");
    assert!(row["total@OData.Community.Display.V1.FormattedValue"].as_str().unwrap().starts_with('$'));
    assert_eq!(row["most"], all.iter().map(|a| a["numberofemployees"].as_i64().unwrap()).max().unwrap());
    assert_eq!(row["first"], all.iter().map(|a| a["createdon"].as_str().unwrap()).min().unwrap());
    let cities: HashSet<&str> = all.iter().map(|a| a["address1_city"].as_str().unwrap()).collect();
    assert_eq!(row["cities"], cities.len());
    assert_eq!(row["n"], all.len());

    // filter(...) first, then groups of a lookup, each with its name and table.
    let (status, owners) = api
        .json("accounts?$apply=filter(statecode eq 0)/groupby((_ownerid_value),aggregate(revenue with sum as total))", &[formatted])
        .await;
    assert_eq!(status, StatusCode::OK, "{owners}");
    let owners = owners["value"].as_array().unwrap();
    assert!(!owners.is_empty());
    for owner in owners {
        let id = owner["_ownerid_value"].as_str().unwrap();
        let expected: rust_decimal::Decimal = all
            .iter()
            .filter(|a| a["statecode"] == 0 && a["_ownerid_value"] == id)
            .filter_map(|a| a["revenue"].as_number())
            .map(|n| n.to_string().parse::<rust_decimal::Decimal>().unwrap())
            .sum();
        assert_eq!(owner["total"].to_string().parse::<rust_decimal::Decimal>().unwrap(), expected, "{owner}");
        assert_eq!(owner["_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname"], "systemuser");
        assert!(
            !owner["_ownerid_value@OData.Community.Display.V1.FormattedValue"].as_str().unwrap().is_empty()
        );
    }

    // Refused, never ignored.
    let refused = [
        (
            "accounts?$apply=groupby((primarycontactid/fullname))",
            "0x80060888",
            "does not support grouping by a related table's column",
        ),
        (
            "accounts?$apply=groupby((createdon))",
            "0x80060888",
            "groupby with datetime values is not supported",
        ),
        (
            "accounts?$apply=aggregate(name with sum as x)",
            "0x80060888",
            "The aggregation method sum can't be applied to the String column 'name'.",
        ),
        (
            "accounts?$apply=groupby((statecode))&$filter=statecode eq 0",
            "0x80060888",
            "can't be used with $apply",
        ),
        (
            "accounts?$apply=topcount(5,revenue)",
            "0x80060888",
            "does not support the transformation 'topcount'",
        ),
        ("accounts?$apply=groupby((nmae))", "0x0", "Could not find a property named 'nmae'"),
        (
            "accounts?$apply=groupby((statecode),aggregate($count as statecode))",
            "0x80060888",
            "The alias 'statecode' is used twice",
        ),
    ];
    for (path, code, message) in refused {
        let (status, body) = api.json(path, &[]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
        assert_eq!(body["error"]["code"], code, "{path}: {body}");
        assert!(body["error"]["message"].as_str().unwrap().contains(message), "{path}: {body}");
    }
}
