//! Staged edits through Tauri's IPC layer (mock runtime, the app's real setup) on the built-in sandbox: the
//! journal kept per connection between starts, and a commit that applies what it can and leaves in the
//! journal only what was not applied.

use serde_json::{Value, json};

use crate::command_wiring::{app_in, invoke};

#[test]
fn staged_changes_are_journaled_and_a_commit_keeps_only_what_was_not_applied() {
    let data_dir = std::env::temp_dir().join(format!("d365desk-edits-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    let (app, window) = app_in(data_dir.clone());
    let request = json!({ "table": "account", "columns": ["name"], "sort": [{ "column": "name", "descending": false }] });
    let opened =
        invoke(&window, "grid_open", json!({ "connection": "sandbox", "request": request })).expect("a grid");
    let name_column = &opened["view"]["columns"][0];
    assert_eq!(
        (&name_column["editable"], &name_column["required"], &name_column["max_length"]),
        (&json!(true), &json!(true), &json!(160))
    );
    let check = |column: &str, value: Value| {
        invoke(
            &window,
            "value_check",
            json!({ "connection": "sandbox", "check": { "table": "account", "column": column, "value": value } }),
        )
    };
    assert!(check("name", json!("Fine")).is_ok());
    let refused = check("name", json!("x".repeat(161))).expect_err("too long");
    assert_eq!(refused["column"], "name", "{refused}");
    assert!(check("revenue", json!("12.345")).expect_err("too precise")["kind"] == "input.too_precise");
    let rows = opened["view"]["rows"].as_array().unwrap();
    let first = rows[0]["id"].as_str().unwrap().to_owned();
    let second = rows[1]["id"].as_str().unwrap().to_owned();
    let record = |id: &str| {
        invoke(
            &window,
            "record_get",
            json!({ "connection": "sandbox", "table": "account", "id": id, "shown": [] }),
        )
        .expect("a record")
    };
    let etag = |record: &Value| record["etag"].as_str().unwrap().to_owned();
    let (one, two) = (record(&first), record(&second));
    let changes = json!([
        { "kind": "update", "table": "account", "id": first, "etag": etag(&one), "column": "name",
          "old": null, "new": "Committed From The Window" },
        { "kind": "update", "table": "account", "id": second, "etag": etag(&two), "column": "name",
          "old": null, "new": "x".repeat(161) },
    ]);
    invoke(&window, "pending_save", json!({ "connection": "sandbox", "changes": changes })).expect("saved");
    assert_eq!(invoke(&window, "pending_connections", json!({})).unwrap(), json!(["sandbox"]));
    drop((app, window));

    // Another start on the same data: the changes are offered again, exactly as staged.
    let (_app, window) = app_in(data_dir.clone());
    let kept = invoke(&window, "pending_load", json!({ "connection": "sandbox" })).expect("kept");
    assert_eq!(kept, changes);
    let results = invoke(
        &window,
        "changes_commit",
        json!({ "connection": "sandbox", "changes": kept, "mode": "record_by_record", "reads": [] }),
    )
    .expect("committed");
    assert_eq!(results[0]["outcome"]["outcome"], "applied", "{results}");
    assert_eq!(results[1]["outcome"]["outcome"], "refused", "{results}");
    assert_eq!(results[1]["outcome"]["error"]["column"], "name", "{results}");
    let left = invoke(&window, "pending_load", json!({ "connection": "sandbox" })).expect("left");
    assert_eq!(left, json!([changes[1]]), "only the refused change is still pending");

    // Committing part of what is staged keeps the rest staged.
    let other = json!({ "kind": "update", "table": "account", "id": second, "etag": null, "column": "telephone1",
                        "old": null, "new": "555-0199" });
    let staged = json!([changes[1], other]);
    invoke(&window, "pending_save", json!({ "connection": "sandbox", "changes": staged })).expect("saved");
    let results = invoke(
        &window,
        "changes_commit",
        json!({ "connection": "sandbox", "changes": [other], "mode": "atomic", "reads": [] }),
    )
    .expect("committed");
    assert_eq!(results[0]["outcome"]["outcome"], "applied", "{results}");
    let left = invoke(&window, "pending_load", json!({ "connection": "sandbox" })).expect("left");
    assert_eq!(left, json!([changes[1]]), "what was not sent stays staged");
    let record = invoke(
        &window,
        "record_get",
        json!({ "connection": "sandbox", "table": "account", "id": first, "shown": [] }),
    )
    .expect("a record");
    let name =
        record["fields"].as_array().unwrap().iter().find(|f| f["column"]["logical_name"] == "name").unwrap();
    assert_eq!(name["cell"]["text"], "Committed From The Window");
    invoke(&window, "pending_save", json!({ "connection": "sandbox", "changes": [] })).expect("cleared");
    assert_eq!(invoke(&window, "pending_connections", json!({})).unwrap(), json!([]));

    // The preview of a change: its `$batch` as it would go, the token hidden; sending nothing.
    let now = invoke(
        &window,
        "record_get",
        json!({ "connection": "sandbox", "table": "account", "id": first, "shown": [] }),
    )
    .expect("a record");
    let back = json!({ "kind": "update", "table": "account", "id": first, "etag": etag(&now), "column": "name",
                       "old": "Committed From The Window", "new": "Previewed" });
    let preview = invoke(
        &window,
        "changes_preview",
        json!({ "connection": "sandbox", "changes": [back], "mode": "atomic" }),
    )
    .expect("a preview");
    let batch = &preview["batches"][0];
    assert_eq!((&batch["method"], &batch["changes"]), (&json!("POST"), &json!([0])), "{preview}");
    let authorization =
        batch["headers"].as_array().unwrap().iter().find(|h| h["name"] == "Authorization").unwrap();
    assert_eq!(authorization["value"], "Bearer (hidden)");
    assert!(batch["body"].as_str().unwrap().contains("\"name\":\"Previewed\""), "{preview}");
    // The undo of the commit above, its change as the window staged it (the name the grid showed as `old`):
    // the name back as it was, with the version read now.
    let original = opened["view"]["rows"][0]["cells"][0]["text"].clone();
    let mut committed = changes[0].clone();
    committed["old"] = original.clone();
    let applied = json!([{ "change": committed, "id": null }]);
    let undo = invoke(&window, "changes_inverse", json!({ "connection": "sandbox", "applied": applied }))
        .expect("an undo");
    assert_eq!(undo["changes"][0]["new"], original, "{undo}");
    assert_eq!(undo["changes"][0]["etag"], now["etag"], "{undo}");
    assert_eq!(undo["not_undoable"], json!([]));
    let _ = std::fs::remove_dir_all(&data_dir);
}
