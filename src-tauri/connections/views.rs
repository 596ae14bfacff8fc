//! A saved connection as the list shows it: everything but its secrets.

use d365_vault::{ConnectionKind, EnvironmentTag, Profile};
use serde::{Deserialize, Serialize};
use specta::Type;

use super::CloudChoice;

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
    Verified {
        at: String,
        summary: String,
    },
    Failed {
        at: String,
        summary: String,
    },
    /// The last verification found the token or the sign-in expired: a user connection signs in again, a
    /// bearer one needs a fresh token.
    Expired {
        at: String,
        summary: String,
    },
}

/// Whether a failure's kind means "expired" (sign in again, or a fresh token), not "wrong".
pub fn is_expiry(kind: &str) -> bool {
    ["auth.sign_in_again", "auth.session_expired", "auth.token_expired", "input.token_expired"]
        .contains(&kind)
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
    pub cloud: CloudChoice,
    /// The sign-in authority when it is not the cloud's own (the sandbox's, a local server).
    pub authority: Option<String>,
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
            Some(v) if is_expiry(&v.summary) => {
                Status::Expired { at: rfc3339(v.at), summary: v.summary.clone() }
            }
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
            cloud: profile.cloud.into(),
            authority: profile.authority.clone(),
            status,
        }
    }
}
