//! Money, decimal, float and big integer values over real HTTP, at the extremes Dataverse allows: written
//! and read back digit for digit (money with its four places, decimals with their precision, as the Web
//! API writes them), filtered and sorted by value, and refused past their range with Dataverse's error.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

mod common;

use common::*;
use d365_sandbox::{Sandbox, SandboxOptions};
use reqwest::StatusCode;
use serde_json::Value;

struct Api {
    sandbox: Sandbox,
    token: String,
}

impl Api {
    async fn new() -> Self {
        let sandbox = sandbox_with(SandboxOptions { seed: 2, ..Default::default() }).await;
        let token = org_app_token(&sandbox).await;
        Self { sandbox, token }
    }

    /// Sends a raw JSON body (so the test, not a serializer, decides the digits) and returns the raw text.
    async fn send(&self, method: reqwest::Method, path: &str, body: Option<&str>) -> (StatusCode, String) {
        let url = format!("{}{path}", self.sandbox.info().web_api_url);
        let mut request = http().request(method, url).bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.header("Content-Type", "application/json").body(body.to_owned());
        }
        let response = request.send().await.unwrap();
        (response.status(), response.text().await.unwrap())
    }

    /// Creates a project with the given numeric fields (raw JSON) and returns its id.
    async fn create(&self, fields: &str) -> String {
        let body = format!(r#"{{"cr0d1_name":"Numbers",{fields}}}"#);
        let url = format!("{}cr0d1_projects", self.sandbox.info().web_api_url);
        let response = http()
            .post(url)
            .bearer_auth(&self.token)
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT, "{}", response.text().await.unwrap());
        let entity = response.headers()["OData-EntityId"].to_str().unwrap().to_owned();
        entity.rsplit_once('(').unwrap().1.trim_end_matches(')').to_owned()
    }

    async fn get_text(&self, path: &str) -> String {
        let (status, text) = self.send(reqwest::Method::GET, path, None).await;
        assert_eq!(status, StatusCode::OK, "{text}");
        text
    }
}

const SELECT: &str = "$select=cr0d1_cost,cr0d1_ratio,cr0d1_weight,cr0d1_units,cr0d1_budget";

