//! The sandbox: a local Entra ID + Dataverse emulator, so D365 Desk runs, demos and tests without a tenant.
//!
//! Belongs here: one loopback HTTP server that plays both hosts — the identity provider under
//! `/<tenant-id>/...` (OpenID configuration, JWKS, sign-in and consent pages, token and device-code endpoints)
//! and the organisation under `/api/data/v9.2/` (metadata, OData queries, writes, `$batch`, change tracking,
//! service-protection limits) plus global discovery — with data in SQLite, seeded deterministically, and
//! configurable faults for reliability tests. It is started in-process by the app and the tests, and as the
//! `d365-sandbox` binary for anyone else. It must answer the way Microsoft's services do, errors included.
//!
//! ```no_run
//! # async fn example() -> d365_sandbox::Result<()> {
//! let sandbox = d365_sandbox::Sandbox::bind("127.0.0.1:0", Default::default()).await?;
//! println!("token endpoint: {}/oauth2/v2.0/token", sandbox.info().authority);
//! sandbox.shutdown().await
//! # }
//! ```

pub mod data;
pub mod directory;
pub mod error;
pub mod faults;
pub mod identity;
pub mod limits;
pub mod odata;
pub mod org;
pub mod server;
pub mod state;
pub mod tls;

pub use data::store::Storage;
pub use error::{Result, SandboxError};
pub use faults::{Fault, FaultKind};
pub use limits::Limits;
pub use server::{ConnectionInfo, Sandbox};
pub use state::{SandboxOptions, ViewPaging};
