//! The Dataverse client: everything D365 Desk says to Microsoft's cloud, with no knowledge of Tauri.
//!
//! Belongs here: authentication against Entra ID (client credentials, authorization code + PKCE over a
//! loopback listener, device code, pasted bearer tokens, refresh and the in-memory token cache), the Web API
//! client (query builder, paged reads, records, metadata, `$batch`, change tracking), the retry policy for
//! throttling (429) and transient faults, and the error kinds with their user-facing hints. It does not store
//! anything: profiles and secrets come from `d365-vault`, and what to show is the caller's business.

pub mod api;
pub mod auth;
pub mod bearer;
pub mod certificate;
pub mod client;
pub mod data;
pub mod device_code;
pub mod discovery;
pub mod error;
pub mod input;
pub mod retry;
pub mod session;
pub mod signin;
pub mod verify;

pub use d365_common::{Category, Cloud, Secret, cloud};
pub use error::{DataverseError, Result};
/// The HTTP client the crate uses, for callers that pass one in.
pub use reqwest;