#[tokio::test]
async fn extremes_come_back_digit_for_digit_at_the_columns_scale() {
    let api = Api::new().await;
    let cases = [
        (
            r#""cr0d1_cost":922337203685477,"cr0d1_ratio":12345678.1234567891,"cr0d1_units":9223372036854775807"#,
            [
                r#""cr0d1_cost":922337203685477.0000"#,
                r#""cr0d1_ratio":12345678.1234567891"#,
                r#""cr0d1_units":9223372036854775807"#,
            ],
        ),
        (
            r#""cr0d1_cost":-922337203685476.9999,"cr0d1_ratio":-100000000000,"cr0d1_units":-9223372036854775808"#,
            [
                r#""cr0d1_cost":-922337203685476.9999"#,
                r#""cr0d1_ratio":-100000000000.0000000000"#,
                r#""cr0d1_units":-9223372036854775808"#,
            ],
        ),
        (
            r#""cr0d1_cost":0.0001,"cr0d1_ratio":0.0000000001,"cr0d1_budget":5000000"#,
            [r#""cr0d1_cost":0.0001"#, r#""cr0d1_ratio":0.0000000001"#, r#""cr0d1_budget":5000000.0000"#],
        ),
    ];
    for (fields, expected) in cases {
        let id = api.create(fields).await;
        let text = api.get_text(&format!("cr0d1_projects({id})?{SELECT}")).await;
        for wanted in expected {
            assert!(text.contains(wanted), "{wanted} in {text}");
        }
    }
}

#[tokio::test]
async fn a_float_keeps_the_double_it_was_given() {
    let api = Api::new().await;
    let id = api.create(r#""cr0d1_weight":-9999999999.99999"#).await;
    let text = api.get_text(&format!("cr0d1_projects({id})?$select=cr0d1_weight")).await;
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["cr0d1_weight"].as_f64(), Some(-9_999_999_999.999_99), "{text}");
}

#[tokio::test]
async fn past_its_range_a_value_is_refused_with_dataverses_error() {
    let api = Api::new().await;
    let url = "cr0d1_projects";
    for (field, range) in [
        (r#""cr0d1_cost":922337203685477.0001"#, "-922337203685477 to 922337203685477"),
        (r#""cr0d1_ratio":100000000000.0000000001"#, "-100000000000 to 100000000000"),
        (r#""cr0d1_weight":1e12"#, "-100000000000 to 100000000000"),
    ] {
        let body = format!(r#"{{"cr0d1_name":"Too big",{field}}}"#);
        let (status, text) = api.send(reqwest::Method::POST, url, Some(&body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
        assert!(text.contains("outside the valid range") && text.contains(range), "{text}");
    }
}

#[tokio::test]
async fn more_places_than_the_precision_round_half_away_from_zero() {
    let api = Api::new().await;
    let id = api.create(r#""cr0d1_budget":1.005,"cr0d1_cost":-2.00005"#).await;
    let text = api.get_text(&format!("cr0d1_projects({id})?{SELECT}")).await;
    assert!(text.contains(r#""cr0d1_budget":1.0100"#), "{text}");
    assert!(text.contains(r#""cr0d1_cost":-2.0001"#), "{text}");
}

#[tokio::test]
async fn filters_and_sorting_compare_by_exact_value() {
    let api = Api::new().await;
    let low = api.create(r#""cr0d1_ratio":12345678.1234567890,"cr0d1_cost":9.5"#).await;
    let high = api.create(r#""cr0d1_ratio":12345678.1234567891,"cr0d1_cost":10"#).await;

    // Two values a double cannot tell apart.
    let text =
        api.get_text("cr0d1_projects?$select=cr0d1_name&$filter=cr0d1_ratio eq 12345678.1234567891").await;
    assert!(text.contains(&high) && !text.contains(&low), "{text}");
    let text =
        api.get_text("cr0d1_projects?$select=cr0d1_name&$filter=cr0d1_ratio lt 12345678.1234567891").await;
    assert!(text.contains(&low) && !text.contains(&high), "{text}");

    // By value, not by text ("10.0000" < "9.5000" as text).
    let text = api
        .get_text("cr0d1_projects?$select=cr0d1_cost&$filter=cr0d1_cost ne null&$orderby=cr0d1_cost desc")
        .await;
    let (at_high, at_low) = (text.find(&high).unwrap(), text.find(&low).unwrap());
    assert!(at_high < at_low, "{text}");
    let text = api.get_text("cr0d1_projects?$select=cr0d1_cost&$filter=cr0d1_cost gt 9.75").await;
    assert!(text.contains(&high) && !text.contains(&low), "{text}");
}

#[tokio::test]
async fn paging_sorted_by_money_visits_every_row_once() {
    let api = Api::new().await;
    let mut ids = Vec::new();
    for cost in ["10", "9.5", "100.25", "-3", "9.5", "0.0001", "1000000"] {
        ids.push(api.create(&format!(r#""cr0d1_cost":{cost}"#)).await);
    }
    let mut seen = Vec::new();
    let mut next =
        Some("cr0d1_projects?$select=cr0d1_cost&$filter=cr0d1_cost ne null&$orderby=cr0d1_cost".to_owned());
    while let Some(path) = next {
        let path = path.rsplit_once("/api/data/v9.2/").map_or(path.clone(), |(_, p)| p.to_owned());
        let url = format!("{}{path}", api.sandbox.info().web_api_url);
        let page: Value = http()
            .get(url)
            .bearer_auth(&api.token)
            .header("Prefer", "odata.maxpagesize=2")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for row in page["value"].as_array().unwrap() {
            seen.push((row["cr0d1_cost"].to_string(), row["cr0d1_projectid"].as_str().unwrap().to_owned()));
        }
        next = page["@odata.nextLink"].as_str().map(str::to_owned);
    }
    let costs: Vec<&str> = seen.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(
        costs,
        ["-3.0000", "0.0001", "9.5000", "9.5000", "10.0000", "100.2500", "1000000.0000"],
        "{seen:?}"
    );
    let mut found: Vec<&String> = seen.iter().map(|(_, id)| id).collect();
    found.sort();
    ids.sort();
    assert_eq!(found, ids.iter().collect::<Vec<_>>());
}
