//! The user's saved connections, for the window: the state the window keeps between commands (the vault,
//! the sign-in under way). The types that cross to the UI are the core's own (`d365-connections`).

mod signin;

use d365_common::ErrorPayload;
use d365_connections::{
    BearerForm, CertificateView, ConnectionView, FieldProblem, OrgForm, SandboxEndpoint, VerifyOutcome,
};
use d365_dataverse::bearer::TokenFacts;
use d365_dataverse::verify::Step;
use d365_vault::{ConnectionKind, EnvironmentTag, Secret, Vault};
use tauri::ipc::Channel;

pub use signin::SignInResult;

/// A certificate connection saved, and what to tell the person (an unusual host, a certificate near its end).
#[derive(Debug, Clone, serde::Serialize, specta::Type)]
pub struct CertificateAdded {
    pub connection: ConnectionView,
    pub warnings: Vec<String>,
}

/// A certificate file is small; anything larger is not one (and is not read whole). The CLI's limit too.
const MAX_CERTIFICATE_FILE: u64 = d365_connections::MAX_CERTIFICATE_FILE;

/// The file the window names (picked in the Open dialog), read only if it can be a certificate file.
fn read_certificate(path: &str) -> Result<Vec<u8>, ErrorPayload> {
    let unreadable = |message: String| {
        ErrorPayload::from(
            d365_dataverse::DataverseError::new(
                "input.certificate_unreadable",
                message,
                Some("Pick the certificate file again (a .pem or .pfx).".to_owned()),
            )
            .on_field("Certificate"),
        )
    };
    // A regular file, read no further than the limit: a FIFO or a device reports no size and never ends.
    let metadata = std::fs::metadata(path).map_err(|e| unreadable(format!("{path} cannot be read: {e}")))?;
    if !metadata.is_file() {
        return Err(unreadable(format!("{path} is not a file")));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| {
            std::io::Read::read_to_end(&mut std::io::Read::take(file, MAX_CERTIFICATE_FILE + 1), &mut bytes)
        })
        .map_err(|e| unreadable(format!("{path} cannot be read: {e}")))?;
    if bytes.len() as u64 > MAX_CERTIFICATE_FILE {
        return Err(unreadable(format!("{path} is too large to be a certificate file")));
    }
    Ok(bytes)
}

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
        Ok(profiles.iter().map(|p| ConnectionView::from(p).waiting_in(&self.vault, p)).collect())
    }

    pub fn check_org(&self, form: OrgForm) -> Vec<FieldProblem> {
        d365_connections::check_org(&self.vault, &form)
    }

    pub fn add_org(&self, form: OrgForm, secret: Secret) -> Result<ConnectionView, ErrorPayload> {
        let (profile, _) = d365_connections::add_org(&self.vault, form, secret)?;
        Ok(ConnectionView::from(&profile))
    }

    /// A certificate file's facts (thumbprint, subject, validity, a warning near its end), or why it cannot
    /// be used. Only the file at `path` is read, and nothing is kept.
    pub fn inspect_certificate(
        &self,
        path: &str,
        password: Option<&Secret>,
    ) -> Result<CertificateView, ErrorPayload> {
        Ok(d365_connections::inspect_certificate(&read_certificate(path)?, password)?)
    }

    pub fn add_certificate(
        &self,
        form: OrgForm,
        path: &str,
        password: Option<&Secret>,
    ) -> Result<CertificateAdded, ErrorPayload> {
        let file = read_certificate(path)?;
        let (profile, warnings) = d365_connections::add_certificate(&self.vault, form, &file, password)?;
        Ok(CertificateAdded { connection: ConnectionView::from(&profile), warnings })
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
