//! The user's saved connections, for the window: the state the window keeps between commands (the vault,
//! the sign-in under way). The types that cross to the UI are the core's own (`d365-connections`).

mod signin;

use d365_common::ErrorPayload;
use d365_connections::{BearerForm, ConnectionView, FieldProblem, OrgForm, SandboxEndpoint, VerifyOutcome};
use d365_dataverse::bearer::TokenFacts;
use d365_dataverse::verify::Step;
use d365_vault::{ConnectionKind, EnvironmentTag, Secret, Vault};
use tauri::ipc::Channel;

pub use signin::SignInResult;

/// Where the app keeps its connections (the same vault the `d365` CLI uses), and the sign-in under way.
pub struct ConnectionsService {
    pub vault: Vault,
    signing_in: signin::SignInState,
}

/// Each step of a verification, announced on the window's channel as it begins.
fn announce(progress: &Channel<Step>) -> impl Fn(Step) + Send + Sync + '_ {
    move |step| {
        let _ = progress.send(step);
    }
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

    pub fn check_org(&self, form: OrgForm) -> Vec<FieldProblem> {
        d365_connections::check_org(&self.vault, &form)
    }

    pub fn add_org(&self, form: OrgForm, secret: Secret) -> Result<ConnectionView, ErrorPayload> {
        let (profile, _) = d365_connections::add_org(&self.vault, form, secret)?;
        Ok(ConnectionView::from(&profile))
    }

    /// Whom a pasted token is for and until when, or why it cannot be used here. The token is not kept.
    pub fn inspect_bearer(&self, form: BearerForm, token: &Secret) -> Result<TokenFacts, ErrorPayload> {
        Ok(d365_connections::inspect_bearer(&form, token.expose())?)
    }

    pub fn add_bearer(&self, form: BearerForm, token: Secret) -> Result<ConnectionView, ErrorPayload> {
        let (profile, _) = d365_connections::add_bearer(&self.vault, form, token)?;
        Ok(ConnectionView::from(&profile))
    }

    pub async fn verify(
        &self,
        id: &str,
        sandbox: &crate::sandbox::SandboxService,
        progress: &Channel<Step>,
    ) -> Result<VerifyOutcome, ErrorPayload> {
        let profile = self.vault.get(id)?;
        let running: Option<SandboxEndpoint> = match profile.kind {
            ConnectionKind::Sandbox => Some(sandbox.endpoint().await?),
            _ => None,
        };
        let http = d365_dataverse::auth::http_client()?;
        let result =
            d365_connections::verify(&self.vault, &profile, http, running.as_ref(), &announce(progress))
                .await;
        Ok(VerifyOutcome::of(result)?)
    }

    /// The built-in Sandbox connection (not a saved one): started if need be, then verified, in one click.
    pub async fn verify_builtin_sandbox(
        &self,
        sandbox: &crate::sandbox::SandboxService,
        progress: &Channel<Step>,
    ) -> Result<VerifyOutcome, ErrorPayload> {
        let running = sandbox.endpoint().await?;
        let http = d365_dataverse::auth::http_client()?;
        Ok(VerifyOutcome::of(d365_connections::verify_sandbox(http, &running, &announce(progress)).await)?)
    }

    pub fn edit(
        &self,
        id: &str,
        name: String,
        tag: Option<EnvironmentTag>,
        read_only: bool,
    ) -> Result<ConnectionView, ErrorPayload> {
        let edit = d365_vault::ProfileEdit { name: Some(name), tag: Some(tag), read_only: Some(read_only) };
        Ok(ConnectionView::from(&self.vault.edit(id, edit)?))
    }

    pub fn delete(&self, id: &str) -> Result<Vec<String>, ErrorPayload> {
        Ok(self.vault.remove(id)?.map(|r| r.steps).unwrap_or_default())
    }
}
