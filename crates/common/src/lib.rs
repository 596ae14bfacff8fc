//! What every D365 Desk crate has in common, and nothing else: Microsoft's clouds, the [`Secret`] wrapper
//! that secrets travel in from the keyring to the wire, the error vocabulary the front ends branch on (an
//! error's [`Category`], and the [`ErrorPayload`] each crate's error becomes for a front end), and private,
//! atomic file writes ([`files`]).
//!
//! It depends on nothing of the product's, so that the vault (storage) and the client (HTTP) can share these
//! types without depending on each other.

pub mod certificate;
pub mod cloud;
pub mod error;
pub mod files;
#[cfg(feature = "specta")]
mod json;
pub mod secret;

pub use certificate::CertificateInfo;
pub use cloud::Cloud;
pub use error::{Category, ErrorPayload};
#[cfg(feature = "specta")]
pub use json::Json;
pub use secret::{Secret, SecretBytes};
