//! Views and FetchXML over real HTTP: the seeded system and personal views, each run with `savedQuery` /
//! `userQuery` and checked against the OData query that says the same; `eq-userid` per caller; FetchXML's
//! operators each against its OData equivalent; paging with the paging cookie; and what is refused.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

mod common;

use std::collections::HashSet;
use std::sync::Arc;

use common::*;
use d365_sandbox::directory::READER_UPN;
use d365_sandbox::{Sandbox, SandboxOptions};
use reqwest::StatusCode;
use serde_json::Value;

const SEED: u32 = 60;

struct Api {
    sandbox: Arc<Sandbox>,
    token: String,
}

impl Api {
    /// The org's app (an application user owns no rows).
    async fn app() -> Self {
        let sandbox = sandbox_with(SandboxOptions { seed: SEED, ..Default::default() }).await;
        let token = org_app_token(&sandbox).await;
        let api = Self { sandbox: Arc::new(sandbox), token };
        // Every seeded contact and project is active: a few inactive ones let their views tell.
        for (set, id) in [("contacts", "contactid"), ("cr0d1_projects", "cr0d1_projectid")] {
            let rows = api.rows(&format!("{set}?$select={id}&$top=5")).await;
            for row in rows.iter().step_by(2) {
                let url = format!("{}{set}({})", api.sandbox.info().web_api_url, row[id].as_str().unwrap());
                let response = http()
                    .patch(url)
                    .bearer_auth(&api.token)
                    .json(&serde_json::json!({ "statecode": 1, "statuscode": 2 }))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), StatusCode::NO_CONTENT);
            }
        }
        api
    }

    /// The same sandbox, as a person signed in with `upn`.
    async fn as_user(&self, upn: &str) -> Api {
        let info = self.sandbox.info();
        let tokens =
            user_tokens(&self.sandbox, upn, &format!("{}/user_impersonation", info.instance_url)).await;
        let token = tokens["access_token"].as_str().unwrap().to_owned();
        Api { sandbox: self.sandbox.clone(), token }
    }

    async fn get(&self, path_or_url: &str, prefer: &[&str]) -> (StatusCode, Value) {
        let url = if path_or_url.starts_with("http") {
            path_or_url.to_owned()
        } else {
            format!("{}{path_or_url}", self.sandbox.info().web_api_url)
        };
        let mut request = http().get(url).bearer_auth(&self.token);
        for preference in prefer {
            request = request.header("Prefer", *preference);
        }
        let response = request.send().await.unwrap();
        (response.status(), response.json().await.unwrap())
    }

    async fn rows(&self, path: &str) -> Vec<Value> {
        let (status, body) = self.get(path, &[]).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        body["value"].as_array().unwrap().clone()
    }

    async fn user_id(&self) -> String {
        let (_, who) = self.get("WhoAmI", &[]).await;
        who["UserId"].as_str().unwrap().to_owned()
    }

    async fn view_id(&self, set: &str, id_column: &str, name: &str) -> String {
        let rows = self.rows(&format!("{set}?$select={id_column}&$filter=name eq '{name}'")).await;
        assert_eq!(rows.len(), 1, "one view named {name}");
        rows[0][id_column].as_str().unwrap().to_owned()
    }

    async fn fetch(&self, set: &str, fetch: &str) -> (StatusCode, Value) {
        self.get(&format!("{set}?fetchXml={}", encode(fetch)), &[]).await
    }
}

fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// A row as FetchXML and views answer it: the same as OData's, without its null properties.
fn without_nulls(row: &Value) -> Value {
    let mut row = row.as_object().unwrap().clone();
    row.retain(|_, value| !value.is_null());
    Value::Object(row)
}

fn ids(rows: &[Value], id: &str) -> Vec<String> {
    rows.iter().map(|r| r[id].as_str().unwrap().to_owned()).collect()
}

/// A result that tells: neither nothing nor everything (a filter ignored, or matching nothing, shows).
fn some(n: usize, all: usize, what: &str) {
    assert!(n > 0 && n < all, "{what}: {n} of {all} does not tell");
}

struct Case {
    view: &'static str,
    set: &'static str,
    id: &'static str,
    select: &'static str,
    filter: &'static str,
    order: &'static str,
}

