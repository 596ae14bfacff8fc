//! The new-connection forms as typed, and what is wrong with a field. Secrets and tokens travel as separate
//! arguments: they go in, nothing comes out.

use d365_connections::FieldProblem;
use d365_vault::{Cloud, EnvironmentTag};
use serde::{Deserialize, Serialize};
use specta::Type;

use super::Tag;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum CloudChoice {
    Public,
    Gcc,
    GccHigh,
    Dod,
    China,
}

impl From<CloudChoice> for Cloud {
    fn from(cloud: CloudChoice) -> Self {
        match cloud {
            CloudChoice::Public => Cloud::Public,
            CloudChoice::Gcc => Cloud::Gcc,
            CloudChoice::GccHigh => Cloud::GccHigh,
            CloudChoice::Dod => Cloud::Dod,
            CloudChoice::China => Cloud::China,
        }
    }
}

impl From<Cloud> for CloudChoice {
    fn from(cloud: Cloud) -> Self {
        match cloud {
            Cloud::Public => CloudChoice::Public,
            Cloud::Gcc => CloudChoice::Gcc,
            Cloud::GccHigh => CloudChoice::GccHigh,
            Cloud::Dod => CloudChoice::Dod,
            Cloud::China => CloudChoice::China,
        }
    }
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
            cloud: form.cloud.into(),
            authority: form.authority,
            allow_custom_host: false,
            allow_custom_authority: false,
        }
    }
}

/// The user-level form, as typed. The instance may stay empty when the environments are discovered after
/// the sign-in; tenant and client ID may stay empty for their defaults (`organizations`, Microsoft's sample
/// client).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct UserForm {
    pub name: String,
    pub tag: Option<Tag>,
    pub read_only: bool,
    pub instance_url: String,
    pub tenant: String,
    pub client_id: String,
    pub cloud: CloudChoice,
    pub authority: Option<String>,
}

impl From<UserForm> for d365_connections::UserForm {
    fn from(form: UserForm) -> Self {
        Self {
            name: form.name,
            tag: form.tag.map(EnvironmentTag::from),
            read_only: Some(form.read_only),
            instance_url: form.instance_url,
            tenant: form.tenant,
            client_id: form.client_id,
            cloud: form.cloud.into(),
            authority: form.authority,
            allow_custom_host: false,
            allow_custom_authority: false,
        }
    }
}

/// The bearer form, as typed. The token is a separate argument.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct BearerForm {
    pub name: String,
    pub tag: Option<Tag>,
    pub read_only: bool,
    pub instance_url: String,
    pub cloud: CloudChoice,
}

impl From<BearerForm> for d365_connections::BearerForm {
    fn from(form: BearerForm) -> Self {
        Self {
            name: form.name,
            tag: form.tag.map(EnvironmentTag::from),
            read_only: Some(form.read_only),
            instance_url: form.instance_url,
            cloud: form.cloud.into(),
            allow_custom_host: false,
        }
    }
}

/// What a pasted token says about itself (never the token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TokenFacts {
    /// The person, or for an app-only token its client ID.
    pub subject: String,
    pub app_only: bool,
    /// RFC 3339.
    pub expires: String,
    /// Less than ten minutes left.
    pub near_expiry: bool,
}

impl From<d365_dataverse::bearer::TokenFacts> for TokenFacts {
    fn from(facts: d365_dataverse::bearer::TokenFacts) -> Self {
        Self {
            near_expiry: d365_connections::near_expiry(&facts),
            subject: facts.subject,
            app_only: facts.app_only,
            expires: facts.expires.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
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
