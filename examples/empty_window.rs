//! The bench's peer: an empty Tauri 2 window, built from the app's own dependency versions (this package,
//! this Cargo.lock, the same `tauri` features), so that `make bench` can measure the app's start-up and
//! memory against what Tauri and WebKitGTK cost by themselves (docs/benchmarks.md, "Desktop").

fn main() {
    tauri::Builder::default()
        .run(tauri::generate_context!("examples/empty-window/tauri.conf.json"))
        .unwrap_or_else(|err| {
            eprintln!("empty-window: could not start: {err}");
            std::process::exit(1);
        });
}