const CASES: &[Case] = &[
    Case {
        view: "Active Accounts",
        set: "accounts",
        id: "accountid",
        select: "name,telephone1,address1_city,_primarycontactid_value",
        filter: "statecode eq 0",
        order: "name",
    },
    Case {
        view: "Inactive Accounts",
        set: "accounts",
        id: "accountid",
        select: "name,telephone1,address1_city,_primarycontactid_value",
        filter: "statecode ne 0",
        order: "name",
    },
    Case {
        view: "Active Contacts",
        set: "contacts",
        id: "contactid",
        select: "fullname,_parentcustomerid_value,address1_city,telephone1,emailaddress1",
        filter: "statecode eq 0",
        order: "fullname",
    },
    Case {
        view: "Inactive Contacts",
        set: "contacts",
        id: "contactid",
        select: "fullname,_parentcustomerid_value,address1_city,telephone1,emailaddress1",
        filter: "statecode ne 0",
        order: "fullname",
    },
    Case {
        view: "Active Leads",
        set: "leads",
        id: "leadid",
        select: "fullname,subject,companyname,emailaddress1,createdon",
        filter: "statecode eq 0",
        order: "createdon desc",
    },
    Case {
        view: "Inactive Leads",
        set: "leads",
        id: "leadid",
        select: "fullname,subject,companyname,emailaddress1,createdon",
        filter: "statecode ne 0",
        order: "createdon desc",
    },
    Case {
        view: "Active Opportunities",
        set: "opportunities",
        id: "opportunityid",
        select: "name,_customerid_value,estimatedvalue,estimatedclosedate,closeprobability",
        filter: "statecode eq 0",
        order: "estimatedvalue desc",
    },
    Case {
        view: "Inactive Opportunities",
        set: "opportunities",
        id: "opportunityid",
        select: "name,_customerid_value,estimatedvalue,estimatedclosedate,closeprobability",
        filter: "statecode ne 0",
        order: "estimatedvalue desc",
    },
    Case {
        view: "Active Cases",
        set: "incidents",
        id: "incidentid",
        select: "title,ticketnumber,_customerid_value,prioritycode,createdon",
        filter: "statecode eq 0",
        order: "createdon desc",
    },
    Case {
        view: "Inactive Cases",
        set: "incidents",
        id: "incidentid",
        select: "title,ticketnumber,_customerid_value,prioritycode,createdon",
        filter: "statecode ne 0",
        order: "createdon desc",
    },
    Case {
        view: "Active Projects",
        set: "cr0d1_projects",
        id: "cr0d1_projectid",
        select: "cr0d1_name,_cr0d1_accountid_value,cr0d1_phase,cr0d1_startdate,cr0d1_budget",
        filter: "statecode eq 0",
        order: "cr0d1_name",
    },
    Case {
        view: "Inactive Projects",
        set: "cr0d1_projects",
        id: "cr0d1_projectid",
        select: "cr0d1_name,_cr0d1_accountid_value,cr0d1_phase,cr0d1_startdate,cr0d1_budget",
        filter: "statecode ne 0",
        order: "cr0d1_name",
    },
];

