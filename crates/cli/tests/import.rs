//! `d365 import` on a sandbox connection: rows from JSON Lines and CSV created, updated and upserted with the
//! bulk messages, `$batch` for a table without them, refused rows listed by number with the usual exit codes.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

mod common;

use std::path::{Path, PathBuf};

use common::{d365, home, json};
use serde_json::Value;

fn sandbox_home() -> PathBuf {
    let home = home();
    assert!(d365(&home, &["connection", "add", "sandbox", "--name", "sb"], "").status.success());
    home
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn file(home: &Path, name: &str, text: &str) -> String {
    let path = home.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

fn names(home: &Path, prefix: &str) -> Vec<Value> {
    let filter = format!("startswith(name,'{prefix}')");
    let out = d365(
        home,
        &[
            "query",
            "sb",
            "account",
            "--select",
            "name,telephone1,accountnumber",
            "--filter",
            &filter,
            "--orderby",
            "name",
            "--format",
            "json",
        ],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn rows_are_created_updated_and_upserted_with_the_bulk_messages() {
    let home = sandbox_home();
    let rows = file(
        &home,
        "new.jsonl",
        "{\"name\": \"Imported 1\", \"accountnumber\": \"IMP-1\"}\n\n{\"name\": \"Imported 2\"}\n{\"name\": \"Imported 3\"}\n",
    );
    let out = d365(
        &home,
        &["--json", "import", "sb", "account", "--file", &rows, "--mode", "create", "--chunk", "2"],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let done = json(&out);
    assert_eq!((done["applied"].as_u64(), done["calls"].as_u64()), (Some(3), Some(2)), "{done}");
    assert_eq!((done["via"].as_str(), done["fell_back"].as_bool()), (Some("bulk"), Some(false)));
    let ids: Vec<String> =
        done["ids"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect();
    assert_eq!(names(&home, "Imported").len(), 3);

    // CSV by id: the id column names the record and is not written; an empty cell leaves the column alone.
    let csv = format!("accountid,telephone1,name\n{},555-1,\n{},555-2,Imported 2b\n", ids[0], ids[1]);
    let rows = file(&home, "changes.csv", &csv);
    let out = d365(&home, &["import", "sb", "account", "--file", &rows, "--mode", "update"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "Updated 2 account record(s) with the bulk messages (1 call)."
    );
    let now = names(&home, "Imported");
    assert_eq!(now[0]["name"], "Imported 1");
    assert_eq!(now[0]["telephone1"], "555-1");
    assert_eq!(now[1]["name"], "Imported 2b");

    // Upsert by alternate key: an existing number is updated, a new one created.
    let rows = file(
        &home,
        "upsert.jsonl",
        "{\"accountnumber\": \"IMP-1\", \"name\": \"Imported 1, upserted\"}\n{\"accountnumber\": \"IMP-9\", \"name\": \"Imported 9\"}\n",
    );
    let out = d365(
        &home,
        &["import", "sb", "account", "--file", &rows, "--mode", "upsert", "--key", "accountnumber"],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let now: Vec<Value> = names(&home, "Imported").into_iter().map(|r| r["name"].clone()).collect();
    assert_eq!(now, ["Imported 1, upserted", "Imported 2b", "Imported 3", "Imported 9"]);
}

#[test]
fn a_refused_row_is_named_and_nothing_is_written() {
    let home = sandbox_home();
    let long = "x".repeat(200);
    let rows = file(&home, "bad.jsonl", &format!("{{\"name\": \"Refused 1\"}}\n{{\"name\": \"{long}\"}}\n"));
    let out = d365(&home, &["import", "sb", "account", "--file", &rows, "--mode", "create"], "");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let shown = stderr(&out);
    assert!(shown.contains("1 of 2 account row(s) refused (row 2:"), "{shown}");
    assert!(shown.contains("row(s) 2: "), "{shown}");
    assert!(names(&home, "Refused").is_empty());

    // Refused by the environment (a missing record): its call is rolled back, the row named, exit 4.
    let missing = "00000000-0000-0000-0000-00000000cafe";
    let rows =
        file(&home, "missing.jsonl", &format!("{{\"accountid\": \"{missing}\", \"telephone1\": \"1\"}}\n"));
    let out = d365(&home, &["--json", "import", "sb", "account", "--file", &rows, "--mode", "update"], "");
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let error = &json(&out)["error"];
    assert_eq!(error["kind"], "api.not_found");
    assert_eq!(error["details"]["failures"][0]["row"], 1);
    assert_eq!(error["details"]["fell_back"], false, "a refused row never goes again by $batch");

    let rows = file(&home, "nokey.csv", "telephone1\n1\n");
    let out = d365(&home, &["import", "sb", "account", "--file", &rows, "--mode", "update"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no accountid"), "{}", stderr(&out));
}

#[test]
fn a_table_without_the_bulk_messages_goes_by_batch() {
    let home = sandbox_home();
    let rows = file(
        &home,
        "currencies.csv",
        "currencyname,isocurrencycode,currencysymbol\nKrone,DKK,kr\nZloty,PLN,zl\n",
    );
    let out = d365(&home, &["import", "sb", "transactioncurrency", "--file", &rows, "--mode", "create"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("Created 2 transactioncurrency record(s) by $batch"), "{shown}");
    assert!(shown.contains("does not support the bulk messages"), "{shown}");

    let rows = file(&home, "more.csv", "currencyname,isocurrencycode,currencysymbol\nForint,HUF,Ft\n");
    let out = d365(
        &home,
        &["import", "sb", "transactioncurrency", "--file", &rows, "--mode", "create", "--via", "bulk"],
        "",
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("does not support entities of type 'transactioncurrency'"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_read_only_connection_sends_nothing() {
    let home = sandbox_home();
    assert!(d365(&home, &["connection", "read-only", "sb", "on"], "").status.success());
    let rows = file(&home, "ro.jsonl", "{\"name\": \"Read-only 1\"}\n");
    let out = d365(&home, &["import", "sb", "account", "--file", &rows, "--mode", "create"], "");
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    assert!(d365(&home, &["connection", "read-only", "sb", "off"], "").status.success());
    assert!(names(&home, "Read-only").is_empty());
}
