//! Tauri commands: thin async one-liners over the crates in `crates/`. Each is registered in
//! `bindings::specta_builder`, declared in `build.rs` and granted in `capabilities/`.

pub mod about;
pub mod app;
pub mod connections;
pub mod data;
pub mod edits;
pub mod import;
pub mod sandbox;
pub mod window;
