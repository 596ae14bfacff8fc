//! Bearer connections: a token the person pasted, read to show whom it is for and until when, and kept in
//! the keyring until it expires. It cannot be renewed: a fresh one is pasted into a new connection.

use d365_dataverse::bearer::{self, TokenFacts};
use d365_dataverse::input;
use d365_vault::{Cloud, ConnectionKind, EnvironmentTag, NewProfile, Profile, Secret, Vault};
use serde::Deserialize;
use time::OffsetDateTime;

use crate::error::Result;

/// The pasted-token form. The token travels separately.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BearerForm {
    pub name: String,
    pub tag: Option<EnvironmentTag>,
    /// `None`: read-only for `prod`, writable otherwise.
    pub read_only: Option<bool>,
    pub instance_url: String,
    pub cloud: Cloud,
    /// The CLI's: a form in the window cannot set it.
    #[serde(skip)]
    pub allow_custom_host: bool,
}

/// Whom the token is for and until when, if it can be used for the form's instance now.
pub fn inspect_bearer(form: &BearerForm, token: &str) -> Result<TokenFacts> {
    let instance = input::instance(&form.instance_url, form.cloud, form.allow_custom_host)?;
    Ok(bearer::usable_for(token, &instance)?)
}

/// Whether the token is about to expire (see `TokenFacts::warn_from`).
pub fn near_expiry(facts: &TokenFacts) -> bool {
    OffsetDateTime::now_utc() >= facts.warn_from
}

/// Saves the connection with its token in the keyring.
pub fn add_bearer(vault: &Vault, form: BearerForm, token: Secret) -> Result<(Profile, TokenFacts)> {
    let instance = input::instance(&form.instance_url, form.cloud, form.allow_custom_host)?;
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

#[cfg(test)]
mod tests {
    use d365_dataverse::bearer::TokenFacts;
    use time::{Duration, OffsetDateTime};

    use super::near_expiry;

    fn facts(warn_in: Duration) -> TokenFacts {
        let now = OffsetDateTime::now_utc();
        TokenFacts {
            audience: "https://contoso.crm.dynamics.com".into(),
            subject: "me".into(),
            app_only: false,
            expires: now + warn_in + Duration::minutes(10),
            warn_from: now + warn_in,
            tenant: None,
        }
    }

    #[test]
    fn a_token_is_near_expiry_from_its_warning_on() {
        assert!(!near_expiry(&facts(Duration::minutes(5))), "the warning is still ahead");
        assert!(near_expiry(&facts(Duration::minutes(-1))), "the warning has begun");
    }
}
