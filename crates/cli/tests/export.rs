//! `d365 export`: a sandbox table to CSV and JSON Lines, brought up to date with `--changes`, and an export
//! of 100 000 rows whose memory does not grow with the row count.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

mod common;

use common::{add_org, d365, home, json};
use d365_sandbox::{Sandbox, SandboxOptions};

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn an_export_is_brought_up_to_date_with_changes() {
    let home = home();
    assert!(d365(&home, &["connection", "add", "sandbox", "--name", "sb"], "").status.success());
    let file = home.join("accounts.csv");
    let file_arg = file.to_str().unwrap();
    let exported = d365(&home, &["export", "sb", "account", "--format", "csv", "--out", file_arg], "");
    assert!(exported.status.success(), "{}", stderr(&exported));
    let said = String::from_utf8_lossy(&exported.stdout);
    assert!(said.contains("Exported 500 rows of account") && said.contains("--changes"), "{said}");
    let count = |path: &std::path::Path| csv::Reader::from_path(path).unwrap().records().count();
    assert_eq!(count(&file), 500);

    let created =
        json(&d365(&home, &["--json", "create", "sb", "account", "--data", r#"{"name": "After"}"#], ""));
    let id = created["id"].as_str().unwrap();
    let refreshed = d365(
        &home,
        &["--json", "export", "sb", "account", "--format", "csv", "--out", file_arg, "--changes"],
        "",
    );
    assert!(refreshed.status.success(), "{}", stderr(&refreshed));
    assert_eq!(json(&refreshed)["report"]["changed"], 1);
    assert_eq!(count(&file), 501);
    assert!(std::fs::read_to_string(&file).unwrap().contains(id));

    let jsonl = home.join("some.jsonl");
    let args = [
        "export",
        "sb",
        "account",
        "--format",
        "jsonl",
        "--out",
        jsonl.to_str().unwrap(),
        "--filter",
        "revenue gt 0",
    ];
    let filtered = d365(&home, &args, "");
    assert!(filtered.status.success(), "{}", stderr(&filtered));
    assert!(
        !String::from_utf8_lossy(&filtered.stdout).contains("--changes"),
        "a filtered export is not tracked"
    );
    let no_state = d365(
        &home,
        &["export", "sb", "account", "--format", "jsonl", "--out", jsonl.to_str().unwrap(), "--changes"],
        "",
    );
    assert_eq!(no_state.status.code(), Some(2), "{}", stderr(&no_state));
    let typo = d365(
        &home,
        &["export", "sb", "account", "--format", "csv", "--out", file_arg, "--select", "nmae"],
        "",
    );
    assert_eq!(typo.status.code(), Some(2));
    assert_eq!(count(&file), 501, "a refused export leaves the file alone");
}

/// Runs `d365 args...` and samples its peak resident set (`VmHWM`, KiB) until it exits. (`getrusage` of
/// children would report this test process's own size: a child's peak includes the parent it forked from.)
fn run_measuring_memory(home: &std::path::Path, args: &[&str]) -> (std::process::Output, u64) {
    let child = common::spawn(home, args, &[]);
    let status = format!("/proc/{}/status", child.id());
    let sampler = std::thread::spawn(move || {
        let mut peak = 0;
        while let Ok(text) = std::fs::read_to_string(&status) {
            let hwm = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok());
            match hwm {
                Some(hwm) => peak = hwm,
                None => break, // a zombie: it has exited
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        peak
    });
    let output = child.wait_with_output().unwrap();
    (output, sampler.join().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exporting_100k_rows_takes_no_more_memory_than_exporting_a_sixth_of_them() {
    let sandbox =
        Sandbox::bind("127.0.0.1:0", SandboxOptions { seed: 100_000, ..Default::default() }).await.unwrap();
    let home = home();
    // The sandbox serves from this runtime while the commands block a worker each.
    let secret = sandbox.info().org_client_secret.clone();
    let added = tokio::task::block_in_place(|| add_org(&home, &sandbox, "big", &secret));
    assert!(added.status.success(), "{}", stderr(&added));
    let export = |filter: Option<&str>, out: &str| {
        let file = home.join(out);
        let mut args = vec!["export", "big", "account", "--format", "csv", "--out", file.to_str().unwrap()];
        args.extend(filter.iter().flat_map(|f| ["--filter", *f]));
        let (output, peak) = tokio::task::block_in_place(|| run_measuring_memory(&home, &args));
        assert!(output.status.success(), "{}", stderr(&output));
        (std::fs::metadata(&file).unwrap().len() as i64, peak as i64)
    };
    // Accounts were created over two years before 2026-11-01: this keeps about a sixth of them.
    let (small_file, small_rss) = export(Some("createdon lt 2025-03-01T00:00:00Z"), "small.csv");
    let (big_file, big_rss) = export(None, "all.csv");
    let (file_growth, rss_growth) = (big_file - small_file, (big_rss - small_rss) * 1024);
    eprintln!("file {small_file} → {big_file} bytes; peak memory {small_rss} → {big_rss} KiB");
    assert!(file_growth > 20_000_000, "the full export is much larger: {file_growth} more bytes");
    assert!(
        rss_growth < file_growth / 4,
        "memory grew by {rss_growth} bytes for {file_growth} more bytes of rows: rows are being held"
    );
}

#[test]
fn parallelism_beyond_bounds_is_refused_before_anything_is_read() {
    let home = home();
    assert!(d365(&home, &["connection", "add", "sandbox", "--name", "sb"], "").status.success());
    let out = home.join("never.csv");
    for parallel in ["0", "65", "100000", "18446744073709551615", "18446744073709551616"] {
        let output = d365(
            &home,
            &[
                "export",
                "sb",
                "account",
                "--format",
                "csv",
                "--out",
                out.to_str().unwrap(),
                "--parallel",
                parallel,
            ],
            "",
        );
        assert_eq!(output.status.code(), Some(2), "--parallel {parallel}: {}", stderr(&output));
        assert!(
            stderr(&output).contains("invalid value") && stderr(&output).contains("--parallel"),
            "{}",
            stderr(&output)
        );
        assert!(!out.exists(), "nothing was written");
    }
}

#[cfg(unix)]
#[test]
fn the_metadata_cache_sandbox_data_and_change_state_are_this_user_s_only() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    let home = home();
    assert!(d365(&home, &["connection", "add", "sandbox", "--name", "sb"], "").status.success());
    let file = home.join("accounts.csv");
    let exported =
        d365(&home, &["export", "sb", "account", "--format", "csv", "--out", file.to_str().unwrap()], "");
    assert!(exported.status.success(), "{}", stderr(&exported));
    let state = home.join("accounts.csv.d365-changes.json");
    assert_eq!(mode(&state), 0o600, "the export's change state");
    assert_eq!(mode(&home.join("sandbox.sqlite3")), 0o600, "the sandbox's data");
    let caches: Vec<_> =
        std::fs::read_dir(home.join("cache").join("metadata")).unwrap().map(|e| e.unwrap().path()).collect();
    assert!(!caches.is_empty(), "the metadata was cached");
    for cache in caches {
        assert_eq!(mode(&cache), 0o600, "{}", cache.display());
    }
    assert_eq!(mode(&home.join("cache").join("metadata")), 0o700);
}

#[test]
fn an_excel_safe_export_shows_formulas_as_text_and_keeps_numbers() {
    let home = home();
    assert!(d365(&home, &["connection", "add", "sandbox", "--name", "sb"], "").status.success());
    let data = r#"{"name": "=HYPERLINK(\"http://evil.example\",\"click\")", "revenue": -5}"#;
    let created = json(&d365(&home, &["--json", "create", "sb", "account", "--data", data], ""));
    let id = created["id"].as_str().unwrap().to_owned();
    let cell = |file: &std::path::Path, column: &str| {
        let mut reader = csv::Reader::from_path(file).unwrap();
        let headers = reader.headers().unwrap().clone();
        let at = headers.iter().position(|h| h == column).unwrap();
        let row = reader.records().map(Result::unwrap).find(|r| r.get(0) == Some(id.as_str())).unwrap();
        row.get(at).unwrap().to_owned()
    };
    let (safe, raw) = (home.join("safe.csv"), home.join("raw.csv"));
    let select = ["--select", "name,revenue"];
    for (file, extra) in [(&safe, vec!["--excel-safe"]), (&raw, vec![])] {
        let mut args = vec!["export", "sb", "account", "--format", "csv", "--out", file.to_str().unwrap()];
        args.extend(select);
        args.extend(extra);
        let output = d365(&home, &args, "");
        assert!(output.status.success(), "{}", stderr(&output));
    }
    assert_eq!(cell(&safe, "name"), r#"'=HYPERLINK("http://evil.example","click")"#);
    let revenue = cell(&safe, "revenue");
    assert_eq!(revenue.parse::<f64>().ok(), Some(-5.0), "a number is not made text: {revenue}");
    assert_eq!(cell(&raw, "name"), r#"=HYPERLINK("http://evil.example","click")"#, "off unless asked for");
}
