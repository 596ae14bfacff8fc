//! `d365 tables|columns|query|get|api` on a sandbox connection: the real binary against the built-in sandbox
//! (seeded with 500 accounts in the connection's data folder).
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

mod common;

use std::collections::HashSet;

use common::{d365, home, json};
use serde_json::Value;

fn sandbox_home() -> std::path::PathBuf {
    let home = home();
    assert!(d365(&home, &["connection", "add", "sandbox", "--name", "sb"], "").status.success());
    home
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn query_all_streams_every_account_with_formatted_values() {
    let home = sandbox_home();
    let output = d365(
        &home,
        &[
            "query",
            "sb",
            "account",
            "--select",
            "name,revenue,statecode",
            "--all",
            "--format",
            "json",
            "--page-size",
            "120",
        ],
        "",
    );
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let rows: Vec<Value> = stdout(&output).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), 500, "every seeded account, over five pages");
    let ids: HashSet<&str> = rows.iter().map(|r| r["accountid"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 500, "none twice");
    assert!(rows.iter().all(|r| r["statecode@formatted"].is_string()), "option labels");
    assert!(
        rows.iter()
            .filter(|r| r["revenue"].is_number())
            .all(|r| r["revenue@formatted"].as_str().unwrap().starts_with('$'))
    );

    let first_page = d365(&home, &["query", "sb", "account", "--select", "name", "--page-size", "50"], "");
    assert_eq!(stdout(&first_page).lines().count(), 51, "a header and the first page");
    assert!(String::from_utf8_lossy(&first_page.stderr).contains("--all reads them all"));

    let csv = d365(
        &home,
        &[
            "query",
            "sb",
            "accounts",
            "--select",
            "name,revenue",
            "--orderby",
            "revenue desc",
            "--top",
            "3",
            "--format",
            "csv",
        ],
        "",
    );
    let mut reader = csv::Reader::from_reader(csv.stdout.as_slice());
    assert_eq!(reader.headers().unwrap(), vec!["accountid", "name", "revenue"]);
    assert_eq!(reader.records().count(), 3);
}

#[test]
fn typos_are_caught_before_a_request_with_exit_code_2() {
    let home = sandbox_home();
    let output = d365(&home, &["--json", "query", "sb", "account", "--select", "name,nmae"], "");
    assert_eq!(output.status.code(), Some(2));
    let error = &json(&output)["error"];
    assert_eq!(error["kind"], "query.unknown_column");
    assert_eq!(error["message"], "There is no column 'nmae' on account; did you mean 'name'?");
    let output = d365(&home, &["--json", "columns", "sb", "acount"], "");
    assert_eq!(output.status.code(), Some(2));
    assert!(json(&output)["error"]["message"].as_str().unwrap().contains("did you mean 'account'?"));
    let output = d365(&home, &["--json", "query", "sb", "contact", "--filter", "lastnme eq 'x'"], "");
    assert!(json(&output)["error"]["message"].as_str().unwrap().contains("did you mean 'lastname'?"));
}

#[test]
fn columns_show_status_pairs_multi_selects_and_date_behaviours() {
    let home = sandbox_home();
    let lead = stdout(&d365(&home, &["columns", "sb", "lead"], ""));
    assert!(lead.contains("2=Contacted (state 0)"), "{lead}");
    assert!(lead.contains("2=Disqualified (default 4)"), "{lead}");
    let project = stdout(&d365(&home, &["columns", "sb", "cr0d1_project"], ""));
    let line = |name: &str| project.lines().find(|l| l.trim_start().starts_with(name)).unwrap_or_default();
    assert!(line("cr0d1_channels").contains("multi-select"), "{project}");
    assert!(line("cr0d1_kickoff").contains("TimeZoneIndependent"), "{project}");
    assert!(line("cr0d1_deadline").contains("UserLocal"), "{project}");
}

