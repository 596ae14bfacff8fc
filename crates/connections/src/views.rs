//! Saved connections and verifications as a front end shows them: everything but secrets, with the state
//! derived once here (verified, failed, expired) rather than in each front end.

use d365_common::{Category, ErrorPayload};
use d365_dataverse::verify::{Step, Verified};
use d365_vault::{Cloud, ConnectionKind, EnvironmentTag, Profile, SecretKind, Vault, Verification};
use serde::Serialize;
use time::OffsetDateTime;

use crate::error::ConnectionError;

/// The last verification, as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Status {
    Never,
    Verified {
        #[serde(with = "time::serde::rfc3339")]
        #[cfg_attr(feature = "specta", specta(type = String))]
        at: OffsetDateTime,
        summary: String,
    },
    Failed {
        #[serde(with = "time::serde::rfc3339")]
        #[cfg_attr(feature = "specta", specta(type = String))]
        at: OffsetDateTime,
        summary: String,
    },
    /// The token or the sign-in expired: a user connection signs in again, a bearer one needs a fresh token.
    Expired {
        #[serde(with = "time::serde::rfc3339")]
        #[cfg_attr(feature = "specta", specta(type = String))]
        at: OffsetDateTime,
        summary: String,
    },
}

impl Status {
    fn of(verification: Option<&Verification>) -> Self {
        let Some(v) = verification else { return Status::Never };
        let (at, summary) = (v.at, v.summary.clone());
        // Older files recorded no category; their summary is the failure's kind.
        let category = v.category.unwrap_or_else(|| d365_dataverse::error::category_of(&v.summary));
        match (v.ok, category) {
            (true, _) => Status::Verified { at, summary },
            (false, Category::Expired) => Status::Expired { at, summary },
            (false, _) => Status::Failed { at, summary },
        }
    }
}

/// One saved connection: everything but its secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ConnectionView {
    pub id: String,
    pub name: String,
    pub kind: ConnectionKind,
    pub tag: Option<EnvironmentTag>,
    pub read_only: bool,
    pub instance_url: String,
    /// The instance's host, to tell environments apart at a glance.
    pub host: String,
    pub tenant: Option<String>,
    pub client_id: Option<String>,
    pub cloud: Cloud,
    /// The sign-in authority when it is not the cloud's own (the sandbox's, a local server).
    pub authority: Option<String>,
    pub status: Status,
    /// A certificate connection's certificate (thumbprint, subject, validity) and a warning when it ends
    /// within 30 days. Absent for the other kinds.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(optional))]
    pub certificate: Option<crate::CertificateView>,
    /// The credential it still waits for (an imported connection, or a user connection whose sign-in was
    /// lost); absent when it has what it needs. Set by [`ConnectionView::waiting_in`].
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "specta", specta(optional))]
    pub waiting: Option<Waiting>,
}

/// What a connection waits for before it can be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Waiting {
    ClientSecret,
    Certificate,
    SignIn,
}

impl ConnectionView {
    /// This view with what the connection still lacks in the keyring (best effort: a keyring that cannot be
    /// asked leaves it unset, and verifying says why).
    pub fn waiting_in(mut self, vault: &Vault, profile: &Profile) -> Self {
        self.waiting = match vault.missing_credential(profile).ok().flatten() {
            Some(SecretKind::ClientSecret) => Some(Waiting::ClientSecret),
            Some(SecretKind::CertificateKey) => Some(Waiting::Certificate),
            Some(SecretKind::RefreshToken) => Some(Waiting::SignIn),
            // A pasted token that is gone is not waited for: the connection is added again.
            Some(SecretKind::BearerToken) | None => None,
        };
        self
    }
}

impl From<&Profile> for ConnectionView {
    fn from(profile: &Profile) -> Self {
        let host = url::Url::parse(&profile.instance_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_else(|| profile.instance_url.clone());
        Self {
            id: profile.id.to_string(),
            name: profile.name.clone(),
            kind: profile.kind,
            tag: profile.tag,
            read_only: profile.read_only,
            instance_url: profile.instance_url.clone(),
            host,
            tenant: profile.tenant.clone(),
            client_id: profile.client_id.clone(),
            cloud: profile.cloud,
            authority: profile.authority.clone(),
            status: Status::of(profile.last_verification.as_ref()),
            certificate: profile.certificate.as_ref().map(|info| crate::CertificateView {
                certificate: info.clone(),
                expiry_warning: d365_dataverse::certificate::warning_for(info),
            }),
            waiting: None,
        }
    }
}

/// A verification's result: what the environment said, or where it failed and what to do (the error's
/// category says whether signing in again is the fix).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum VerifyOutcome {
    Verified { report: Verified },
    Failed { step: Step, error: ErrorPayload },
}

impl VerifyOutcome {
    /// A failed step is an outcome to show, not an error: the diagnosis is the answer. Errors before any step
    /// (the vault) stay errors.
    pub fn of(result: crate::Result<Verified>) -> crate::Result<Self> {
        match result {
            Ok(report) => Ok(VerifyOutcome::Verified { report }),
            Err(ConnectionError::Verify { step, error }) => {
                Ok(VerifyOutcome::Failed { step, error: error.into() })
            }
            Err(other) => Err(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verification(ok: bool, summary: &str, category: Option<Category>) -> Verification {
        Verification { at: OffsetDateTime::UNIX_EPOCH, ok, summary: summary.into(), category }
    }

    #[test]
    fn an_expired_sign_in_is_its_own_state() {
        assert_eq!(Status::of(None), Status::Never);
        let at = OffsetDateTime::UNIX_EPOCH;
        assert_eq!(
            Status::of(Some(&verification(true, "Org as me", None))),
            Status::Verified { at, summary: "Org as me".into() }
        );
        let expired = verification(false, "auth.session_expired", Some(Category::Expired));
        assert_eq!(
            Status::of(Some(&expired)),
            Status::Expired { at, summary: "auth.session_expired".into() }
        );
        let wrong = verification(false, "auth.invalid_secret", Some(Category::Auth));
        assert_eq!(Status::of(Some(&wrong)), Status::Failed { at, summary: "auth.invalid_secret".into() });
        // A file from before categories were recorded: the kind decides.
        let old = verification(false, "auth.sign_in_again", None);
        assert!(matches!(Status::of(Some(&old)), Status::Expired { .. }));
    }

    #[test]
    fn a_failed_step_is_an_outcome_and_a_vault_error_stays_an_error() {
        let error = d365_dataverse::DataverseError::new("auth.session_expired", "expired", None);
        let outcome = VerifyOutcome::of(Err(ConnectionError::Verify { step: Step::Token, error }));
        match outcome.expect("an outcome") {
            VerifyOutcome::Failed { step, error } => {
                assert_eq!(step, Step::Token);
                assert_eq!(error.category, Category::Expired);
            }
            other => panic!("expected a failure, got {other:?}"),
        }
        let vault = ConnectionError::Vault(d365_vault::VaultError::NotFound("x".into()));
        assert!(VerifyOutcome::of(Err(vault)).is_err());
    }
}
