//! `d365 create|update|upsert|delete` on a sandbox connection: the real binary, its output and exit codes.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

mod common;

use common::{d365, home, json};

fn sandbox_home() -> std::path::PathBuf {
    let home = home();
    assert!(d365(&home, &["connection", "add", "sandbox", "--name", "sb"], "").status.success());
    home
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn an_update_with_a_stale_etag_exits_5_and_shows_the_difference() {
    let home = sandbox_home();
    let created = d365(
        &home,
        &["--json", "create", "sb", "account"],
        r#"{"name": "Edited twice", "telephone1": "111"}"#,
    );
    assert!(created.status.success(), "{}", stderr(&created));
    let created = json(&created);
    let (id, stale) =
        (created["id"].as_str().unwrap().to_owned(), created["etag"].as_str().unwrap().to_owned());
    assert_eq!(created["record"]["name"], "Edited twice");

    // Someone else's update: based on the ETag read just before it.
    let theirs = d365(&home, &["update", "sb", "account", &id, "--data", r#"{"telephone1": "222"}"#], "");
    assert!(theirs.status.success(), "{}", stderr(&theirs));

    let mine = d365(
        &home,
        &["update", "sb", "account", &id, "--if-match", &stale, "--data", r#"{"name": "Mine"}"#],
        "",
    );
    assert_eq!(mine.status.code(), Some(5), "{}", stderr(&mine));
    let shown = stderr(&mine);
    assert!(shown.contains("changed by someone else"), "{shown}");
    let name_line = shown.lines().find(|l| l.trim_start().starts_with("name ")).unwrap();
    assert!(name_line.contains("Edited twice") && name_line.contains("Mine"), "{name_line}");
    assert!(shown.contains("--if-match"), "says how to apply it anyway: {shown}");

    let mine = d365(
        &home,
        &["--json", "update", "sb", "account", &id, "--if-match", &stale, "--data", r#"{"name": "Mine"}"#],
        "",
    );
    let error = &json(&mine)["error"];
    assert_eq!(error["kind"], "api.conflict");
    assert_eq!(error["details"]["attempted"], serde_json::json!({ "name": "Mine" }));
    assert_eq!(error["details"]["current"]["telephone1"], "222");
    let now = json(&d365(&home, &["--json", "get", "sb", "account", &id], ""));
    assert_eq!(now["record"]["name"], "Edited twice", "nothing was written");

    let forced = d365(
        &home,
        &["--json", "update", "sb", "account", &id, "--force", "--data", r#"{"name": "Mine"}"#],
        "",
    );
    assert_eq!(json(&forced)["record"]["name"], "Mine");
}

#[test]
fn upsert_and_delete_with_their_exit_codes() {
    let home = sandbox_home();
    let key = "accountnumber=CLI-1";
    let upsert = |extra: &[&str], data: &str| {
        let mut args = vec!["--json", "upsert", "sb", "account", key, "--data", data];
        args.extend_from_slice(extra);
        d365(&home, &args, "")
    };
    assert_eq!(upsert(&["--update-only"], r#"{"name": "x"}"#).status.code(), Some(4));
    let created = upsert(&["--create-only"], r#"{"name": "By key"}"#);
    assert!(created.status.success(), "{}", stderr(&created));
    let id = json(&created)["id"].as_str().unwrap().to_owned();
    assert_eq!(upsert(&["--create-only"], r#"{"name": "Again"}"#).status.code(), Some(5));
    let either = json(&upsert(&[], r#"{"industrycode": "Consulting"}"#));
    assert_eq!(
        (either["id"].as_str(), either["record"]["industrycode"].as_i64()),
        (Some(id.as_str()), Some(9))
    );

    let stale = d365(&home, &["delete", "sb", "account", key, "--if-match", "W/\"1\""], "");
    assert_eq!(stale.status.code(), Some(5));
    assert!(d365(&home, &["delete", "sb", "account", key], "").status.success());
    assert_eq!(d365(&home, &["get", "sb", "account", &id], "").status.code(), Some(4));
    assert_eq!(d365(&home, &["delete", "sb", "account", &id], "").status.code(), Some(4));
}

#[test]
fn bad_values_exit_2_naming_the_column_and_read_only_exits_7() {
    let home = sandbox_home();
    let typo = d365(&home, &["--json", "create", "sb", "account", "--data", r#"{"nmae": "x"}"#], "");
    assert_eq!(typo.status.code(), Some(2));
    let error = &json(&typo)["error"];
    assert_eq!(
        (error["kind"].as_str(), error["column"].as_str()),
        (Some("input.unknown_column"), Some("nmae"))
    );
    assert!(error["message"].as_str().unwrap().contains("did you mean 'name'"));
    let not_json = d365(&home, &["create", "sb", "account"], "{name: x}");
    assert_eq!(not_json.status.code(), Some(2));
    assert!(stderr(&not_json).contains("not JSON"));

    assert!(d365(&home, &["connection", "read-only", "sb", "on"], "").status.success());
    let refused = d365(&home, &["create", "sb", "account", "--data", r#"{"name": "x"}"#], "");
    assert_eq!(refused.status.code(), Some(7), "{}", stderr(&refused));
}
