//! The crate's one error: the vault's or the client's, kept whole so their kinds and hints reach the user.

use d365_common::{Category, ErrorPayload};
use d365_dataverse::DataverseError;
use d365_dataverse::verify::Step;
use d365_vault::VaultError;

#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error(transparent)]
    Dataverse(#[from] DataverseError),
    /// A verification that failed at a step (token, WhoAmI, organization).
    #[error("{error}")]
    Verify { step: Step, error: DataverseError },
}

pub type Result<T, E = ConnectionError> = std::result::Result<T, E>;

impl ConnectionError {
    pub fn kind(&self) -> &'static str {
        match self {
            ConnectionError::Vault(e) => e.kind(),
            ConnectionError::Dataverse(e) | ConnectionError::Verify { error: e, .. } => e.kind,
        }
    }

    pub fn category(&self) -> Category {
        match self {
            ConnectionError::Vault(e) => e.category(),
            ConnectionError::Dataverse(e) | ConnectionError::Verify { error: e, .. } => e.category,
        }
    }

    pub fn hint(&self) -> Option<String> {
        match self {
            ConnectionError::Vault(e) => e.hint(),
            ConnectionError::Dataverse(e) | ConnectionError::Verify { error: e, .. } => e.hint.clone(),
        }
    }

    pub fn step(&self) -> Option<Step> {
        match self {
            ConnectionError::Verify { step, .. } => Some(*step),
            _ => None,
        }
    }
}

impl From<ConnectionError> for ErrorPayload {
    fn from(error: ConnectionError) -> Self {
        match error {
            ConnectionError::Vault(e) => e.into(),
            ConnectionError::Dataverse(e) | ConnectionError::Verify { error: e, .. } => e.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use d365_common::Category;
    use d365_dataverse::DataverseError;
    use d365_dataverse::verify::Step;
    use d365_vault::VaultError;

    use super::ConnectionError;

    #[test]
    fn each_kind_of_error_keeps_its_kind_hint_category_and_step() {
        let vault = ConnectionError::Vault(VaultError::DuplicateName("Dev".into()));
        assert_eq!(
            (vault.kind(), vault.category(), vault.step()),
            ("vault.duplicate_name", Category::Input, None)
        );
        assert!(vault.hint().is_some_and(|h| h.contains("another name")), "{:?}", vault.hint());

        let refused =
            DataverseError::new("auth.invalid_secret", "Wrong.", Some("Copy the Value.".to_owned()));
        let client = ConnectionError::Dataverse(refused.clone());
        assert_eq!(
            (client.kind(), client.category(), client.step()),
            ("auth.invalid_secret", Category::Auth, None)
        );
        assert_eq!(client.hint().as_deref(), Some("Copy the Value."));

        let verify = ConnectionError::Verify { step: Step::WhoAmI, error: refused };
        assert_eq!((verify.kind(), verify.step()), ("auth.invalid_secret", Some(Step::WhoAmI)));
        assert_eq!(verify.hint().as_deref(), Some("Copy the Value."));
        let payload = d365_common::ErrorPayload::from(verify);
        assert_eq!((payload.kind.as_str(), payload.category), ("auth.invalid_secret", Category::Auth));
    }
}