#[test]
fn tables_columns_and_one_record_by_id_or_key() {
    let home = sandbox_home();
    let tables = json(&d365(&home, &["--json", "tables", "sb"], ""));
    let account =
        tables["tables"].as_array().unwrap().iter().find(|t| t["logical_name"] == "account").unwrap().clone();
    assert_eq!(account["entity_set"], "accounts");
    assert_eq!(account["change_tracking"], true);
    let columns = json(&d365(&home, &["--json", "columns", "sb", "account"], ""));
    let industry = columns["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["logical_name"] == "industrycode")
        .unwrap()
        .clone();
    assert!(!industry["options"].as_array().unwrap().is_empty());
    assert!(
        columns["keys"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["columns"] == serde_json::json!(["accountnumber"]))
    );

    let by_key = json(&d365(
        &home,
        &["--json", "get", "sb", "account", "accountnumber=ACC-000001", "--select", "name"],
        "",
    ));
    let id = by_key["record"]["accountid"].as_str().unwrap().to_owned();
    assert!(by_key["etag"].as_str().unwrap().starts_with("W/"));
    let by_id = json(&d365(&home, &["--json", "get", "sb", "account", &id, "--select", "name"], ""));
    assert_eq!(by_id["record"]["name"], by_key["record"]["name"]);

    let missing =
        d365(&home, &["--json", "get", "sb", "account", "0d365de5-dead-4000-8000-000000000000"], "");
    assert_eq!(missing.status.code(), Some(4), "not found");
    let not_a_key = d365(&home, &["--json", "get", "sb", "account", "name=Contoso"], "");
    assert_eq!(not_a_key.status.code(), Some(2));
    assert!(json(&not_a_key)["error"]["message"].as_str().unwrap().contains("its keys: accountnumber"));
}

#[test]
fn api_passes_requests_through_and_read_only_refuses_writes_with_exit_code_7() {
    let home = sandbox_home();
    let who = json(&d365(&home, &["--json", "api", "sb", "GET", "WhoAmI"], ""));
    assert_eq!(who["status"], 200);
    assert!(who["body"]["UserId"].is_string());
    let created = json(&d365(
        &home,
        &["--json", "api", "sb", "POST", "accounts", "--data", "-"],
        r#"{"name":"Via api"}"#,
    ));
    assert_eq!(created["status"], 204);
    let entity = created["entity_id"].as_str().unwrap().to_owned();
    let path = entity.split("/api/data/v9.2/").nth(1).unwrap().to_owned();

    assert!(d365(&home, &["connection", "read-only", "sb", "on"], "").status.success());
    let refused = d365(&home, &["--json", "api", "sb", "DELETE", &path], "");
    assert_eq!(refused.status.code(), Some(7));
    assert_eq!(json(&refused)["error"]["kind"], "api.read_only");
    let still = json(&d365(&home, &["--json", "api", "sb", "GET", &format!("{path}?$select=name")], ""));
    assert_eq!(still["body"]["name"], "Via api", "nothing was deleted");
    let bad = d365(&home, &["--json", "api", "sb", "GET", "accounts", "--data", "{not json"], "");
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn a_filter_the_server_refuses_is_bad_input_with_its_hint_for_the_cli() {
    let home = sandbox_home();
    let output = d365(&home, &["--json", "query", "sb", "account", "--filter", "name eq"], "");
    assert_eq!(output.status.code(), Some(2), "bad input, not 'anything else': {}", stdout(&output));
    let error = &json(&output)["error"];
    assert_eq!(
        (error["kind"].as_str(), error["category"].as_str()),
        (Some("api.invalid_request"), Some("input"))
    );

    let unknown = d365(&home, &["query", "sb", "acount"], "");
    assert_eq!(unknown.status.code(), Some(2));
    let said = String::from_utf8_lossy(&unknown.stderr);
    assert!(said.contains("did you mean 'account'?"), "{said}");
    // The core says what to do; the CLI adds which of its commands does it.
    assert!(said.contains("With d365: d365 tables CONNECTION"), "{said}");
}
