//! Bearer connections: a token the person pasted, read to show whom it is for and until when, and kept in
//! the keyring until it expires. It cannot be renewed: a fresh one is pasted into a new connection.

use d365_dataverse::bearer::{self, TokenFacts};
use d365_dataverse::input;
use d365_vault::{Cloud as VaultCloud, ConnectionKind, EnvironmentTag, NewProfile, Profile, Secret, Vault};
use time::{Duration, OffsetDateTime};

use crate::error::Result;
use crate::open::client_cloud;

/// Less time than this left, and the token is shown as about to expire.
pub const NEAR_EXPIRY: Duration = Duration::minutes(10);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BearerForm {
    pub name: String,
    pub tag: Option<EnvironmentTag>,
    /// `None`: read-only for `prod`, writable otherwise.
    pub read_only: Option<bool>,
    pub instance_url: String,
    pub cloud: VaultCloud,
    pub allow_custom_host: bool,
}

/// Whom the token is for and until when, if it can be used for the form's instance now.
pub fn inspect_bearer(form: &BearerForm, token: &str) -> Result<TokenFacts> {
    let instance = input::instance(&form.instance_url, client_cloud(form.cloud), form.allow_custom_host)?;
    Ok(bearer::usable_for(token, &instance)?)
}

/// Whether the token has less than [`NEAR_EXPIRY`] left.
pub fn near_expiry(facts: &TokenFacts) -> bool {
    facts.expires - OffsetDateTime::now_utc() < NEAR_EXPIRY
}

/// Saves the connection with its token in the keyring.
pub fn add_bearer(vault: &Vault, form: BearerForm, token: Secret) -> Result<(Profile, TokenFacts)> {
    let instance = input::instance(&form.instance_url, client_cloud(form.cloud), form.allow_custom_host)?;
    let token = Secret::new(token.expose().trim().trim_start_matches("Bearer ").trim().to_owned());
    let facts = bearer::usable_for(token.expose(), &instance)?;
    let new = NewProfile {
        name: form.name,
        kind: ConnectionKind::Bearer,
        instance_url: instance.resource(),
        tenant: facts.tenant.clone(),
        client_id: None,
        cloud: form.cloud,
        authority: None,
        tag: form.tag,
        read_only: form.read_only,
    };
    Ok((vault.add(new, Some(token))?, facts))
}
