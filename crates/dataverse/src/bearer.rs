//! A pasted access token: read (never trusted: the Web API checks it) to show whom it is for and until
//! when, and refused when it is for another environment or already expired.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;

use crate::error::{DataverseError, Result};
use crate::input::Instance;

/// Less time than this left, and a token is shown as about to expire.
pub const NEAR_EXPIRY: time::Duration = time::Duration::minutes(10);

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TokenFacts {
    /// The resource it was issued for (`aud`).
    pub audience: String,
    /// The person (`upn`/`preferred_username`/`unique_name`) or, for an app-only token, its client ID.
    pub subject: String,
    pub app_only: bool,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub expires: OffsetDateTime,
    /// From when it is shown as about to expire ([`NEAR_EXPIRY`] before `expires`).
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub warn_from: OffsetDateTime,
    pub tenant: Option<String>,
}

fn invalid(message: impl Into<String>, hint: &str) -> DataverseError {
    DataverseError::new("input.invalid_token", message, Some(hint.to_owned()))
}

/// Reads a token's claims without verifying it.
pub fn inspect(token: &str) -> Result<TokenFacts> {
    let token = token.trim().strip_prefix("Bearer ").unwrap_or(token.trim());
    let hint = "Paste the access token itself (three parts separated by dots), without quotes.";
    if token.len() > crate::input::MAX_TOKEN {
        return Err(invalid(
            format!("The text is {} bytes long: longer than any access token.", token.len()),
            hint,
        ));
    }
    let mut parts = token.split('.');
    let (Some(_), Some(payload), Some(_), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid("The token is not a JWT (three parts separated by dots).", hint));
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|_| invalid("The token's payload is not base64url.", hint))?;
    let claims: Value =
        serde_json::from_slice(&bytes).map_err(|_| invalid("The token's payload is not JSON.", hint))?;
    let text = |key: &str| claims.get(key).and_then(Value::as_str).map(str::to_owned);
    let audience = match claims.get("aud") {
        Some(Value::String(aud)) => aud.clone(),
        Some(Value::Array(auds)) => auds.first().and_then(Value::as_str).unwrap_or_default().to_owned(),
        _ => return Err(invalid("The token has no audience (aud).", hint)),
    };
    let exp = claims
        .get("exp")
        .and_then(Value::as_i64)
        .ok_or_else(|| invalid("The token has no expiry (exp).", hint))?;
    let expires = OffsetDateTime::from_unix_timestamp(exp)
        .map_err(|_| invalid("The token's expiry is out of range.", hint))?;
    let person = text("upn").or_else(|| text("preferred_username")).or_else(|| text("unique_name"));
    let app_only = person.is_none();
    let subject =
        person.or_else(|| text("appid")).or_else(|| text("azp")).unwrap_or_else(|| "unknown".into());
    Ok(TokenFacts {
        audience,
        subject,
        app_only,
        expires,
        warn_from: expires.checked_sub(NEAR_EXPIRY).unwrap_or(expires),
        tenant: text("tid"),
    })
}

/// The facts, if the token can be used for `instance` now.
pub fn usable_for(token: &str, instance: &Instance) -> Result<TokenFacts> {
    let facts = inspect(token)?;
    let resource = instance.resource();
    if !facts.audience.trim_end_matches('/').eq_ignore_ascii_case(&resource) {
        return Err(DataverseError::new(
            "input.token_audience",
            format!("The token is for {}, not for {resource}.", facts.audience),
            Some("Get a token with the scope <instance URL>/.default or <instance URL>/user_impersonation for this environment.".to_owned()),
        ));
    }
    if facts.expires <= OffsetDateTime::now_utc() {
        return Err(DataverseError::new(
            "input.token_expired",
            "The token has already expired.",
            Some("Get a fresh token and paste it again.".to_owned()),
        ));
    }
    Ok(facts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Cloud;

    fn jwt(claims: Value) -> String {
        format!("eyJhbGciOiJSUzI1NiJ9.{}.c2ln", URL_SAFE_NO_PAD.encode(claims.to_string()))
    }

    #[test]
    fn reads_whom_and_until_when() {
        let exp = OffsetDateTime::now_utc().unix_timestamp() + 600;
        let user = jwt(
            serde_json::json!({ "aud": "https://contoso.crm.dynamics.com", "exp": exp, "upn": "ann@contoso.com", "tid": "t" }),
        );
        let facts = inspect(&format!("Bearer {user}")).unwrap();
        assert_eq!(
            (facts.subject.as_str(), facts.app_only, facts.tenant.as_deref()),
            ("ann@contoso.com", false, Some("t"))
        );
        let app = jwt(
            serde_json::json!({ "aud": ["https://contoso.crm.dynamics.com/"], "exp": exp, "appid": "app-1" }),
        );
        let facts = inspect(&app).unwrap();
        assert!(facts.app_only && facts.subject == "app-1");
        let instance = crate::input::instance("contoso.crm.dynamics.com", Cloud::Public, false).unwrap();
        assert!(usable_for(&app, &instance).is_ok(), "a trailing slash on aud is the same resource");
    }

    #[test]
    fn refuses_other_environments_expired_tokens_and_garbage() {
        let instance = crate::input::instance("contoso.crm.dynamics.com", Cloud::Public, false).unwrap();
        let future = OffsetDateTime::now_utc().unix_timestamp() + 600;
        let other = jwt(serde_json::json!({ "aud": "https://fabrikam.crm.dynamics.com", "exp": future }));
        assert_eq!(usable_for(&other, &instance).unwrap_err().kind, "input.token_audience");
        let expired = jwt(serde_json::json!({ "aud": "https://contoso.crm.dynamics.com", "exp": 1_000 }));
        assert_eq!(usable_for(&expired, &instance).unwrap_err().kind, "input.token_expired");
        for garbage in ["", "abc", "a.b", "a.!!!.c", "a.e30.c", "a.b.c.d"] {
            assert_eq!(inspect(garbage).unwrap_err().kind, "input.invalid_token", "{garbage}");
        }
    }
}
