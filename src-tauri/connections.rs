//! The user's saved connections as the window sees them: views without any secret, the new-connection form,
//! and what verifying one reports. The work is done by `d365-vault` and `d365-connections`.

use d365_connections::{ConnectionError, FieldProblem};
use d365_dataverse::verify::{Step, Verified};
use d365_vault::{Cloud, ConnectionKind, EnvironmentTag, Profile, Vault};
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::error::ErrorPayload;

/// Where the app keeps its connections (the same vault the `d365` CLI uses).
pub struct ConnectionsService {
    pub vault: Vault,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Org,
    User,
    Bearer,
    Sandbox,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum Tag {
    Dev,
    Test,
    Uat,
    Prod,
}

impl From<EnvironmentTag> for Tag {
    fn from(tag: EnvironmentTag) -> Self {
        match tag {
            EnvironmentTag::Dev => Tag::Dev,
            EnvironmentTag::Test => Tag::Test,
            EnvironmentTag::Uat => Tag::Uat,
            EnvironmentTag::Prod => Tag::Prod,
        }
    }
}

impl From<Tag> for EnvironmentTag {
    fn from(tag: Tag) -> Self {
        match tag {
            Tag::Dev => EnvironmentTag::Dev,
            Tag::Test => EnvironmentTag::Test,
            Tag::Uat => EnvironmentTag::Uat,
            Tag::Prod => EnvironmentTag::Prod,
        }
    }
}

/// The last verification, as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum Status {
    Never,
    Verified { at: String, summary: String },
    Failed { at: String, summary: String },
}

/// One connection in the list: everything but its secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionView {
    pub id: String,
    pub name: String,
    pub kind: Kind,
    pub tag: Option<Tag>,
    pub read_only: bool,
    pub instance_url: String,
    pub host: String,
    pub tenant: Option<String>,
    pub client_id: Option<String>,
    pub status: Status,
}

fn rfc3339(at: time::OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

impl From<&Profile> for ConnectionView {
    fn from(profile: &Profile) -> Self {
        let host = url::Url::parse(&profile.instance_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_else(|| profile.instance_url.clone());
        let status = match &profile.last_verification {
            None => Status::Never,
            Some(v) if v.ok => Status::Verified { at: rfc3339(v.at), summary: v.summary.clone() },
            Some(v) => Status::Failed { at: rfc3339(v.at), summary: v.summary.clone() },
        };
        Self {
            id: profile.id.to_string(),
            name: profile.name.clone(),
            kind: match profile.kind {
                ConnectionKind::Org => Kind::Org,
                ConnectionKind::User => Kind::User,
                ConnectionKind::Bearer => Kind::Bearer,
                ConnectionKind::Sandbox => Kind::Sandbox,
            },
            tag: profile.tag.map(Tag::from),
            read_only: profile.read_only,
            instance_url: profile.instance_url.clone(),
            host,
            tenant: profile.tenant.clone(),
            client_id: profile.client_id.clone(),
            status,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum CloudChoice {
    Public,
    Gcc,
    GccHigh,
    Dod,
    China,
}

/// The org-level form, as typed. The client secret is a separate argument: it goes in, nothing comes out.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct OrgForm {
    pub name: String,
    pub tag: Option<Tag>,
    pub read_only: bool,
    pub instance_url: String,
    pub tenant: String,
    pub client_id: String,
    pub cloud: CloudChoice,
    /// Another sign-in authority (the sandbox's, or a server the user runs).
    pub authority: Option<String>,
}

impl From<OrgForm> for d365_connections::OrgForm {
    fn from(form: OrgForm) -> Self {
        Self {
            name: form.name,
            tag: form.tag.map(EnvironmentTag::from),
            read_only: Some(form.read_only),
            instance_url: form.instance_url,
            tenant: form.tenant,
            client_id: form.client_id,
            cloud: match form.cloud {
                CloudChoice::Public => Cloud::Public,
                CloudChoice::Gcc => Cloud::Gcc,
                CloudChoice::GccHigh => Cloud::GccHigh,
                CloudChoice::Dod => Cloud::Dod,
                CloudChoice::China => Cloud::China,
            },
            authority: form.authority,
            allow_custom_host: false,
            allow_custom_authority: false,
        }
    }
}

/// What is wrong with one field of the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct FieldError {
    /// `name`, `instanceUrl`, `tenant`, `clientId`, `clientSecret` or `authority`.
    pub field: String,
    pub message: String,
    pub hint: Option<String>,
}

impl From<FieldProblem> for FieldError {
    fn from(problem: FieldProblem) -> Self {
        let field = match problem.field {
            "instance_url" => "instanceUrl",
            "client_id" => "clientId",
            "client_secret" => "clientSecret",
            other => other,
        };
        // The core says "Tenant: it is empty"; beside the field, the field's name is already there.
        let message = match problem.error.message.split_once(": ") {
            Some((_, rest)) if !rest.is_empty() => capitalise(rest),
            _ => problem.error.message,
        };
        Self { field: field.to_owned(), message, hint: problem.error.hint }
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum VerifyStep {
    Token,
    WhoAmI,
    Organization,
}

impl From<Step> for VerifyStep {
    fn from(step: Step) -> Self {
        match step {
            Step::Token => VerifyStep::Token,
            Step::WhoAmI => VerifyStep::WhoAmI,
            Step::Organization => VerifyStep::Organization,
        }
    }
}

/// A verification's result: what the environment said, or where it failed and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(tag = "outcome", rename_all = "camelCase")]
pub enum VerifyOutcome {
    #[serde(rename_all = "camelCase")]
    Verified {
        organization_name: String,
        user_id: String,
        version: String,
        token_expires: String,
        elapsed_ms: u32,
        dop_hint: Option<u32>,
    },
    Failed {
        step: VerifyStep,
        error: ErrorPayload,
    },
}

impl From<Verified> for VerifyOutcome {
    fn from(report: Verified) -> Self {
        VerifyOutcome::Verified {
            organization_name: report.organization_name,
            user_id: report.user_id,
            version: report.version,
            token_expires: report.token_expires,
            elapsed_ms: u32::try_from(report.elapsed_ms).unwrap_or(u32::MAX),
            dop_hint: report.dop_hint,
        }
    }
}

impl ConnectionsService {
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
        match d365_connections::verify(&self.vault, &profile, http, running.as_ref(), &starting).await {
            Ok(report) => Ok(VerifyOutcome::from(report)),
            Err(ConnectionError::Verify { step, error }) => {
                Ok(VerifyOutcome::Failed { step: step.into(), error: error.into() })
            }
            Err(other) => Err(other.into()),
        }
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
