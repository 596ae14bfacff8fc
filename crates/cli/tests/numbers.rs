//! Numbers exactly as the server wrote them, through every output of the real `d365` binary: money at
//! ±922,337,203,685,477 with four places, a precision-10 decimal, the largest big integer, a float (within what a double holds, as Dataverse's float is one); in
//! `--json` answers, `query --format json|table|csv`, CSV and JSON Lines exports, and the PATCH body of an
//! update (typed as a number or as text). A double would round each of them.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

mod common;

use common::{d365, home, json};

const EXTREMES: &str = r#"{"cr0d1_name": "Extremes", "cr0d1_cost": 922337203685477,
    "cr0d1_ratio": 12345678.1234567891, "cr0d1_units": 9223372036854775807, "cr0d1_weight": -9999999999.99999}"#;

const SELECT: &str = "cr0d1_name,cr0d1_cost,cr0d1_ratio,cr0d1_units,cr0d1_weight";

fn stdout(output: &std::process::Output) -> String {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A sandbox connection holding one project with the extremes; its id.
fn with_extremes() -> (std::path::PathBuf, String) {
    let home = home();
    assert!(d365(&home, &["connection", "add", "sandbox", "--name", "sb"], "").status.success());
    let created = d365(&home, &["--json", "create", "sb", "cr0d1_project"], EXTREMES);
    let text = stdout(&created);
    for exact in [
        r#""cr0d1_cost":922337203685477.0000"#,
        r#""cr0d1_ratio":12345678.1234567891"#,
        r#""cr0d1_units":9223372036854775807"#,
        r#""cr0d1_weight":-9999999999.99999"#,
    ] {
        assert!(text.replace(' ', "").contains(exact), "the created record: {exact} in {text}");
    }
    let id = json(&created)["id"].as_str().unwrap().to_owned();
    (home, id)
}

fn query(home: &std::path::Path, id: &str, format: &str) -> String {
    let filter = format!("cr0d1_projectid eq {id}");
    stdout(&d365(
        home,
        &["query", "sb", "cr0d1_project", "--select", SELECT, "--filter", &filter, "--format", format],
        "",
    ))
}

#[test]
fn queries_show_every_digit_raw_and_formatted() {
    let (home, id) = with_extremes();

    let line = query(&home, &id, "json");
    for exact in [
        r#""cr0d1_units@formatted":"9,223,372,036,854,775,807""#,
        r#""cr0d1_cost":922337203685477.0000"#,
        r#""cr0d1_ratio":12345678.1234567891"#,
        r#""cr0d1_units":9223372036854775807"#,
        r#""cr0d1_weight":-9999999999.99999"#,
        r#""cr0d1_cost@formatted":"$922,337,203,685,477.0000""#,
        r#""cr0d1_ratio@formatted":"12,345,678.1234567891""#,
    ] {
        assert!(line.contains(exact), "{exact} in {line}");
    }

    let table = query(&home, &id, "table");
    assert!(table.contains("$922,337,203,685,477.0000"), "{table}");
    assert!(table.contains("12,345,678.1234567891"), "{table}");

    let csv = query(&home, &id, "csv");
    assert!(
        csv.contains("\"$922,337,203,685,477.0000\"") || csv.contains("$922,337,203,685,477.0000"),
        "{csv}"
    );
    assert!(csv.contains("12,345,678.1234567891"), "{csv}");
}

#[test]
fn exports_write_the_raw_values_digit_for_digit() {
    let (home, id) = with_extremes();
    let filter = format!("cr0d1_projectid eq {id}");
    for (format, file) in [("csv", "extremes.csv"), ("jsonl", "extremes.jsonl")] {
        let out = home.join(file);
        let args = [
            "export",
            "sb",
            "cr0d1_project",
            "--format",
            format,
            "--out",
            out.to_str().unwrap(),
            "--select",
            SELECT,
            "--filter",
            &filter,
        ];
        stdout(&d365(&home, &args, ""));
        let written = std::fs::read_to_string(&out).unwrap();
        let expected: [&str; 4] = if format == "csv" {
            ["922337203685477.0000", "12345678.1234567891", "9223372036854775807", "-9999999999.99999"]
        } else {
            [
                r#""cr0d1_cost":922337203685477.0000"#,
                r#""cr0d1_ratio":12345678.1234567891"#,
                r#""cr0d1_units":9223372036854775807"#,
                r#""cr0d1_weight":-9999999999.99999"#,
            ]
        };
        for exact in expected {
            assert!(written.contains(exact), "{format}: {exact} in {written}");
        }
    }
}

#[test]
fn an_update_sends_numbers_typed_as_numbers_or_text_exactly() {
    let (home, id) = with_extremes();
    let data = r#"{"cr0d1_cost": -922337203685476.9999, "cr0d1_ratio": "0.0000000001", "cr0d1_units": "-9223372036854775808"}"#;
    let updated = d365(&home, &["update", "sb", "cr0d1_project", &id, "--data", data], "");
    stdout(&updated);
    let line = query(&home, &id, "json");
    for exact in [
        r#""cr0d1_cost":-922337203685476.9999"#,
        r#""cr0d1_ratio":0.0000000001"#,
        r#""cr0d1_units":-9223372036854775808"#,
    ] {
        assert!(line.contains(exact), "{exact} in {line}");
    }
}

#[test]
fn a_value_past_the_columns_range_or_places_is_refused_before_sending() {
    let (home, id) = with_extremes();
    for (data, says) in [
        // A double cannot tell this from the limit.
        (r#"{"cr0d1_cost": 922337203685477.0001}"#, "must be between -922337203685477 and 922337203685477"),
        (r#"{"cr0d1_ratio": 1.12345678901}"#, "at most 10 decimal places"),
        (r#"{"cr0d1_cost": 1.00001}"#, "at most 4 decimal places"),
        (r#"{"cr0d1_weight": 1e300}"#, "must be between"),
    ] {
        let refused = d365(&home, &["--json", "update", "sb", "cr0d1_project", &id, "--data", data], "");
        assert_eq!(refused.status.code(), Some(2), "{data}: {}", String::from_utf8_lossy(&refused.stderr));
        let error = json(&refused);
        assert!(error["error"]["message"].as_str().unwrap().contains(says), "{data}: {error}");
    }
    let line = query(&home, &id, "json");
    assert!(line.contains(r#""cr0d1_cost":922337203685477.0000"#), "nothing was written: {line}");
    assert!(line.contains(r#""cr0d1_ratio":12345678.1234567891"#), "nothing was written: {line}");
}

#[test]
fn an_excel_export_has_number_cells_where_excel_is_exact_and_text_elsewhere() {
    use calamine::{Data, Reader, Xlsx, open_workbook};
    let (home, id) = with_extremes();
    let out = home.join("extremes.xlsx");
    let filter = format!("cr0d1_projectid eq {id}");
    let args = [
        "export",
        "sb",
        "cr0d1_project",
        "--format",
        "xlsx",
        "--out",
        out.to_str().unwrap(),
        "--select",
        SELECT,
        "--filter",
        &filter,
    ];
    stdout(&d365(&home, &args, ""));
    let mut workbook: Xlsx<_> = open_workbook(&out).unwrap();
    let sheet = workbook.worksheet_range_at(0).unwrap().unwrap();
    let rows: Vec<&[Data]> = sheet.rows().collect();
    assert_eq!(rows.len(), 2, "the header and the one row");
    let at = |name: &str| rows[0].iter().position(|h| *h == name).unwrap();
    assert_eq!(rows[1][at("cr0d1_projectid")], Data::String(id.clone()));
    assert_eq!(rows[1][at("cr0d1_cost")], Data::Float(922_337_203_685_477.0), "15 digits: a number");
    assert_eq!(rows[1][at("cr0d1_weight")], Data::Float(-9_999_999_999.999_99));
    // Past what Excel shows, the exact text rather than a rounded number.
    assert_eq!(rows[1][at("cr0d1_ratio")], Data::String("12345678.1234567891".into()));
    assert_eq!(rows[1][at("cr0d1_units")], Data::String("9223372036854775807".into()));
    assert_eq!(rows[1][at("cr0d1_name")], Data::String("Extremes".into()));
}