#[tokio::test]
async fn every_system_view_returns_the_rows_of_its_odata_equivalent() {
    let api = Api::app().await;
    let (status, listed) = api
        .get(
            "savedqueries?$filter=returnedtypecode eq 'account'&$select=name,isdefault,fetchxml,layoutxml",
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    let listed = listed["value"].as_array().unwrap();
    let mut names: Vec<&str> = listed.iter().map(|v| v["name"].as_str().unwrap()).collect();
    names.sort_unstable();
    assert_eq!(names, ["Active Accounts", "Inactive Accounts", "My Active Accounts"]);
    let default: Vec<&Value> = listed.iter().filter(|v| v["isdefault"] == true).collect();
    assert_eq!(default.len(), 1);
    assert_eq!(default[0]["name"], "Active Accounts");
    let layout = default[0]["layoutxml"].as_str().unwrap();
    assert!(layout.starts_with(r#"<grid name="resultset" object="1" jump="name""#), "{layout}");
    assert!(
        layout.contains(r#"<row name="result" id="accountid"><cell name="name" width="300"/>"#),
        "{layout}"
    );
    assert!(default[0]["fetchxml"].as_str().unwrap().contains(r#"<entity name="account">"#));

    for case in CASES {
        let id = api.view_id("savedqueries", "savedqueryid", case.view).await;
        let (status, body) = api.get(&format!("{}?savedQuery={id}", case.set), &[]).await;
        assert_eq!(status, StatusCode::OK, "{}: {body}", case.view);
        let view_rows = body["value"].as_array().unwrap();
        let all = api.rows(&format!("{}?$select={}", case.set, case.id)).await.len();
        let odata = api
            .rows(&format!(
                "{}?$select={}&$filter={}&$orderby={},{}",
                case.set, case.select, case.filter, case.order, case.id
            ))
            .await;
        some(odata.len(), all, case.view);
        let expected: Vec<Value> = odata.iter().map(without_nulls).collect();
        assert_eq!(*view_rows, expected, "{}: the rows, columns and order of the view", case.view);
    }
}

#[tokio::test]
async fn a_view_pages_with_next_links_as_queries_do() {
    let api = Api::app().await;
    let id = api.view_id("savedqueries", "savedqueryid", "Active Contacts").await;
    let path = format!("contacts?savedQuery={id}");
    let whole = api.rows(&path).await;
    let (mut paged, mut next) = (Vec::new(), Some(path));
    while let Some(url) = next {
        let (status, body) = api.get(&url, &["odata.maxpagesize=7"]).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let page = body["value"].as_array().unwrap();
        assert!(page.len() <= 7);
        paged.extend(page.iter().cloned());
        next = body["@odata.nextLink"].as_str().map(str::to_owned);
    }
    assert!(whole.len() > 14);
    assert_eq!(paged, whole, "every row once, in the view's order");
}

#[tokio::test]
async fn a_view_can_page_by_cookie_only_with_the_rest_read_by_its_fetchxml() {
    use d365_sandbox::ViewPaging;
    let sandbox =
        sandbox_with(SandboxOptions { seed: SEED, view_paging: ViewPaging::Cookie, ..Default::default() })
            .await;
    let api = Api { token: org_app_token(&sandbox).await, sandbox: Arc::new(sandbox) };
    let id = api.view_id("savedqueries", "savedqueryid", "Active Contacts").await;
    let wanted = ["odata.maxpagesize=7", "odata.include-annotations=\"*\""];
    let (status, first) = api.get(&format!("contacts?savedQuery={id}"), &wanted).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["value"].as_array().unwrap().len(), 7);
    assert!(first.get("@odata.nextLink").is_none(), "no next link: {first}");
    assert_eq!(first["@Microsoft.Dynamics.CRM.morerecords"], true);
    let cookie = first["@Microsoft.Dynamics.CRM.fetchxmlpagingcookie"].as_str().unwrap();
    assert!(cookie.contains("pagenumber=\"2\""), "{cookie}");
    // Without annotations asked for, a client cannot tell there is more: as Dataverse, it is not told.
    let (_, bare) = api.get(&format!("contacts?savedQuery={id}"), &["odata.maxpagesize=7"]).await;
    assert!(
        bare.get("@Microsoft.Dynamics.CRM.morerecords").is_none() && bare.get("@odata.nextLink").is_none()
    );
}

#[tokio::test]
async fn eq_userid_means_the_caller() {
    let app = Api::app().await;
    let admin = app.as_user(&app.sandbox.info().username).await;
    let reader = app.as_user(READER_UPN).await;
    let view = app.view_id("savedqueries", "savedqueryid", "My Active Accounts").await;
    let mut seen = Vec::new();
    for api in [&admin, &reader, &app] {
        let user = api.user_id().await;
        let mine = api.rows(&format!("accounts?savedQuery={view}")).await;
        let expected = api
            .rows(&format!(
                "accounts?$select=accountid&$filter=_ownerid_value eq {user} and statecode eq 0&$orderby=name,accountid"
            ))
            .await;
        assert_eq!(ids(&mine, "accountid"), ids(&expected, "accountid"), "{user}");
        seen.push(ids(&mine, "accountid"));
    }
    assert!(!seen[0].is_empty() && !seen[1].is_empty(), "both people own active accounts");
    assert_ne!(seen[0], seen[1], "each person sees their own");
    assert!(seen[2].is_empty(), "the application user owns no accounts");
}

#[tokio::test]
async fn a_personal_view_is_its_owners() {
    let app = Api::app().await;
    let admin = app.as_user(&app.sandbox.info().username).await;
    let listed = admin
        .rows("userqueries?$select=userqueryid,name,layoutxml,_ownerid_value&$filter=returnedtypecode eq 'account' and querytype eq 0")
        .await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["name"], "My accounts over 1,000,000");
    let admin_id = admin.user_id().await;
    assert_eq!(listed[0]["_ownerid_value"], admin_id.as_str());
    let id = listed[0]["userqueryid"].as_str().unwrap();

    let view = admin.rows(&format!("accounts?userQuery={id}")).await;
    let expected = admin
        .rows(&format!(
            "accounts?$select=name,revenue,address1_city&$filter=_ownerid_value eq {admin_id} and revenue gt 1000000\
             &$orderby=revenue desc,accountid"
        ))
        .await;
    assert!(!expected.is_empty());
    assert_eq!(view, expected.iter().map(without_nulls).collect::<Vec<_>>());

    // Nobody else sees it, or can run it.
    for other in [&app, &app.as_user(READER_UPN).await] {
        assert!(other.rows("userqueries?$select=name").await.is_empty());
        let (status, error) = other.get(&format!("userqueries({id})"), &[]).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{error}");
        let (status, error) = other.get(&format!("accounts?userQuery={id}"), &[]).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{error}");
        assert_eq!(error["error"]["message"], format!("userquery With Id = {id} Does Not Exist"));
    }
}

#[tokio::test]
async fn each_fetchxml_operator_matches_its_odata_equivalent() {
    let app = Api::app().await;
    let api = app.as_user(&app.sandbox.info().username).await;
    let user = api.user_id().await;
    let all = api.rows("accounts?$select=name,_primarycontactid_value&$orderby=name,accountid").await;
    let contact = all[3]["_primarycontactid_value"].as_str().unwrap().to_uppercase();
    let cases: Vec<(String, String)> = vec![
        (r#"<condition attribute="address1_city" operator="eq" value="seattle"/>"#.into(), "address1_city eq 'Seattle'".into()),
        (r#"<condition attribute="statecode" operator="ne" value="0"/>"#.into(), "statecode ne 0".into()),
        (r#"<condition attribute="revenue" operator="gt" value="20000000"/>"#.into(), "revenue gt 20000000".into()),
        (r#"<condition attribute="numberofemployees" operator="ge" value="10000"/>"#.into(), "numberofemployees ge 10000".into()),
        (r#"<condition attribute="createdon" operator="lt" value="2026-01-01"/>"#.into(), "createdon lt 2026-01-01".into()),
        (r#"<condition attribute="revenue" operator="le" value="5000000.5"/>"#.into(), "revenue le 5000000.5".into()),
        (r#"<condition attribute="name" operator="like" value="%WOR%"/>"#.into(), "contains(name,'wor')".into()),
        (r#"<condition attribute="name" operator="like" value="Contoso%"/>"#.into(), "startswith(name,'Contoso')".into()),
        (r#"<condition attribute="name" operator="not-like" value="%s"/>"#.into(), "not endswith(name,'s')".into()),
        (
            r#"<condition attribute="address1_city" operator="in"><value>Seattle</value><value>Paris</value></condition>"#.into(),
            "(address1_city eq 'Seattle' or address1_city eq 'Paris')".into(),
        ),
        (
            r#"<condition attribute="address1_city" operator="not-in"><value>Seattle</value><value>Paris</value></condition>"#.into(),
            "address1_city ne 'Seattle' and address1_city ne 'Paris'".into(),
        ),
        (r#"<condition attribute="description" operator="null"/>"#.into(), "description eq null".into()),
        (r#"<condition attribute="parentaccountid" operator="not-null"/>"#.into(), "_parentaccountid_value ne null".into()),
        (r#"<condition attribute="createdon" operator="on-or-after" value="2026-01-01"/>"#.into(), "createdon ge 2026-01-01".into()),
        (r#"<condition attribute="createdon" operator="on-or-before" value="2025-12-31"/>"#.into(), "createdon lt 2026-01-01".into()),
        (r#"<condition attribute="ownerid" operator="eq-userid"/>"#.into(), format!("_ownerid_value eq {user}")),
        (r#"<condition attribute="ownerid" operator="ne-userid"/>"#.into(), format!("_ownerid_value ne {user}")),
        (r#"<condition attribute="creditonhold" operator="eq" value="1"/>"#.into(), "creditonhold eq true".into()),
        (
            format!(r#"<condition attribute="primarycontactid" operator="eq" value="{{{contact}}}"/>"#),
            format!("_primarycontactid_value eq {}", contact.to_lowercase()),
        ),
        (
            r#"<filter type="or"><condition attribute="address1_city" operator="eq" value="Paris"/><filter><condition attribute="statecode" operator="eq" value="1"/><condition attribute="revenue" operator="lt" value="25000000"/></filter></filter>"#.into(),
            "address1_city eq 'Paris' or (statecode eq 1 and revenue lt 25000000)".into(),
        ),
    ];
    for (condition, odata) in cases {
        let fetch = format!(
            r#"<fetch><entity name="account"><attribute name="name"/><attribute name="address1_city"/><order attribute="name"/><filter>{condition}</filter></entity></fetch>"#
        );
        let (status, body) = api.fetch("accounts", &fetch).await;
        assert_eq!(status, StatusCode::OK, "{condition}: {body}");
        let got = body["value"].as_array().unwrap();
        let expected = api
            .rows(&format!("accounts?$select=name,address1_city&$filter={odata}&$orderby=name,accountid"))
            .await;
        some(expected.len(), all.len(), &odata);
        assert_eq!(ids(got, "accountid"), ids(&expected, "accountid"), "{condition} as {odata}");
        assert_eq!(*got, expected.iter().map(without_nulls).collect::<Vec<_>>(), "{condition}");
    }
}

#[tokio::test]
async fn fetchxml_answers_as_the_web_api_does() {
    let api = Api::app().await;
    let fetch = r#"<fetch top="5"><entity name="account"><attribute name="name"/><attribute name="description"/><attribute name="revenue"/><order attribute="name" descending="true"/></entity></fetch>"#;
    let response = http()
        .get(format!("{}accounts?fetchXml={}", api.sandbox.info().web_api_url, encode(fetch)))
        .bearer_auth(&api.token)
        .header("Prefer", "odata.include-annotations=\"*\"")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("$metadata#accounts(accountid,name,description,revenue)")
    );
    let rows = body["value"].as_array().unwrap();
    assert_eq!(rows.len(), 5, "top");
    assert!(body.get("@Microsoft.Dynamics.CRM.morerecords").is_none(), "top is one page, never more");
    assert!(rows.iter().all(|r| r.as_object().unwrap().values().all(|v| !v.is_null())), "no nulls");
    assert!(rows.iter().any(|r| r.get("description").is_none()), "a row without a description leaves it out");
    assert!(rows[0]["revenue@OData.Community.Display.V1.FormattedValue"].as_str().unwrap().starts_with('$'));
    assert!(rows[0]["_transactioncurrencyid_value"].is_string(), "money brings its currency");
    let names: Vec<&str> = rows.iter().map(|r| r["name"].as_str().unwrap()).collect();
    let mut sorted = names.clone();
    sorted.sort_by_key(|n| std::cmp::Reverse(n.to_lowercase()));
    assert_eq!(names, sorted);

    let (_, counted) = api
        .get(
            &format!("accounts?fetchXml={}&$count=true", encode(r#"<fetch><entity name="account"><all-attributes/><filter><condition attribute="statecode" operator="eq" value="0"/></filter></entity></fetch>"#)),
            &[],
        )
        .await;
    assert_eq!(
        counted["@odata.count"].as_u64().unwrap() as usize,
        counted["value"].as_array().unwrap().len()
    );
    assert!(counted["value"][0]["telephone1"].is_string(), "all-attributes");
}

/// The next page's fetch: the cookie from the answer, decoded twice and XML-escaped, and the page after.
fn next_fetch(template: &str, cookie_annotation: &str) -> (String, u32) {
    let attribute = |name: &str| {
        let start = cookie_annotation.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        cookie_annotation[start..].split('"').next().unwrap().to_owned()
    };
    let decode = |text: &str| percent_encoding::percent_decode_str(text).decode_utf8().unwrap().into_owned();
    let cookie = decode(&decode(&attribute("pagingcookie")));
    let page: u32 = attribute("pagenumber").parse().unwrap();
    let escaped =
        cookie.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;");
    (template.replace("<fetch", &format!(r#"<fetch page="{page}" paging-cookie="{escaped}""#)), page)
}

#[tokio::test]
async fn paging_a_fetch_with_its_cookie_gives_every_row_once() {
    let api = Api::app().await;
    let template = r#"<fetch count="7"><entity name="contact"><attribute name="fullname"/><attribute name="address1_city"/><order attribute="address1_city"/><order attribute="fullname" descending="true"/></entity></fetch>"#;
    let whole = {
        let (_, body) = api.fetch("contacts", &template.replace(r#" count="7""#, "")).await;
        body["value"].as_array().unwrap().clone()
    };
    assert_eq!(whole.len(), 2 * SEED as usize);
    let prefer = r#"odata.include-annotations="Microsoft.Dynamics.CRM.fetchxmlpagingcookie,Microsoft.Dynamics.CRM.morerecords""#;
    let (mut rows, mut fetch, mut pages) = (Vec::new(), template.to_owned(), 0);
    loop {
        let (status, body) = api.get(&format!("contacts?fetchXml={}", encode(&fetch)), &[prefer]).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.get("@odata.nextLink").is_none(), "FetchXML pages by its cookie, not next links");
        rows.extend(body["value"].as_array().unwrap().iter().cloned());
        pages += 1;
        match body["@Microsoft.Dynamics.CRM.fetchxmlpagingcookie"].as_str() {
            Some(cookie) => {
                assert_eq!(body["@Microsoft.Dynamics.CRM.morerecords"], true);
                let (next, page) = next_fetch(template, cookie);
                assert_eq!(page, pages + 1);
                fetch = next;
            }
            None => {
                assert!(
                    body.get("@Microsoft.Dynamics.CRM.morerecords").is_none(),
                    "the last page has neither"
                );
                break;
            }
        }
    }
    assert_eq!(pages, 18, "120 rows in pages of 7");
    let unique: HashSet<String> = ids(&rows, "contactid").into_iter().collect();
    assert_eq!(unique.len(), rows.len(), "no row twice");
    assert_eq!(rows, whole, "every row, in the fetch's order");

    // Simple paging (a page without a cookie) gives the same rows; `odata.maxpagesize` sizes a fetch
    // without `count`.
    let (_, third) = api.fetch("contacts", &template.replace("<fetch", r#"<fetch page="3""#)).await;
    assert_eq!(third["value"].as_array().unwrap()[..], whole[14..21]);
    let without_count = template.replace(r#" count="7""#, "");
    let (_, sized) = api
        .get(&format!("contacts?fetchXml={}", encode(&without_count)), &["odata.maxpagesize=10", prefer])
        .await;
    assert_eq!(sized["value"].as_array().unwrap()[..], whole[..10]);
    assert_eq!(sized["@Microsoft.Dynamics.CRM.morerecords"], true);
}

#[tokio::test]
async fn fetchxml_outside_the_subset_is_refused_with_a_clear_message() {
    let api = Api::app().await;
    let cases = [
        (
            r#"<fetch><entity name="account"><filter><condition attribute="revenue" operator="between"><value>1</value><value>2</value></condition></filter></entity></fetch>"#,
            "0x80060888",
            "does not support the condition operator 'between'",
        ),
        (
            r#"<fetch aggregate="true"><entity name="account"><attribute name="revenue" aggregate="sum" alias="total"/></entity></fetch>"#,
            "0x80060888",
            "does not support aggregate queries",
        ),
        (
            r#"<fetch><entity name="account"/><entity name="contact"/></fetch>"#,
            "0x80060888",
            "exactly one <entity> element",
        ),
        (
            r#"<fetch><entity name="account"><link-entity name="contact" from="contactid" to="primarycontactid" link-type="any"/></entity></fetch>"#,
            "0x80060888",
            "does not support link-type=\"any\" on <link-entity>",
        ),
        (
            r#"<fetch><entity name="account"><link-entity name="contact" from="parentcustomerid" to="accountid"><attribute name="fullname"/></link-entity></entity></fetch>"#,
            "0x80060888",
            "<link-entity> from 'parentcustomerid', not the primary id of 'contact'",
        ),
        (
            r#"<fetch><entity name="account"><link-entity name="contact" from="contactid" to="parentaccountid"/></entity></fetch>"#,
            "0x80060888",
            "<link-entity> to 'parentaccountid', not a lookup to 'contact'",
        ),
        (
            r#"<fetch><entity name="account"><link-entity name="contactt" from="contactid" to="primarycontactid"/></entity></fetch>"#,
            "0x80041102",
            "The entity with a name = 'contactt' with namemapping = 'Logical' was not found in the MetadataCache.",
        ),
        (
            r#"<fetch><entity name="account"><link-entity name="contact" from="contactid" to="primarycontactid"><attribute name="fulname"/></link-entity></entity></fetch>"#,
            "0x80041103",
            "'contact' entity doesn't contain attribute with Name = 'fulname'",
        ),
        (
            r#"<fetch><entity name="account"><link-entity name="contact" from="contactid" to="primarycontactid" link-type="outer"><link-entity name="account" from="accountid" to="parentcustomerid"/></link-entity></entity></fetch>"#,
            "0x80060888",
            "an inner <link-entity> inside an outer one",
        ),
        (
            r#"<fetch><entity name="account"><link-entity name="contact" from="contactid" to="primarycontactid"/><link-entity name="contact" from="contactid" to="primarycontactid"/></entity></fetch>"#,
            "0x80060888",
            "The link-entity alias 'contact' is used twice",
        ),
        (
            r#"<fetch><entity name="account"><link-entity name="contact" from="contactid" to="primarycontactid" intersect="true"/></entity></fetch>"#,
            "0x80060888",
            "does not support the attribute 'intersect' of <link-entity>",
        ),
        (
            r#"<fetch><entity name="account"><link-entity name="contact" from="contactid" to="primarycontactid"><attribute name="fullname" alias="name"/></link-entity></entity></fetch>"#,
            "0x80060888",
            "The name 'name' is used twice",
        ),
        (
            r#"<fetch><entity name="account"><link-entity name="contact" from="contactid" to="primarycontactid"><order attribute="parentcustomerid"/></link-entity></entity></fetch>"#,
            "0x80060888",
            "ordering by the lookup 'parentcustomerid'",
        ),
        (
            r#"<fetch><entity name="account"><attribute name="name" alias="n"/></entity></fetch>"#,
            "0x80060888",
            "does not support the attribute 'alias' of <attribute>",
        ),
        (
            r#"<fetch><entity name="account"><order attribute="primarycontactid"/></entity></fetch>"#,
            "0x80060888",
            "ordering by the lookup 'primarycontactid'",
        ),
        (
            r#"<fetch><entity name="account"><attribute name="nmae"/></entity></fetch>"#,
            "0x80041103",
            "'account' entity doesn't contain attribute with Name = 'nmae' and NameMapping = 'Logical'.",
        ),
        (
            r#"<fetch><entity name="account"><filter><condition attribute="numberofemployees" operator="eq" value="many"/></filter></entity></fetch>"#,
            "0x80040203",
            "Expected type of attribute value: System.Int32",
        ),
        (r#"<fetch><entity name="contact"/></fetch>"#, "0x80060888", "sent to the entity set 'accounts'"),
        (r#"<fetch><entity name="account">"#, "0x80040201", "Invalid XML."),
        (r#"<fetch top="3" count="2"><entity name="account"/></fetch>"#, "0x80060888", "top can't be used"),
    ];
    let too_many: String = (0..16)
        .map(|n| format!(r#"<link-entity name="account" from="accountid" to="parentaccountid" link-type="outer" alias="a{n}"/>"#))
        .collect();
    let too_many = format!(r#"<fetch><entity name="account">{too_many}</entity></fetch>"#);
    let cases = cases.iter().copied().chain([(
        too_many.as_str(),
        "0x8004430D",
        "Number of link entities in query exceeded maximum limit.",
    )]);
    for (fetch, code, message) in cases {
        let (status, body) = api.fetch("accounts", fetch).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{fetch}: {body}");
        assert_eq!(body["error"]["code"], code, "{fetch}: {body}");
        assert!(body["error"]["message"].as_str().unwrap().contains(message), "{fetch}: {body}");
    }
}

/// "Never a silent wrong answer": each query parameter Dataverse documents is either run (and answers as
/// its OData equivalent does) or refused with Dataverse's error; never ignored, which would answer with the
/// whole table. On a collection, a single row and `$count` alike.
#[tokio::test]
async fn every_documented_query_parameter_is_run_or_refused() {
    let app = Api::app().await;
    let admin = app.as_user(&app.sandbox.info().username).await;
    let all = admin.rows("accounts?$select=accountid").await;
    let inactive = admin.rows("accounts?$select=accountid&$filter=statecode eq 1&$orderby=accountid").await;
    some(inactive.len(), all.len(), "inactive accounts");
    let sorted = |rows: Vec<Value>| {
        let mut ids = ids(&rows, "accountid");
        ids.sort();
        ids
    };
    let fetch = r#"<fetch><entity name="account"><attribute name="name"/><filter><condition attribute="statecode" operator="eq" value="1"/></filter></entity></fetch>"#;
    assert_eq!(
        sorted(admin.rows(&format!("accounts?fetchXml={}", encode(fetch))).await),
        ids(&inactive, "accountid")
    );
    let view = admin.view_id("savedqueries", "savedqueryid", "Inactive Accounts").await;
    assert_eq!(sorted(admin.rows(&format!("accounts?savedQuery={view}")).await), ids(&inactive, "accountid"));
    let personal = admin.view_id("userqueries", "userqueryid", "My accounts over 1,000,000").await;
    let user = admin.user_id().await;
    let expected = admin
        .rows(&format!("accounts?$select=accountid&$filter=_ownerid_value eq {user} and revenue gt 1000000&$orderby=accountid"))
        .await;
    some(expected.len(), all.len(), "the admin's big accounts");
    assert_eq!(
        sorted(admin.rows(&format!("accounts?userQuery={personal}")).await),
        ids(&expected, "accountid")
    );

    // $apply aggregates on a collection (its subset is tested in records.rs), nowhere else.
    let (status, groups) =
        admin.get("accounts?$apply=groupby((statecode),aggregate($count as n))", &[]).await;
    assert_eq!(status, StatusCode::OK, "{groups}");
    assert_eq!(groups["value"][1], serde_json::json!({ "statecode": 1, "n": inactive.len() }));
    for path in [
        format!("accounts({})?$apply=groupby((statecode))", all[0]["accountid"].as_str().unwrap()),
        "accounts/$count?$apply=groupby((statecode))".to_owned(),
    ] {
        let (status, body) = admin.get(&path, &[]).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("0x80060888")),
            "{path}: {body}"
        );
    }

    const SANDBOX: &str = "not supported by the D365 Desk sandbox";
    let refused: [(&str, &str, &str); 9] = [
        ("sql=SELECT%20name%20FROM%20account", "0x80060888", SANDBOX),
        ("@p1=name", "0x80060888", SANDBOX),
        ("$search=contoso", "0x80060888", "The query parameter $search is not supported"),
        (
            "$compute=revenue%20mul%202%20as%20double",
            "0x80060888",
            "The query parameter $compute is not supported",
        ),
        ("$skip=1", "0x80060888", "The query parameter $skip is not supported"),
        ("$levels=1", "0x80060888", "The query parameter $levels is not supported"),
        ("$format=json", "0x80060888", "The query parameter $format is not supported"),
        ("$foo=1", "0x80060888", "The query parameter $foo is not supported"),
        ("foo=1", "0x0", "The query parameter foo is not supported"),
    ];
    let one = all[0]["accountid"].as_str().unwrap();
    for (parameter, code, message) in refused {
        for path in [
            format!("accounts?{parameter}"),
            format!("accounts({one})?{parameter}"),
            format!("accounts/$count?{parameter}"),
        ] {
            let (status, body) = admin.get(&path, &[]).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
            assert_eq!(body["error"]["code"], code, "{path}: {body}");
            assert!(body["error"]["message"].as_str().unwrap().contains(message), "{path}: {body}");
        }
        // Beside a view or a fetch as well.
        let (status, body) = admin.get(&format!("accounts?savedQuery={view}&{parameter}"), &[]).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some(code)),
            "{parameter}: {body}"
        );
    }
}

/// The accounts as OData reads them, each with its parent account and primary contact expanded.
async fn accounts_expanded(api: &Api) -> Vec<Value> {
    api.rows(
        "accounts?$select=name,address1_city&$expand=parentaccountid($select=name,address1_city),\
         primarycontactid($select=fullname,jobtitle)&$orderby=name,accountid",
    )
    .await
}

#[tokio::test]
async fn fetchxml_links_join_along_a_lookup_inner_or_outer() {
    let api = Api::app().await;
    let all = accounts_expanded(&api).await;
    let with_parent: Vec<&Value> = all.iter().filter(|a| a["parentaccountid"].is_object()).collect();
    some(with_parent.len(), all.len(), "accounts with a parent");
    let parent_link = |link_type: &str, inside: &str| {
        format!(
            r#"<fetch><entity name="account"><attribute name="name"/><order attribute="name"/>
               <link-entity name="account" from="accountid" to="parentaccountid" alias="parent"{link_type}>
               <attribute name="name"/><attribute name="address1_city" alias="parentcity"/>{inside}</link-entity></entity></fetch>"#
        )
    };

    // Inner (the default): only the rows with a parent, each with its parent's columns.
    let (status, inner) = api.fetch("accounts", &parent_link("", "")).await;
    assert_eq!(status, StatusCode::OK, "{inner}");
    let inner = inner["value"].as_array().unwrap();
    assert_eq!(
        ids(inner, "accountid"),
        with_parent.iter().map(|a| a["accountid"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
    );
    for (row, account) in inner.iter().zip(&with_parent) {
        assert_eq!(row["name"], account["name"]);
        assert_eq!(row["parent.name"], account["parentaccountid"]["name"], "{row}");
        assert_eq!(row["parentcity"], account["parentaccountid"]["address1_city"], "{row}");
        assert_eq!(row.as_object().unwrap().len(), 5, "etag, id, name and the two linked columns: {row}");
    }
    let (_, counted) =
        api.get(&format!("accounts?fetchXml={}&$count=true", encode(&parent_link("", ""))), &[]).await;
    assert_eq!(counted["@odata.count"], with_parent.len(), "the count is of the joined rows");

    // Outer: every row, the linked columns only where there is a parent.
    let (status, outer) = api.fetch("accounts", &parent_link(r#" link-type="outer""#, "")).await;
    assert_eq!(status, StatusCode::OK, "{outer}");
    let outer = outer["value"].as_array().unwrap();
    assert_eq!(ids(outer, "accountid"), ids(&all, "accountid"));
    for (row, account) in outer.iter().zip(&all) {
        assert_eq!(row.get("parent.name"), account["parentaccountid"].get("name"), "{row}");
    }

    // A link's filter restricts the rows of an inner link, and only the join of an outer one.
    let city = with_parent[0]["parentaccountid"]["address1_city"].as_str().unwrap();
    let in_city =
        format!(r#"<filter><condition attribute="address1_city" operator="eq" value="{city}"/></filter>"#);
    let matches = |a: &&&Value| a["parentaccountid"]["address1_city"].as_str() == Some(city);
    let expected: Vec<String> =
        with_parent.iter().filter(matches).map(|a| a["accountid"].as_str().unwrap().to_owned()).collect();
    some(expected.len(), all.len(), "accounts whose parent is in the city");
    let (_, filtered) = api.fetch("accounts", &parent_link("", &in_city)).await;
    assert_eq!(ids(filtered["value"].as_array().unwrap(), "accountid"), expected);
    let (_, joined) = api.fetch("accounts", &parent_link(r#" link-type="outer""#, &in_city)).await;
    let joined = joined["value"].as_array().unwrap();
    assert_eq!(ids(joined, "accountid"), ids(&all, "accountid"), "an outer link's filter keeps every row");
    let linked: Vec<String> = joined
        .iter()
        .filter(|r| r.get("parent.name").is_some())
        .map(|r| r["accountid"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(linked, expected, "and joins only the matching parents");

    // A filter on a lookup's row: accounts whose primary contact has a job title.
    let title = all[0]["primarycontactid"]["jobtitle"].as_str().unwrap();
    let fetch = format!(
        r#"<fetch><entity name="account"><attribute name="name"/><order attribute="name"/>
           <link-entity name="contact" from="contactid" to="primarycontactid" alias="pc"><attribute name="fullname"/>
           <filter><condition attribute="jobtitle" operator="eq" value="{title}"/></filter></link-entity></entity></fetch>"#
    );
    let (_, titled) = api.fetch("accounts", &fetch).await;
    let titled = titled["value"].as_array().unwrap();
    let expected: Vec<&Value> = all.iter().filter(|a| a["primarycontactid"]["jobtitle"] == title).collect();
    some(expected.len(), all.len(), "accounts whose contact has the title");
    assert_eq!(
        ids(titled, "accountid"),
        expected.iter().map(|a| a["accountid"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
    );
    assert!(titled.iter().zip(&expected).all(|(r, a)| r["pc.fullname"] == a["primarycontactid"]["fullname"]));

    // Nested: each contact's company's primary contact.
    let fetch = r#"<fetch><entity name="contact"><attribute name="fullname"/><order attribute="fullname"/>
        <link-entity name="account" from="accountid" to="parentcustomerid" alias="company"><attribute name="accountid"/>
        <link-entity name="contact" from="contactid" to="primarycontactid" alias="boss"><attribute name="fullname"/>
        </link-entity></link-entity></entity></fetch>"#;
    let (status, nested) = api.fetch("contacts", fetch).await;
    assert_eq!(status, StatusCode::OK, "{nested}");
    let nested = nested["value"].as_array().unwrap();
    assert_eq!(nested.len(), 2 * SEED as usize, "every contact has a company with a primary contact");
    for row in nested {
        let company = all.iter().find(|a| a["accountid"] == row["company.accountid"]).unwrap();
        assert_eq!(row["boss.fullname"], company["primarycontactid"]["fullname"], "{row}");
    }
}

#[tokio::test]
async fn linked_values_carry_dataverse_annotations() {
    let api = Api::app().await;
    let fetch = r#"<fetch top="3"><entity name="account"><attribute name="name"/><order attribute="name"/>
        <link-entity name="contact" from="contactid" to="primarycontactid" alias="pc">
        <attribute name="fullname"/><attribute name="parentcustomerid"/><attribute name="gendercode" alias="gender"/>
        </link-entity></entity></fetch>"#;
    let (_, plain) = api.fetch("accounts", fetch).await;
    let row = &plain["value"][0];
    assert!(
        row.as_object().unwrap().keys().all(|k| !k.contains("@OData") && !k.contains("@Microsoft")),
        "{row}"
    );
    let (_, annotated) =
        api.get(&format!("accounts?fetchXml={}", encode(fetch)), &["odata.include-annotations=\"*\""]).await;
    let row = &annotated["value"][0];
    assert_eq!(row["pc.fullname@OData.Community.Display.V1.AttributeName"], "fullname", "{row}");
    assert_eq!(row["gender@OData.Community.Display.V1.AttributeName"], "gendercode");
    assert!(
        ["Male", "Female"]
            .contains(&row["gender@OData.Community.Display.V1.FormattedValue"].as_str().unwrap())
    );
    assert!(row["gender"].is_i64());
    assert_eq!(row["pc.parentcustomerid@Microsoft.Dynamics.CRM.lookuplogicalname"], "account");
    assert_eq!(
        row["pc.parentcustomerid@OData.Community.Display.V1.FormattedValue"], row["name"],
        "the contact's company"
    );
    assert_eq!(row["pc.parentcustomerid@OData.Community.Display.V1.AttributeName"], "parentcustomerid");
    assert_eq!(row["pc.parentcustomerid"], row["accountid"], "a linked lookup is its id, named by the alias");
    assert!(
        row.get("_pc.parentcustomerid_value").is_none() && row.get("pc._parentcustomerid_value").is_none()
    );
}

#[tokio::test]
async fn a_link_order_sorts_after_the_entitys_own() {
    let api = Api::app().await;
    let template = r#"<fetch><entity name="account"><attribute name="name"/><attribute name="address1_city"/><order attribute="address1_city"/>
        <link-entity name="contact" from="contactid" to="primarycontactid" alias="pc"><attribute name="fullname"/>
        <order attribute="fullname" descending="true"/></link-entity></entity></fetch>"#;
    let (status, whole) = api.fetch("accounts", template).await;
    assert_eq!(status, StatusCode::OK, "{whole}");
    let whole = whole["value"].as_array().unwrap().clone();
    assert_eq!(whole.len(), SEED as usize);
    let key = |r: &Value| {
        (
            r["address1_city"].as_str().unwrap().to_lowercase(),
            std::cmp::Reverse(r["pc.fullname"].as_str().unwrap().to_lowercase()),
        )
    };
    assert!(whole.windows(2).all(|w| key(&w[0]) <= key(&w[1])), "city, then the contact's name descending");
    // Sorted by a linked column, a page has no paging cookie: the next one is asked by its number.
    let prefer = r#"odata.include-annotations="Microsoft.Dynamics.CRM.fetchxmlpagingcookie,Microsoft.Dynamics.CRM.morerecords""#;
    let (mut rows, mut page) = (Vec::new(), 1);
    loop {
        let fetch = template.replace("<fetch>", &format!(r#"<fetch count="7" page="{page}">"#));
        let (_, body) = api.get(&format!("accounts?fetchXml={}", encode(&fetch)), &[prefer]).await;
        assert!(body.get("@Microsoft.Dynamics.CRM.fetchxmlpagingcookie").is_none(), "{body}");
        rows.extend(body["value"].as_array().unwrap().iter().cloned());
        if body.get("@Microsoft.Dynamics.CRM.morerecords").is_none() {
            break;
        }
        page += 1;
    }
    assert_eq!(page, 9, "60 rows in pages of 7");
    assert_eq!(rows, whole);
}

#[tokio::test]
async fn a_view_that_is_not_there_or_not_for_the_set_is_refused() {
    let api = Api::app().await;
    let missing = "5a7ed000-0000-4000-8000-0d365de5bfff";
    let (status, body) = api.get(&format!("accounts?savedQuery={missing}"), &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "0x80040217");
    assert_eq!(body["error"]["message"], format!("savedquery With Id = {missing} Does Not Exist"));

    let contacts_view = api.view_id("savedqueries", "savedqueryid", "Active Contacts").await;
    let (status, body) = api.get(&format!("accounts?savedQuery={contacts_view}"), &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("returns 'contact' rows"), "{body}");

    let (status, _) = api.get("accounts?savedQuery=not-a-guid", &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
