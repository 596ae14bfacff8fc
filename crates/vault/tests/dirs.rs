//! Where the vault keeps its files: `D365DESK_HOME` when it is set and not empty, else the OS's folders.
//! A test cannot change its own environment (that is unsafe in a threaded process), so this test runs
//! itself again as a child with the environment under test, and the child reports what it found.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

use std::path::{Path, PathBuf};
use std::process::Command;

const CHILD: &str = "D365DESK_TEST_REPORT_DIRS";

/// The child's `default_dir()` and `cache_dir()` with `home` as D365DESK_HOME (None: unset), and the XDG
/// folders under `xdg`.
fn folders_with(home: Option<&str>, xdg: &Path) -> (PathBuf, PathBuf) {
    let mut child = Command::new(std::env::current_exe().unwrap());
    child
        .args(["--exact", "folders_follow_d365desk_home", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .env("XDG_CONFIG_HOME", xdg.join("config"))
        .env("XDG_CACHE_HOME", xdg.join("cache"));
    match home {
        Some(home) => child.env("D365DESK_HOME", home),
        None => child.env_remove("D365DESK_HOME"),
    };
    let output = child.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    let line = |tag: &str| {
        let prefix = format!("{tag}=");
        // libtest prints the test's name on the same line, before what the test prints.
        let found = stdout.lines().find_map(|l| l.split_once(&prefix).map(|(_, path)| PathBuf::from(path)));
        found.unwrap_or_else(|| panic!("the child did not report {tag}: {stdout}"))
    };
    (line("DEFAULT_DIR"), line("CACHE_DIR"))
}

#[test]
fn folders_follow_d365desk_home() {
    if std::env::var_os(CHILD).is_some() {
        // The child: report, for the parent's assertions.
        println!("DEFAULT_DIR={}", d365_vault::default_dir().display());
        println!("CACHE_DIR={}", d365_vault::cache_dir().display());
        return;
    }
    let xdg = std::env::temp_dir().join(format!("d365desk-dirs-{}", uuid::Uuid::new_v4()));
    let home = xdg.join("home");
    let (dir, cache) = folders_with(Some(home.to_str().unwrap()), &xdg);
    assert_eq!((dir, cache), (home.clone(), home.join("cache")), "D365DESK_HOME is the home");

    for unset in [None, Some("")] {
        let (dir, cache) = folders_with(unset, &xdg);
        assert!(
            dir.starts_with(xdg.join("config")) && dir != xdg.join("config"),
            "{unset:?}: the app's folder in the OS config folder, not {}",
            dir.display()
        );
        assert!(
            cache.starts_with(xdg.join("cache")) && cache != xdg.join("cache"),
            "{unset:?}: the app's folder in the OS cache folder, not {}",
            cache.display()
        );
    }
}
