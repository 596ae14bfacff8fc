//! The vault's one error type. Each error knows its stable `kind` (what the UI branches on) and a hint in
//! the user's terms. No variant ever carries a secret.

use std::path::PathBuf;

use d365_common::{Category, ErrorPayload};

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("No keyring is available to keep secrets in ({detail}).")]
    KeyringUnavailable { detail: String },
    #[error("The connections file {path} cannot be read: {detail}. It was left as it is.")]
    CorruptProfiles { path: PathBuf, detail: String },
    #[error("The connections file {path} was written by a newer D365 Desk (format {found}).")]
    NewerFormat { path: PathBuf, found: u32 },
    #[error("Could not {action} {path}: {source}")]
    Io { action: &'static str, path: PathBuf, source: std::io::Error },
    #[error("There is no connection named '{0}'.")]
    NotFound(String),
    #[error("A connection named '{0}' already exists.")]
    DuplicateName(String),
    #[error("{field}: {message}")]
    Invalid { field: &'static str, message: String },
    #[error("The keyring refused the operation: {0}")]
    Keyring(String),
}

pub type Result<T, E = VaultError> = std::result::Result<T, E>;

impl VaultError {
    /// The stable machine code the UI and the CLI branch on.
    pub fn kind(&self) -> &'static str {
        match self {
            VaultError::KeyringUnavailable { .. } => "vault.keyring_unavailable",
            VaultError::CorruptProfiles { .. } => "vault.corrupt_profiles",
            VaultError::NewerFormat { .. } => "vault.newer_format",
            VaultError::Io { .. } => "vault.io",
            VaultError::NotFound(_) => "vault.not_found",
            VaultError::DuplicateName(_) => "vault.duplicate_name",
            VaultError::Invalid { .. } => "vault.invalid_input",
            VaultError::Keyring(_) => "vault.keyring_error",
        }
    }

    pub fn category(&self) -> Category {
        match self {
            VaultError::NotFound(_) | VaultError::DuplicateName(_) | VaultError::Invalid { .. } => {
                Category::Input
            }
            VaultError::KeyringUnavailable { .. }
            | VaultError::CorruptProfiles { .. }
            | VaultError::NewerFormat { .. }
            | VaultError::Io { .. }
            | VaultError::Keyring(_) => Category::Local,
        }
    }

    /// What the user can do about it.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            VaultError::KeyringUnavailable { .. } => {
                "D365 Desk keeps secrets only in your system keyring and never in a file. On Linux, install and \
                 unlock a Secret Service keyring (GNOME Keyring or KWallet: log in to a desktop session, or run \
                 `gnome-keyring-daemon --unlock`); on macOS and Windows the keyring is built in."
                    .into()
            }
            VaultError::CorruptProfiles { path, .. } => format!(
                "Restore {0}.bak (the previous version) over {0}, or move the file away to start with no \
                 connections.",
                path.display()
            ),
            VaultError::NewerFormat { .. } => "Update D365 Desk to the latest version.".into(),
            VaultError::Io { .. } => "Check that the folder exists, is writable and the disk is not full.".into(),
            VaultError::NotFound(_) => "Check the name against the list of connections.".into(),
            VaultError::DuplicateName(_) => "Choose another name, or remove the existing connection first.".into(),
            VaultError::Invalid { .. } | VaultError::Keyring(_) => return None,
        })
    }
}

impl From<VaultError> for ErrorPayload {
    fn from(error: VaultError) -> Self {
        ErrorPayload::new(error.kind(), error.category(), error.to_string(), error.hint())
    }
}

/// Keyring failures that mean "there is no usable keyring" as opposed to "this entry has a problem".
pub(crate) fn from_keyring(err: keyring::Error) -> VaultError {
    match err {
        keyring::Error::NoStorageAccess(detail) | keyring::Error::PlatformFailure(detail) => {
            VaultError::KeyringUnavailable { detail: detail.to_string() }
        }
        keyring::Error::NoDefaultStore => {
            VaultError::KeyringUnavailable { detail: "no credential store".into() }
        }
        other => VaultError::Keyring(other.to_string()),
    }
}
