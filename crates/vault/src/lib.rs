//! The vault: where D365 Desk keeps connection profiles and their secrets.
//!
//! Belongs here: connection profiles as one schema-versioned JSON file in the OS config directory (atomic
//! writes, the previous version kept as a backup, a corrupt file reported rather than overwritten), and every
//! secret (client secrets, refresh tokens) in the OS keyring, one entry per profile and secret kind. There is
//! never a plaintext fallback: without a keyring an operation fails and says how to get one. Secrets travel in
//! a redacting wrapper so that no `Debug`, log line or error can print them.

pub mod error;
pub mod portable;
pub mod profile;
mod secrets;
mod store;
mod vault;

pub use d365_common::{CertificateInfo, Cloud, Secret, SecretBytes};
pub use error::{Result, VaultError};
pub use portable::{ImportReport, PortableProfile, Skipped};
pub use profile::{
    ConnectionKind, EnvironmentTag, NewProfile, Profile, ProfileEdit, SecretKind, Verification,
};
pub use secrets::SERVICE as KEYRING_SERVICE;
pub use store::FORMAT as PROFILES_FORMAT;
pub use vault::{Revocation, Vault, cache_dir, default_dir};
