//! Tests of the desktop shell that need no display: command wiring through `tauri::test`'s mock runtime,
//! the committed TypeScript bindings, and the security baseline of the committed Tauri configuration.

mod bindings_drift;
mod certificate_wiring;
mod command_wiring;
mod data_wiring;
mod edits_wiring;
mod import_wiring;
mod security_baseline;
