//! What a failed command sends to the UI.

use serde::Serialize;
use specta::Type;

/// The one error shape the UI sees: `kind` is a stable machine code the UI may branch on
/// (`auth.invalid_secret`, `vault.keyring_unavailable`, ...), `message` says what happened and `hint` what to
/// do about it, in the user's terms. Each crate's error type converts into this; none of the three fields
/// ever carries a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct ErrorPayload {
    pub kind: String,
    pub message: String,
    pub hint: Option<String>,
}

// Each crate's error, as the window sees it.
impl From<d365_dataverse::DataverseError> for ErrorPayload {
    fn from(error: d365_dataverse::DataverseError) -> Self {
        Self { kind: error.kind.to_owned(), message: error.message, hint: error.hint }
    }
}

impl From<d365_vault::VaultError> for ErrorPayload {
    fn from(error: d365_vault::VaultError) -> Self {
        Self { kind: error.kind().to_owned(), message: error.to_string(), hint: error.hint() }
    }
}

impl From<d365_connections::ConnectionError> for ErrorPayload {
    fn from(error: d365_connections::ConnectionError) -> Self {
        Self { kind: error.kind().to_owned(), message: error.to_string(), hint: error.hint() }
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorPayload;

    #[test]
    fn serializes_as_kind_message_hint() {
        let payload = ErrorPayload {
            kind: "vault.keyring_unavailable".into(),
            message: "No keyring is available.".into(),
            hint: Some("Unlock or install a Secret Service keyring.".into()),
        };
        let json = serde_json::to_value(&payload).expect("serializable");
        assert_eq!(
            json,
            serde_json::json!({
                "kind": "vault.keyring_unavailable",
                "message": "No keyring is available.",
                "hint": "Unlock or install a Secret Service keyring.",
            })
        );
    }
}
