//! What users paste, normalised, with a specific message for each mistake: the instance URL (org URL or
//! full Web API URL), the tenant, the client ID and the secret, and the authority they add up to.

use url::Url;
use uuid::Uuid;

use crate::cloud::Cloud;
use crate::error::{DataverseError, Result};

/// A normalised org URL (`https://contoso.crm.dynamics.com`), and a warning the user may accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    pub url: Url,
    pub warning: Option<String>,
}

impl Instance {
    /// `https://contoso.crm.dynamics.com`, no trailing slash: the resource tokens are requested for.
    pub fn resource(&self) -> String {
        self.url.as_str().trim_end_matches('/').to_owned()
    }

    pub fn web_api(&self) -> String {
        format!("{}/api/data/v9.2/", self.resource())
    }
}

fn input_error(field: &'static str, message: impl Into<String>, hint: impl Into<String>) -> DataverseError {
    DataverseError::new("input.invalid", message, Some(hint.into())).on_field(field)
}

/// Whether `host` is this machine: an IP address in 127.0.0.0/8 or `::1`, or exactly `localhost`. A name that
/// merely starts with `127.` (`127.attacker.example`) is not.
pub fn is_loopback(host: &str) -> bool {
    let bare = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    match bare.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}

/// The longest host name DNS allows.
const MAX_HOST: usize = 253;
/// Longer than any secret Entra issues (40 characters) or token a person pastes: anything beyond is not one.
pub const MAX_SECRET: usize = 1024;
pub const MAX_TOKEN: usize = 64 * 1024;

/// What every URL a person types must be: `https` (or `http` to this machine), a host of sane length, and no
/// user name or password in it (it would be kept and sent as typed).
fn checked_url(field: &'static str, text: &str, parsed: &Url, hint: &str) -> Result<()> {
    let host = parsed.host_str().unwrap_or_default();
    if host.is_empty() {
        return Err(input_error(field, format!("'{}' has no host", excerpt(text)), hint));
    }
    if host.len() > MAX_HOST {
        return Err(input_error(
            field,
            format!("the host name is {} characters long (at most {MAX_HOST})", host.len()),
            hint,
        ));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(input_error(field, "it holds a user name or password; leave them out", hint));
    }
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(host) => Ok(()),
        "http" => Err(input_error(
            field,
            "http is only allowed for a local server (127.0.0.1 or localhost)",
            "Use https://",
        )),
        other => Err(input_error(field, format!("'{other}' is not http or https"), hint)),
    }
}

