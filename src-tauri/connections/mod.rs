//! The user's saved connections as the window sees them: views without any secret, the new-connection form,
//! and what verifying one reports. The work is done by `d365-vault` and `d365-connections`.

mod forms;
mod signin;
mod verify;
mod views;

use d365_connections::ConnectionError;
use d365_dataverse::verify::Step;
use d365_vault::{ConnectionKind, EnvironmentTag, Vault};

pub use forms::{BearerForm, CloudChoice, FieldError, OrgForm, TokenFacts, UserForm};
pub use signin::{DiscoveredEnvironment, SignInChoice, SignInResult, SignInUpdate};
pub use verify::{VerifyOutcome, VerifyStep};
pub use views::{ConnectionView, Kind, Status, Tag};

use crate::error::ErrorPayload;

/// Where the app keeps its connections (the same vault the `d365` CLI uses), and the sign-in under way.
pub struct ConnectionsService {
    pub vault: Vault,
    signing_in: signin::SignInState,
}

impl ConnectionsService {
    pub fn new(vault: Vault) -> Self {
        Self { vault, signing_in: signin::SignInState::default() }
    }

    pub fn list(&self) -> Result<Vec<ConnectionView>, ErrorPayload> {
        let mut profiles = self.vault.list()?;
        profiles.sort_by_key(|p| p.name.to_lowercase());
        Ok(profiles.iter().map(ConnectionView::from).collect())
    }

    pub fn check_org(&self, form: OrgForm, secret: Option<&str>) -> Vec<FieldError> {
        d365_connections::check_org(&self.vault, &form.into(), secret)
            .into_iter()
            .map(FieldError::from)
            .collect()
    }

    pub fn add_org(&self, form: OrgForm, secret: String) -> Result<ConnectionView, ErrorPayload> {
        let (profile, _) =
            d365_connections::add_org(&self.vault, form.into(), d365_vault::Secret::new(secret))?;
        Ok(ConnectionView::from(&profile))
    }

    /// Whom a pasted token is for and until when, or why it cannot be used here. The token is not kept.
    pub fn inspect_bearer(&self, form: BearerForm, token: &str) -> Result<TokenFacts, ErrorPayload> {
        Ok(d365_connections::inspect_bearer(&form.into(), token)?.into())
    }

    pub fn add_bearer(&self, form: BearerForm, token: String) -> Result<ConnectionView, ErrorPayload> {
        let (profile, _) =
            d365_connections::add_bearer(&self.vault, form.into(), d365_vault::Secret::new(token))?;
        Ok(ConnectionView::from(&profile))
    }

    pub async fn verify(
        &self,
        id: &str,
        sandbox: &crate::sandbox::SandboxService,
        progress: &tauri::ipc::Channel<VerifyStep>,
    ) -> Result<VerifyOutcome, ErrorPayload> {
        let profile = self.vault.get(id)?;
        let running = match profile.kind {
            ConnectionKind::Sandbox => Some(sandbox.connection_info().await?),
            _ => None,
        };
        let http = d365_dataverse::auth::http_client()?;
        let starting = |step: Step| {
            let _ = progress.send(VerifyStep::from(step));
        };
        outcome(d365_connections::verify(&self.vault, &profile, http, running.as_ref(), &starting).await)
    }

    /// The built-in Sandbox connection (not a saved one): started if need be, then verified, in one click.
    pub async fn verify_builtin_sandbox(
        &self,
        sandbox: &crate::sandbox::SandboxService,
        progress: &tauri::ipc::Channel<VerifyStep>,
    ) -> Result<VerifyOutcome, ErrorPayload> {
        let running = sandbox.connection_info().await?;
        let http = d365_dataverse::auth::http_client()?;
        let starting = |step: Step| {
            let _ = progress.send(VerifyStep::from(step));
        };
        outcome(d365_connections::verify_sandbox(http, &running, &starting).await)
    }

    pub fn edit(
        &self,
        id: &str,
        name: String,
        tag: Option<Tag>,
        read_only: bool,
    ) -> Result<ConnectionView, ErrorPayload> {
        let edit = d365_vault::ProfileEdit {
            name: Some(name),
            tag: Some(tag.map(EnvironmentTag::from)),
            read_only: Some(read_only),
        };
        Ok(ConnectionView::from(&self.vault.edit(id, edit)?))
    }

    pub fn delete(&self, id: &str) -> Result<Vec<String>, ErrorPayload> {
        Ok(self.vault.remove(id)?.map(|r| r.steps).unwrap_or_default())
    }
}

/// A failed step is an outcome to show, not an error: the diagnosis is the answer.
fn outcome(
    result: d365_connections::Result<d365_dataverse::verify::Verified>,
) -> Result<VerifyOutcome, ErrorPayload> {
    match result {
        Ok(report) => Ok(VerifyOutcome::from(report)),
        Err(ConnectionError::Verify { step, error }) => {
            let expired = views::is_expiry(error.kind);
            Ok(VerifyOutcome::Failed { step: step.into(), error: error.into(), expired })
        }
        Err(other) => Err(other.into()),
    }
}
