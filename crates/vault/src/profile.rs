//! A connection profile: everything about a connection except its secrets.

use d365_common::{Category, CertificateInfo, Cloud};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// How the connection authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum ConnectionKind {
    /// An app registration with a client secret (client credentials).
    Org,
    /// An app registration with a certificate (client credentials with a signed assertion): org level too.
    Certificate,
    /// The user's own sign-in (authorization code + PKCE, or device code).
    User,
    /// A pasted access token.
    Bearer,
    /// The built-in sandbox.
    Sandbox,
}

impl ConnectionKind {
    /// The secrets this kind keeps in the keyring.
    pub fn secret_kinds(self) -> &'static [SecretKind] {
        match self {
            ConnectionKind::Org => &[SecretKind::ClientSecret],
            ConnectionKind::Certificate => &[SecretKind::CertificateKey],
            ConnectionKind::User => &[SecretKind::RefreshToken],
            ConnectionKind::Bearer => &[SecretKind::BearerToken],
            ConnectionKind::Sandbox => &[],
        }
    }

    /// An app registration's connection (client secret or certificate): needs a tenant and a client ID.
    pub fn is_app(self) -> bool {
        matches!(self, ConnectionKind::Org | ConnectionKind::Certificate)
    }
}

/// What a keyring entry holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    ClientSecret,
    RefreshToken,
    BearerToken,
    /// A certificate's private key, PKCS#8 DER (kept as bytes).
    CertificateKey,
}

impl SecretKind {
    pub const ALL: [SecretKind; 4] = [
        SecretKind::ClientSecret,
        SecretKind::RefreshToken,
        SecretKind::BearerToken,
        SecretKind::CertificateKey,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SecretKind::ClientSecret => "client_secret",
            SecretKind::RefreshToken => "refresh_token",
            SecretKind::BearerToken => "bearer_token",
            SecretKind::CertificateKey => "certificate_key",
        }
    }
}

/// The environment's purpose, shown as a colour everywhere the connection appears.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum EnvironmentTag {
    Dev,
    Test,
    Uat,
    Prod,
}

/// The last verification's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub ok: bool,
    /// The org and user on success, the diagnosis kind on failure.
    pub summary: String,
    /// The failure's category (files written before it was recorded have none; a category a newer version
    /// wrote and this one does not know reads as none, rather than the whole file as unreadable).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "known_category")]
    pub category: Option<Category>,
}

fn known_category<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Category>, D::Error> {
    let text = Option::<String>::deserialize(deserializer)?;
    Ok(text.and_then(|text| serde_json::from_value(serde_json::Value::String(text)).ok()))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub id: Uuid,
    pub name: String,
    pub kind: ConnectionKind,
    pub instance_url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default)]
    pub cloud: Cloud,
    /// A custom authority (the sandbox's, or one given explicitly).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<EnvironmentTag>,
    #[serde(default)]
    pub read_only: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created: OffsetDateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_verification: Option<Verification>,
    /// Whom a user connection signed in as (the token's `upn`), so that signing in again suggests it to
    /// the sign-in page (`login_hint`). A name, not a secret; profiles saved before it have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// A certificate connection's certificate: thumbprints, subject, validity (public; its key is in the
    /// keyring). Set once, when the connection is made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<CertificateInfo>,
}

/// What the caller gives to create a profile; id and creation time come from the vault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProfile {
    pub name: String,
    pub kind: ConnectionKind,
    pub instance_url: String,
    pub tenant: Option<String>,
    pub client_id: Option<String>,
    pub cloud: Cloud,
    pub authority: Option<String>,
    pub tag: Option<EnvironmentTag>,
    /// `None`: read-only by default for `prod`, writable otherwise.
    pub read_only: Option<bool>,
}

impl NewProfile {
    pub(crate) fn into_profile(self) -> Profile {
        let read_only = self.read_only.unwrap_or(self.tag == Some(EnvironmentTag::Prod));
        Profile {
            id: Uuid::new_v4(),
            name: self.name.trim().to_owned(),
            kind: self.kind,
            instance_url: self.instance_url,
            tenant: self.tenant,
            client_id: self.client_id,
            cloud: self.cloud,
            authority: self.authority,
            tag: self.tag,
            read_only,
            created: OffsetDateTime::now_utc(),
            last_verification: None,
            username: None,
            certificate: None,
        }
    }
}

/// What may change after creation: credentials never do (delete and recreate instead).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileEdit {
    pub name: Option<String>,
    pub tag: Option<Option<EnvironmentTag>>,
    pub read_only: Option<bool>,
}
