//! The data commands through Tauri's IPC layer (mock runtime, the app's real setup) on the built-in
//! sandbox: the tables in browsing order, a grid whose rows stay in Rust and come out by slices aligned to
//! its columns, numbers as exact text, a misspelt filter refused with "did you mean"; the record view
//! and the Web API console.

use serde_json::{Value, json};

use crate::command_wiring::{app_in, invoke};

#[test]
fn the_sandbox_browses_from_tables_to_a_sorted_grid_in_slices() {
    let data_dir = std::env::temp_dir().join(format!("d365desk-browse-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    let (_app, window) = app_in(data_dir.clone());

    let tables =
        invoke(&window, "tables_list", json!({ "connection": "sandbox", "refresh": true })).expect("tables");
    let names: Vec<&str> =
        tables.as_array().unwrap().iter().map(|t| t["logical_name"].as_str().unwrap()).collect();
    assert_eq!(
        names[..6],
        ["account", "contact", "lead", "opportunity", "incident", "systemuser"],
        "{names:?}"
    );
    assert_eq!(names[6], "cr0d1_project", "custom tables next: {names:?}");
    let cached =
        invoke(&window, "tables_list", json!({ "connection": "sandbox", "refresh": false })).expect("cached");
    assert_eq!(cached, tables);

    let request = json!({ "table": "account", "sort": [{ "column": "name", "descending": false }] });
    let opened =
        invoke(&window, "grid_open", json!({ "connection": "sandbox", "request": request })).expect("a grid");
    let view = &opened["view"];
    let columns: Vec<&str> =
        view["columns"].as_array().unwrap().iter().map(|c| c["logical_name"].as_str().unwrap()).collect();
    assert_eq!(columns[0], "name", "the primary name first: {columns:?}");
    assert!(columns.contains(&"revenue") || columns.len() > 1, "{columns:?}");
    assert_eq!(view["progress"]["total"], 500, "{}", view["progress"]);
    let available: Vec<&str> =
        view["available"].as_array().unwrap().iter().map(|c| c["label"].as_str().unwrap()).collect();
    assert!(available.len() > columns.len() && available.contains(&"Main Phone"), "{available:?}");
    assert!(available.windows(2).all(|w| w[0].to_lowercase() <= w[1].to_lowercase()), "A-Z: {available:?}");
    assert_eq!(view["progress"]["complete"], true, "500 rows fit one page");
    assert_eq!(view["rows"].as_array().unwrap().len(), 100, "the first rows come with the grid");

    let grid = opened["grid"].clone();
    let tail =
        invoke(&window, "grid_rows", json!({ "grid": grid, "start": 490, "count": 50 })).expect("rows");
    let tail = tail.as_array().unwrap();
    assert_eq!(tail.len(), 10, "rows 490..500");
    for row in tail {
        assert_eq!(
            row["cells"].as_array().unwrap().len(),
            columns.len(),
            "cells aligned to the columns: {row}"
        );
    }
    let names: Vec<String> =
        tail.iter().map(|r| r["cells"][0]["text"].as_str().unwrap().to_lowercase()).collect();
    assert!(names.windows(2).all(|w| w[0] <= w[1]), "sorted by name: {names:?}");

    // Money crosses as its exact text, the display beside it.
    let with_revenue =
        json!({ "table": "account", "columns": ["name", "revenue"], "filter": "revenue ne null" });
    let money = invoke(&window, "grid_open", json!({ "connection": "sandbox", "request": with_revenue }))
        .expect("grid");
    let cell = &money["view"]["rows"][0]["cells"][1];
    let raw = cell["raw"].as_str().unwrap_or_else(|| panic!("raw text: {cell}"));
    assert!(raw.split_once('.').is_some_and(|(_, places)| places.len() == 4), "{cell}");
    assert!(cell["text"].as_str().unwrap().starts_with('$'), "{cell}");

    let typo = json!({ "table": "account", "filter": "nmae eq 'x'" });
    let err = invoke(&window, "grid_open", json!({ "connection": "sandbox", "request": typo }))
        .expect_err("a typo");
    assert_eq!(err["kind"], "query.unknown_column", "{err}");
    assert!(err["message"].as_str().unwrap().contains("did you mean 'name'"), "{err}");

    // The record view: the whole record, its name first, then the grid's columns.
    let id = opened["view"]["rows"][0]["id"].as_str().unwrap().to_owned();
    let shown: Vec<&str> = columns.clone();
    let record = invoke(
        &window,
        "record_get",
        json!({ "connection": "sandbox", "table": "account", "id": id, "shown": shown }),
    )
    .expect("a record");
    let fields = record["fields"].as_array().unwrap();
    assert_eq!(fields[0]["column"]["logical_name"], "name", "{}", fields[0]);
    assert_eq!(fields[0]["group"], "name");
    assert!(fields.len() > columns.len(), "every column, not only the grid's");
    let groups: Vec<&str> = fields.iter().map(|f| f["group"].as_str().unwrap()).collect();
    let mut ordered = groups.clone();
    ordered.sort_by_key(|g| ["name", "shown", "other", "empty"].iter().position(|x| x == g));
    assert_eq!(groups, ordered, "grouped in reading order");
    assert!(
        record["json"].as_str().unwrap().contains(&format!("\"accountid\": \"{id}\"")),
        "{}",
        record["json"]
    );
    assert!(record["etag"].as_str().unwrap().starts_with("W/"), "{record}");
    let link = record["app_link"].as_str().unwrap();
    assert!(link.ends_with(&format!("/main.aspx?pagetype=entityrecord&etn=account&id=%7B{id}%7D")), "{link}");

    // Its related records: the tables whose lookups point to it, each with its count and grid filter.
    let related = record["related"].as_array().unwrap();
    let contacts = related
        .iter()
        .find(|r| r["table"]["logical_name"] == "contact" && r["column"] == "parentcustomerid")
        .unwrap_or_else(|| panic!("an account's contacts: {related:?}"));
    assert_eq!(contacts["filter"], format!("_parentcustomerid_value eq {id}"));
    let filter = contacts["filter"].clone();
    let grid_of_them = invoke(
        &window,
        "grid_open",
        json!({ "connection": "sandbox", "request": { "table": "contact", "filter": filter } }),
    )
    .expect("their grid");
    assert_eq!(grid_of_them["view"]["progress"]["total"], contacts["count"], "{contacts}");
    assert!(contacts["count"].as_u64().unwrap() >= 1, "every seeded account has contacts: {contacts}");

    // The console: any status as it came, the token never in the window's hands.
    let who = json!({ "method": "GET", "path": "/api/data/v9.2/WhoAmI" });
    let answer =
        invoke(&window, "console_send", json!({ "connection": "sandbox", "request": who })).expect("sent");
    assert_eq!(answer["status"], 200, "{answer}");
    assert!(answer["pretty"].as_str().unwrap().contains("\"UserId\""), "{answer}");
    let missing = json!({ "method": "GET", "path": "nosuchset" });
    let answer = invoke(&window, "console_send", json!({ "connection": "sandbox", "request": missing }))
        .expect("sent");
    assert_eq!(answer["status"], 404, "an error answer is shown as it came: {answer}");
    let token = json!({ "method": "GET", "path": "WhoAmI", "headers": [{ "name": "Authorization", "value": "Bearer x" }] });
    let err = invoke(&window, "console_send", json!({ "connection": "sandbox", "request": token }))
        .expect_err("refused");
    assert!(err["message"].as_str().unwrap().contains("sets Authorization itself"), "{err}");
    let bad = json!({ "method": "POST", "path": "accounts", "body": "{not json" });
    let err = invoke(&window, "console_send", json!({ "connection": "sandbox", "request": bad }))
        .expect_err("refused");
    assert!(err["message"].as_str().unwrap().starts_with("The body is not JSON"), "{err}");

    invoke(&window, "grid_close", json!({ "grid": grid })).expect("closed");
    let err: Value =
        invoke(&window, "grid_rows", json!({ "grid": grid, "start": 0, "count": 1 })).expect_err("closed");
    assert_eq!(err["kind"], "app.grid_closed", "{err}");
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grid_exports_what_it_shows_and_a_cancelled_export_leaves_the_file_as_it_was() {
    use d365_dataverse::data::export::Format;
    use d365_desk_lib::data::DataService;
    use tauri::Manager;

    let data_dir = std::env::temp_dir().join(format!("d365desk-export-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    std::fs::create_dir_all(&data_dir).unwrap();
    let (app, window) = app_in(data_dir.clone());
    // An org connection to a sandbox of the test's own, whose answers can be slowed down below.
    let sandbox = d365_sandbox::Sandbox::bind("127.0.0.1:0", Default::default()).await.expect("a sandbox");
    let info = sandbox.info().clone();
    let form = json!({
        "name": "Exported", "tag": "dev", "read_only": false, "instance_url": info.instance_url,
        "tenant": info.tenant_id, "client_id": info.org_client_id, "cloud": "public", "authority": info.authority,
    });
    let added = invoke(
        &window,
        "connection_add_org",
        json!({ "form": form, "clientSecret": info.org_client_secret }),
    )
    .expect("added");
    let connection = added["id"].as_str().unwrap().to_owned();
    // Accounts whose name starts with A, by name descending: the export follows the grid's view.
    let request = json!({
        "table": "account", "columns": ["name", "revenue"], "filter": "startswith(name,'A')",
        "sort": [{ "column": "name", "descending": true }],
    });
    let opened =
        invoke(&window, "grid_open", json!({ "connection": connection, "request": request })).expect("grid");
    let grid = u32::try_from(opened["grid"].as_u64().unwrap()).unwrap();
    let total = opened["view"]["progress"]["total"].as_u64().unwrap();
    assert!(total > 1, "{opened}");

    // The dialog is the one part not run here (the mock runtime shows none): the service is called as
    // the command calls it once a path is chosen.
    let data = app.state::<DataService>();
    let file = data_dir.join("accounts.csv");
    let report = data.export(grid, &file, Format::Csv, |_| ()).await.expect("exported");
    assert_eq!(report.rows, total);
    let mut reader = csv::Reader::from_path(&file).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(header, ["accountid", "name", "revenue", "revenue@formatted"]);
    let names: Vec<String> = reader.records().map(|r| r.unwrap()[1].to_owned()).collect();
    assert!(names.iter().all(|n| n.starts_with('A')), "{names:?}");
    let mut sorted = names.clone();
    sorted.sort_by_key(|n| std::cmp::Reverse(n.to_lowercase()));
    assert_eq!(names, sorted, "in the grid's order");

    // A cancel while the first page is on its way (each answer now takes a second): nothing replaces the
    // earlier file.
    sandbox.set_faults(vec![d365_sandbox::Fault::new(
        d365_sandbox::FaultKind::Latency(std::time::Duration::from_secs(1)),
        "*/accounts",
        1,
    )]);
    let before = std::fs::read(&file).unwrap();
    let exporting = data.export(grid, &file, Format::Xlsx, |_| ());
    // Bounded: an export that ended first would leave nothing to cancel, and the test must say so.
    let cancelled = async {
        let asked = async {
            while !data.cancel_export() {
                tokio::task::yield_now().await;
            }
        };
        tokio::time::timeout(std::time::Duration::from_secs(10), asked)
            .await
            .expect("the export was still running");
    };
    let (outcome, ()) = tokio::join!(exporting, cancelled);
    assert_eq!(outcome.expect_err("cancelled").kind, "export.cancelled");
    assert_eq!(std::fs::read(&file).unwrap(), before);
    assert!(!data.cancel_export(), "nothing left to cancel");
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wait_dataverse_asks_for_reaches_the_window_with_its_connection() {
    use d365_desk_lib::data::DataService;
    use d365_sandbox::{Fault, FaultKind};
    use std::sync::{Arc, Mutex};
    use tauri::Manager;

    let sandbox = d365_sandbox::Sandbox::bind("127.0.0.1:0", Default::default()).await.expect("a sandbox");
    let info = sandbox.info().clone();
    let data_dir = std::env::temp_dir().join(format!("d365desk-events-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    let (app, window) = app_in(data_dir.clone());
    let form = json!({
        "name": "Throttled", "tag": "dev", "read_only": false, "instance_url": info.instance_url,
        "tenant": info.tenant_id, "client_id": info.org_client_id, "cloud": "public", "authority": info.authority,
    });
    let added = invoke(
        &window,
        "connection_add_org",
        json!({ "form": form, "clientSecret": info.org_client_secret }),
    )
    .expect("added");
    let id = added["id"].as_str().unwrap().to_owned();

    let heard: Arc<Mutex<Vec<String>>> = Arc::default();
    let events = {
        let heard = heard.clone();
        tauri::ipc::Channel::new(move |body| {
            if let tauri::ipc::InvokeResponseBody::Json(text) = body {
                heard.lock().unwrap().push(text);
            }
            Ok(())
        })
    };
    app.state::<DataService>().watch(events);
    // Every second read of accounts is told to wait a second (429, Retry-After: 1).
    sandbox.set_faults(vec![Fault::new(
        FaultKind::Status { status: 429, retry_after: Some(1) },
        "*/accounts",
        2,
    )]);
    let mut grid = Value::Null;
    for _ in 0..2 {
        let request = json!({ "table": "account", "columns": ["name"] });
        let opened = invoke(&window, "grid_open", json!({ "connection": id, "request": request }))
            .expect("the data follows the wait");
        grid = opened["grid"].clone();
    }
    let heard = heard.lock().unwrap().clone();
    let event: Value =
        serde_json::from_str(heard.first().unwrap_or_else(|| panic!("no event heard"))).unwrap();
    assert_eq!(event["connection"], id.as_str(), "{event}");
    assert_eq!(event["event"]["event"], "retrying", "{event}");
    assert_eq!(event["event"]["reason"], "throttled", "{event}");
    assert_eq!(event["event"]["wait_ms"], 1000, "the server's Retry-After: {event}");

    // Deleting the connection closes its grids: none keeps reading with its credentials.
    invoke(&window, "connection_delete", json!({ "id": id })).expect("deleted");
    let err =
        invoke(&window, "grid_rows", json!({ "grid": grid, "start": 0, "count": 1 })).expect_err("closed");
    assert_eq!(err["kind"], "app.grid_closed", "{err}");
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[test]
fn a_view_opens_with_its_columns_and_rows() {
    let data_dir = std::env::temp_dir().join(format!("d365desk-views-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    let (_app, window) = app_in(data_dir.clone());
    let views =
        invoke(&window, "views_list", json!({ "connection": "sandbox", "table": "account" })).expect("views");
    let views = views.as_array().unwrap();
    assert_eq!(views[0]["is_default"], true, "the default view first: {views:?}");
    assert_eq!(views[0]["view"]["kind"], "system");
    let names: Vec<&str> = views.iter().map(|v| v["name"].as_str().unwrap()).collect();
    assert_eq!(names[..3], ["Active Accounts", "Inactive Accounts", "My Active Accounts"], "{names:?}");
    // Personal views are the signed-in person's own: the sandbox's application user has none.
    assert!(views.iter().all(|v| v["view"]["kind"] == "system"), "{views:?}");

    let inactive =
        views.iter().find(|v| v["name"] == "Inactive Accounts").unwrap_or_else(|| panic!("{views:?}"));
    let columns = inactive["columns"].clone();
    assert_eq!(columns[0], "name", "{inactive}");
    let request = json!({ "table": "account", "columns": columns, "view": inactive["view"] });
    let opened =
        invoke(&window, "grid_open", json!({ "connection": "sandbox", "request": request })).expect("a grid");
    let shown: Vec<&str> = opened["view"]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["logical_name"].as_str().unwrap())
        .collect();
    assert_eq!(json!(shown), columns, "the view's columns, in its order");
    let mixed = json!({ "table": "account", "view": inactive["view"], "filter": "statecode eq 0" });
    let err = invoke(&window, "grid_open", json!({ "connection": "sandbox", "request": mixed }))
        .expect_err("mixed");
    assert!(err["message"].as_str().unwrap().contains("brings its own filter"), "{err}");
    // The view's rows are those of its filter, in its order (a view returns its own columns only).
    let same = json!({ "table": "account", "columns": ["name"], "filter": "statecode eq 1",
                       "sort": [{ "column": "name", "descending": false }] });
    let filtered =
        invoke(&window, "grid_open", json!({ "connection": "sandbox", "request": same })).expect("grid");
    let ids = |grid: &Value| -> Vec<String> {
        grid["view"]["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(!ids(&filtered).is_empty(), "the sandbox has inactive accounts");
    assert_eq!(ids(&opened), ids(&filtered));
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[test]
fn the_visual_filter_and_a_lookup_by_name_give_the_rows_of_the_same_odata() {
    let data_dir = std::env::temp_dir().join(format!("d365desk-conditions-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    let (_app, window) = app_in(data_dir.clone());
    let open = |request: Value| {
        invoke(&window, "grid_open", json!({ "connection": "sandbox", "request": request })).expect("a grid")
    };
    let ids = |grid: &Value| -> Vec<String> {
        grid["view"]["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let sort = json!([{ "column": "name", "descending": false }]);

    // Each column says which operators fit it and, for a choice, its options.
    let plain = open(json!({ "table": "account", "columns": ["name", "industrycode", "primarycontactid"] }));
    let columns = plain["view"]["columns"].as_array().unwrap();
    assert_eq!(columns[0]["operators"][0], "contains", "{}", columns[0]);
    let industry = &columns[1];
    assert!(industry["operators"].as_array().unwrap().contains(&json!("eq")), "{industry}");
    let option = industry["options"][0]["value"].clone();
    assert!(option.is_number(), "{industry}");
    assert_eq!(columns[2]["targets"], json!(["contact"]), "{}", columns[2]);

    // A text condition and a choice: the rows of the same $filter typed by hand.
    let conditions = json!([
        { "column": "name", "operator": "contains", "value": "a" },
        { "column": "industrycode", "operator": "eq", "value": option.to_string() },
    ]);
    let built =
        open(json!({ "table": "account", "columns": ["name"], "conditions": conditions, "sort": sort }));
    let typed = format!("contains(name,'a') and industrycode eq {option}");
    let by_hand = open(json!({ "table": "account", "columns": ["name"], "filter": typed, "sort": sort }));
    assert!(!ids(&built).is_empty(), "the seed has such accounts");
    assert_eq!(ids(&built), ids(&by_hand));
    assert_eq!(built["view"]["progress"]["total"], by_hand["view"]["progress"]["total"]);
    assert!(ids(&built).len() < ids(&plain).len(), "it does filter");

    // A lookup by name: the picker finds contacts by name; the condition holds the chosen one's id.
    let some = plain["view"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|r| r["cells"][2]["raw"].as_str().map(|id| (id.to_owned(), r["cells"][2]["text"].clone())))
        .expect("an account with a primary contact");
    let (contact, name) = some;
    let name = name.as_str().unwrap();
    // Part of the name: without its first and last characters (not bytes: names are not all ASCII).
    let part: String = name.chars().skip(1).take(name.chars().count().saturating_sub(2)).collect();
    let found = invoke(
        &window,
        "lookup_search",
        json!({ "connection": "sandbox", "table": "contact", "text": part }),
    )
    .expect("candidates");
    let found = found.as_array().unwrap();
    assert!(found.iter().any(|c| c["id"] == contact.as_str() && c["name"] == name), "{name}: {found:?}");
    assert!(found.iter().all(|c| c["name"].as_str().unwrap().contains(&part)), "{found:?}");
    let theirs = json!([{ "column": "primarycontactid", "operator": "eq", "value": contact }]);
    let by_lookup =
        open(json!({ "table": "account", "columns": ["name"], "conditions": theirs, "sort": sort }));
    let typed = format!("_primarycontactid_value eq {contact}");
    let by_hand = open(json!({ "table": "account", "columns": ["name"], "filter": typed, "sort": sort }));
    assert!(!ids(&by_lookup).is_empty());
    assert_eq!(ids(&by_lookup), ids(&by_hand));

    // Conditions and a typed filter together are both applied.
    let both = open(json!({ "table": "account", "columns": ["name"], "conditions": conditions,
                            "filter": "statecode eq 0", "sort": sort }));
    let typed = format!("(contains(name,'a') and industrycode eq {option}) and statecode eq 0");
    let by_hand = open(json!({ "table": "account", "columns": ["name"], "filter": typed, "sort": sort }));
    assert_eq!(ids(&both), ids(&by_hand));

    // A wrong value is refused with the column's label, before any request.
    let wrong = json!([{ "column": "industrycode", "operator": "eq", "value": "424242" }]);
    let err = invoke(
        &window,
        "grid_open",
        json!({ "connection": "sandbox", "request": { "table": "account", "conditions": wrong } }),
    )
    .expect_err("refused");
    assert_eq!(err["kind"], "input.invalid", "{err}");
    assert!(err["message"].as_str().unwrap().contains("Industry"), "{err}");
    assert_eq!(err["column"], "industrycode", "the refused condition's column: {err}");
    let _ = std::fs::remove_dir_all(&data_dir);
}
