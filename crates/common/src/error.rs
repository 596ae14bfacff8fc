//! The error vocabulary shared by every crate: what kind of failure an error is ([`Category`]), and the one
//! shape a front end receives ([`ErrorPayload`]).
//!
//! Each crate keeps its own error type with a stable `kind` (`auth.invalid_secret`, `vault.not_found`, ...)
//! and puts it in a category where it is made. Front ends branch on the category only: the CLI's exit codes,
//! the window's "expired, sign in again" state, whether a grid shows a countdown or an error.

use serde::{Deserialize, Serialize};

/// What kind of failure an error is, in terms of what the person can do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// What was typed or asked for is wrong: a field, a name, a query, a value.
    Input,
    /// Signing in or access was refused: wrong credentials, missing rights, no consent.
    Auth,
    /// The sign-in or token expired: signing in again (or a fresh token) is the fix.
    Expired,
    /// The record or resource does not exist.
    NotFound,
    /// Someone changed the record since it was read.
    Conflict,
    /// Dataverse's service protection asked to wait, beyond what retries could absorb.
    Throttled,
    /// A write on a connection marked read-only.
    ReadOnly,
    /// The network: DNS, TLS, a refused or broken connection, a timeout.
    Network,
    /// The server failed or answered something that is not what Dataverse or Entra ID says.
    Server,
    /// This machine: the keyring, a file, a folder, the local sandbox.
    Local,
    /// The person gave up (a cancelled sign-in): nothing to fix.
    Cancelled,
    /// Anything else.
    Other,
}

/// The one error shape a front end receives: `kind` is the stable code of the crate's error, `category` what
/// to branch on, `message` what happened and `hint` what to do, in the user's terms (a front end may add its
/// own "how": a CLI command, a button). `column` is the column a refused value concerns, so a form can show
/// the message beside its field; `details` are facts to copy into a support request. Nothing here ever holds
/// a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ErrorPayload {
    pub kind: String,
    pub category: Category,
    pub message: String,
    pub hint: Option<String>,
    pub column: Option<String>,
    pub details: Option<String>,
}

impl ErrorPayload {
    pub fn new(kind: &str, category: Category, message: impl Into<String>, hint: Option<String>) -> Self {
        Self { kind: kind.to_owned(), category, message: message.into(), hint, column: None, details: None }
    }
}

impl std::fmt::Display for ErrorPayload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ErrorPayload {}

#[cfg(test)]
mod tests {
    use super::{Category, ErrorPayload};

    #[test]
    fn serializes_with_every_field_named_for_the_front_end() {
        let mut payload = ErrorPayload::new(
            "input.too_long",
            Category::Input,
            "The value is too long.",
            Some("Shorten it to 100 characters.".into()),
        );
        payload.column = Some("name".into());
        let json = serde_json::to_value(&payload).expect("serializable");
        assert_eq!(
            json,
            serde_json::json!({
                "kind": "input.too_long",
                "category": "input",
                "message": "The value is too long.",
                "hint": "Shorten it to 100 characters.",
                "column": "name",
                "details": null,
            })
        );
        assert_eq!(serde_json::to_value(Category::NotFound).expect("serializable"), "not_found");
        assert_eq!(serde_json::to_value(Category::ReadOnly).expect("serializable"), "read_only");
    }
}
