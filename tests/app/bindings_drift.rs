//! The UI reaches Rust only through `ui/src/bindings/index.ts`, generated from the Rust commands. This test
//! fails when the committed file is not what the code generates; `make bindings` regenerates it (it runs
//! this test with `D365DESK_WRITE_BINDINGS=1`).

use d365_desk_lib::bindings;

#[test]
fn committed_bindings_are_current() {
    let committed_path = bindings::committed_path();
    if std::env::var_os("D365DESK_WRITE_BINDINGS").is_some() {
        bindings::export_to(&committed_path).expect("bindings are written");
    }

    let scratch = std::env::temp_dir().join(format!("d365desk-bindings-{}.ts", std::process::id()));
    bindings::export_to(&scratch).expect("bindings are generated");
    let generated = std::fs::read_to_string(&scratch).expect("generated bindings are readable");
    let _ = std::fs::remove_file(&scratch);

    let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} differs from what the Rust commands generate. Run `make bindings` and commit the result.\n\
         --- generated ---\n{generated}",
        committed_path.display()
    );
}
