// Keeps a console window from opening next to the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    if let Some(problem) = d365_desk_lib::missing_display() {
        eprintln!("d365-desk: {problem}");
        std::process::exit(2);
    }
    d365_desk_lib::run();
}
