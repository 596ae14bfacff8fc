//! Tests of the desktop shell that need no display: command wiring through `tauri::test`'s mock runtime,
//! and the committed TypeScript bindings.

mod bindings_drift;
mod command_wiring;