/// At most 80 characters of what was typed, for a message (a pasted 100 KB value is not echoed back).
pub fn excerpt(text: &str) -> String {
    match text.char_indices().nth(80) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// Accepts `contoso.crm.dynamics.com`, `https://contoso.crm.dynamics.com/`, or the Web API URL
/// `https://contoso.api.crm.dynamics.com/api/data/v9.2/`; `http` only for loopback hosts (the sandbox).
/// A host that is not a Dynamics org of `cloud` is refused unless `allow_other_host`, then warned about.
pub fn instance(text: &str, cloud: Cloud, allow_other_host: bool) -> Result<Instance> {
    let text = text.trim();
    let hint = "Copy it from Power Platform admin center → Environments → your environment → Environment URL, \
                e.g. https://contoso.crm.dynamics.com";
    if text.is_empty() {
        return Err(input_error("Instance URL", "it is empty", hint));
    }
    let with_scheme = if text.contains("://") { text.to_owned() } else { format!("https://{text}") };
    let parsed = Url::parse(&with_scheme)
        .map_err(|e| input_error("Instance URL", format!("'{}' is not a URL ({e})", excerpt(text)), hint))?;
    checked_url("Instance URL", text, &parsed, hint)?;
    let host = parsed.host_str().unwrap_or_default().to_ascii_lowercase();
    let loopback = is_loopback(&host);
    let path = parsed.path().trim_end_matches('/');
    if !(path.is_empty() || path.starts_with("/api/data")) {
        return Err(input_error("Instance URL", format!("unexpected path '{path}'"), hint));
    }
    // The Web API host `<org>.api.crm.dynamics.com` belongs to the org `<org>.crm.dynamics.com`.
    let org_host = match host.split_once(".api.") {
        Some((org, rest)) if Cloud::of_org_host(&host).is_some() => format!("{org}.{rest}"),
        _ => host.clone(),
    };
    let warning = if loopback || cloud.is_org_host(&org_host) {
        None
    } else if let Some(other) = Cloud::of_org_host(&org_host) {
        return Err(input_error(
            "Instance URL",
            format!("{org_host} is in the {other:?} cloud, not {cloud:?}"),
            "Choose the cloud the environment is in.",
        ));
    } else if allow_other_host {
        Some(format!("{org_host} is not a Dynamics 365 domain; continuing because you allowed it."))
    } else {
        return Err(DataverseError::new(
            "input.unknown_host",
            format!("{org_host} is not a Dynamics 365 / Dataverse domain."),
            Some("Check the URL. If it really is a Dataverse environment behind a custom domain, allow it explicitly.".to_owned()),
        )
        .on_field("Instance URL"));
    };
    let mut url = parsed.clone();
    url.set_path("");
    url.set_query(None);
    url.set_fragment(None);
    if !loopback {
        let _ = url.set_host(Some(&org_host));
    }
    Ok(Instance { url, warning })
}

/// A tenant ID (GUID) or verified domain (`contoso.onmicrosoft.com`); `organizations`/`common` for user
/// sign-in.
pub fn tenant(text: &str) -> Result<String> {
    let text = text.trim();
    let hint = "Copy the Directory (tenant) ID from Azure portal → Microsoft Entra ID → Overview, or use a verified domain such as contoso.onmicrosoft.com.";
    if let Ok(id) = Uuid::try_parse(text) {
        return Ok(id.to_string());
    }
    let is_domain = text.contains('.')
        && !text.starts_with('.')
        && !text.ends_with('.')
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    if is_domain || matches!(text, "organizations" | "common") {
        Ok(text.to_ascii_lowercase())
    } else if text.is_empty() {
        Err(input_error("Tenant", "it is empty", hint))
    } else {
        Err(input_error("Tenant", format!("'{}' is neither a GUID nor a domain", excerpt(text)), hint))
    }
}

/// The tenant of an app registration (a client secret or certificate): its ID or domain. The multi-tenant
/// aliases name no tenant, and Entra refuses the client-credentials grant on them (AADSTS50059).
pub fn app_tenant(text: &str) -> Result<String> {
    let trimmed = text.trim();
    if ["common", "organizations", "consumers"].iter().any(|alias| trimmed.eq_ignore_ascii_case(alias)) {
        return Err(input_error(
            "Tenant",
            format!(
                "'{}' names no tenant: an app registration signs in to its own tenant: give the tenant ID or \
                 domain",
                trimmed.to_ascii_lowercase()
            ),
            "Copy the Directory (tenant) ID from Azure portal → Microsoft Entra ID → Overview, or use a verified domain such as contoso.onmicrosoft.com.",
        ));
    }
    tenant(text)
}

pub fn client_id(text: &str) -> Result<String> {
    Uuid::try_parse(text.trim()).map(|id| id.to_string()).map_err(|_| {
        input_error(
            "Client ID",
            format!("'{}' is not a GUID", excerpt(text.trim())),
            "Copy the Application (client) ID from the app registration's Overview page.",
        )
    })
}

/// A client secret as pasted: not empty, no spaces around it, and not the secret's ID.
pub fn client_secret(text: &str) -> Result<()> {
    if text.is_empty() {
        return Err(input_error("Client secret", "it is empty", "Paste the secret's Value."));
    }
    if text.chars().count() > MAX_SECRET {
        return Err(input_error(
            "Client secret",
            format!("it is {} characters long; a client secret has about 40", text.chars().count()),
            "Paste the secret's Value, and only that.",
        ));
    }
    if text.trim() != text {
        return Err(input_error(
            "Client secret",
            "it has spaces or line breaks around it",
            "Paste the secret's Value exactly.",
        ));
    }
    if Uuid::try_parse(text).is_ok() {
        return Err(input_error(
            "Client secret",
            "this looks like the secret's ID, not its value",
            "In Certificates & secrets, copy the Value column (shown only right after creating the secret).",
        ));
    }
    Ok(())
}

/// The authority to sign in with: the cloud's for `tenant`, or a custom one, which must be a loopback
/// server (the sandbox) unless `allow_custom` is set.
pub fn authority(cloud: Cloud, tenant: &str, custom: Option<&str>, allow_custom: bool) -> Result<String> {
    let Some(custom) = custom else {
        return Ok(format!("https://{}/{tenant}", cloud.authority_host()));
    };
    let hint = "e.g. https://login.microsoftonline.com/<tenant>";
    let url = Url::parse(custom.trim())
        .map_err(|e| input_error("Authority", format!("'{}' is not a URL ({e})", excerpt(custom)), hint))?;
    // Checked before the allow flag: even an allowed custom authority is https (or this machine's http).
    checked_url("Authority", custom, &url, hint)?;
    let host = url.host_str().unwrap_or_default();
    if !(is_loopback(host) || allow_custom) {
        return Err(DataverseError::new(
            "input.custom_authority",
            format!("{host} is not Microsoft's sign-in service."),
            Some(
                "A custom authority is accepted for a local server only, unless you allow it explicitly."
                    .to_owned(),
            ),
        )
        .on_field("Authority"));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_urls_in_every_spelling() {
        for text in [
            "contoso.crm4.dynamics.com",
            "https://contoso.crm4.dynamics.com",
            "https://contoso.crm4.dynamics.com/",
            "  https://CONTOSO.crm4.dynamics.com//  ",
            "https://contoso.api.crm4.dynamics.com/api/data/v9.2/",
        ] {
            let instance = instance(text, Cloud::Public, false).unwrap();
            assert_eq!(instance.resource(), "https://contoso.crm4.dynamics.com", "{text}");
            assert_eq!(instance.web_api(), "https://contoso.crm4.dynamics.com/api/data/v9.2/");
        }
        assert_eq!(
            instance("http://127.0.0.1:5555/", Cloud::Public, false).unwrap().resource(),
            "http://127.0.0.1:5555"
        );
    }

    #[test]
    fn instance_url_mistakes_are_named() {
        assert!(
            instance("http://contoso.crm.dynamics.com", Cloud::Public, false)
                .unwrap_err()
                .message
                .contains("http is only allowed")
        );
        assert_eq!(
            instance("https://contoso.example.com", Cloud::Public, false).unwrap_err().kind,
            "input.unknown_host"
        );
        let allowed = instance("https://crm.contoso.example.com", Cloud::Public, true).unwrap();
        assert!(allowed.warning.unwrap().contains("not a Dynamics 365 domain"));
        assert!(
            instance("https://contoso.crm9.dynamics.com", Cloud::Public, false)
                .unwrap_err()
                .message
                .contains("Gcc")
        );
        assert!(instance("https://contoso.crm.dynamics.com/main.aspx", Cloud::Public, false).is_err());
        assert!(instance("", Cloud::Public, false).is_err());
    }

    #[test]
    fn tenants_client_ids_and_secrets() {
        assert_eq!(tenant(" Contoso.OnMicrosoft.com ").unwrap(), "contoso.onmicrosoft.com");
        assert_eq!(
            tenant("6C3A3F5E-2D1B-4C8E-9A57-0D365DE5A000").unwrap(),
            "6c3a3f5e-2d1b-4c8e-9a57-0d365de5a000"
        );
        assert!(tenant("contoso").is_err());
        assert_eq!(tenant("organizations").unwrap(), "organizations", "a user may sign in to any tenant");
        for alias in ["common", "Organizations", " consumers "] {
            let err = app_tenant(alias).unwrap_err();
            assert!(err.message.contains("an app registration signs in to its own tenant"), "{err:?}");
        }
        assert_eq!(app_tenant(" Contoso.OnMicrosoft.com ").unwrap(), "contoso.onmicrosoft.com");
        assert!(client_id("not-a-guid").unwrap_err().message.contains("not a GUID"));
        assert!(client_secret(" x ").is_err());
        assert!(
            client_secret("0b6f0b57-7e3f-4c1e-9d9e-6f0a1f2b3c4d")
                .unwrap_err()
                .message
                .contains("secret's ID")
        );
        assert!(client_secret("abc8Q~secret").is_ok());
    }

    #[test]
    fn authorities() {
        assert_eq!(
            authority(Cloud::GccHigh, "t", None, false).unwrap(),
            "https://login.microsoftonline.us/t"
        );
        assert_eq!(
            authority(Cloud::Public, "t", Some("http://127.0.0.1:9/t/"), false).unwrap(),
            "http://127.0.0.1:9/t"
        );
        assert_eq!(
            authority(Cloud::Public, "t", Some("https://idp.example.com/t"), false).unwrap_err().kind,
            "input.custom_authority"
        );
        assert!(authority(Cloud::Public, "t", Some("https://idp.example.com/t"), true).is_ok());
    }

    #[test]
    fn loopback_means_this_machine_only() {
        for local in ["localhost", "LOCALHOST", "127.0.0.1", "127.8.9.10", "::1", "[::1]"] {
            assert!(is_loopback(local), "{local}");
        }
        for remote in
            ["127.attacker.example", "127.0.0.1.nip.io", "localhost.example.com", "10.0.0.1", "[::2]", ""]
        {
            assert!(!is_loopback(remote), "{remote}");
        }
        // A look-alike host gets neither plain http nor a custom authority without the flag.
        let err = instance("http://127.attacker.example", Cloud::Public, true).unwrap_err();
        assert!(err.message.contains("http is only allowed"), "{err}");
        let err = authority(Cloud::Public, "t", Some("http://127.attacker.example/t"), false).unwrap_err();
        assert!(err.message.contains("http is only allowed"), "{err}");
        let err = authority(Cloud::Public, "t", Some("https://127.attacker.example/t"), false).unwrap_err();
        assert_eq!(err.kind, "input.custom_authority", "{err}");
    }

    #[test]
    fn urls_with_credentials_huge_hosts_or_other_schemes_are_refused() {
        let err = instance("https://user:pw@contoso.crm.dynamics.com", Cloud::Public, false).unwrap_err();
        assert!(err.message.contains("user name or password"), "{err}");
        let huge = format!("https://{}.crm.dynamics.com", "a".repeat(100_000));
        let err = instance(&huge, Cloud::Public, true).unwrap_err();
        assert!(err.message.len() < 300, "the 100 KB URL is not echoed: {} bytes", err.message.len());
        let err = authority(Cloud::Public, "t", Some("file:///etc/passwd"), true).unwrap_err();
        assert!(err.to_string().starts_with("Authority: "), "{err}");
        assert!(err.message.contains("no host") || err.message.contains("not http"), "{err}");
        let err = authority(Cloud::Public, "t", Some("ftp://login.example.com/t"), true).unwrap_err();
        assert!(err.message.contains("'ftp' is not http or https"), "{err}");
        assert!(authority(Cloud::Public, "t", Some("https://login.example.com/t"), true).is_ok());
    }

    #[test]
    fn a_host_name_has_at_most_253_characters() {
        let label = "a".repeat(50);
        let longest = format!("{label}.{label}.{label}.{label}.{}.crm.dynamics.com", "b".repeat(32));
        assert_eq!(longest.len(), MAX_HOST);
        let instance = instance(&format!("https://{longest}"), Cloud::Public, true).expect("253 characters");
        assert_eq!(instance.resource(), format!("https://{longest}"));
        let err = instance_of_host(&format!("c{longest}")).unwrap_err();
        assert!(err.message.contains("254 characters long (at most 253)"), "{err}");
    }

    fn instance_of_host(host: &str) -> Result<Instance> {
        instance(&format!("https://{host}"), Cloud::Public, true)
    }

    #[test]
    fn a_user_name_or_a_password_alone_is_refused_too() {
        for url in ["https://someone@contoso.crm.dynamics.com", "https://:secret@contoso.crm.dynamics.com"] {
            let err = instance(url, Cloud::Public, false).unwrap_err();
            assert!(err.message.contains("user name or password"), "{url}: {err}");
        }
    }

    #[test]
    fn only_a_dynamics_web_api_host_is_taken_for_its_org() {
        // `<org>.api.crm.dynamics.com` is the org `<org>.crm.dynamics.com`; another `.api.` host is itself.
        let other = instance("https://data.api.contoso.example", Cloud::Public, true).unwrap();
        assert_eq!(other.resource(), "https://data.api.contoso.example");
        assert!(other.warning.is_some_and(|w| w.starts_with("data.api.contoso.example ")));
    }

    #[test]
    fn a_tenant_domain_may_hold_hyphens_but_no_other_sign() {
        assert_eq!(tenant("contoso-dev.onmicrosoft.com").unwrap(), "contoso-dev.onmicrosoft.com");
        for bad in ["contoso!.onmicrosoft.com", "con toso.onmicrosoft.com", "contoso_dev.onmicrosoft.com"] {
            assert!(tenant(bad).unwrap_err().message.contains("neither a GUID nor a domain"), "{bad}");
        }
    }

    #[test]
    fn a_pasted_token_may_be_kilobytes_long_but_not_beyond_64_kib() {
        use base64::Engine;
        // Entra's access tokens run to several kilobytes with group claims.
        let claims = serde_json::json!({
            "aud": "https://contoso.crm.dynamics.com", "exp": 4_102_444_800_i64, "groups": "g".repeat(8_000),
        });
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims.to_string());
        let token = format!("eyJhbGciOiJub25lIn0.{payload}.c2ln");
        assert!(token.len() > 10_000);
        assert!(crate::bearer::inspect(&token).is_ok(), "a 10 KB token is read");
        let huge = format!("{token}{}", "A".repeat(64 * 1024));
        let err = crate::bearer::inspect(&huge).unwrap_err();
        assert!(err.message.contains("longer than any access token"), "{err}");
    }

    #[test]
    fn a_secret_is_not_a_megabyte() {
        let err = client_secret(&"x".repeat(1 << 20)).unwrap_err();
        assert!(err.message.contains("1048576 characters"), "{err}");
        assert!(client_secret(&"x".repeat(MAX_SECRET)).is_ok());
    }
}
