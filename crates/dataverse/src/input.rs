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

pub fn is_loopback(host: &str) -> bool {
    matches!(host, "localhost" | "127.0.0.1" | "[::1]" | "::1") || host.starts_with("127.")
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
        .map_err(|e| input_error("Instance URL", format!("'{text}' is not a URL ({e})"), hint))?;
    let host = parsed.host_str().unwrap_or_default().to_ascii_lowercase();
    if host.is_empty() {
        return Err(input_error("Instance URL", format!("'{text}' has no host"), hint));
    }
    let loopback = is_loopback(&host);
    match parsed.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(input_error(
                "Instance URL",
                "http is only allowed for a local server (127.0.0.1 or localhost)",
                "Use https://",
            ));
        }
        other => return Err(input_error("Instance URL", format!("'{other}' is not http or https"), hint)),
    }
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
        Err(input_error("Tenant", format!("'{text}' is neither a GUID nor a domain"), hint))
    }
}

pub fn client_id(text: &str) -> Result<String> {
    Uuid::try_parse(text.trim()).map(|id| id.to_string()).map_err(|_| {
        input_error(
            "Client ID",
            format!("'{}' is not a GUID", text.trim()),
            "Copy the Application (client) ID from the app registration's Overview page.",
        )
    })
}

/// A client secret as pasted: not empty, no spaces around it, and not the secret's ID.
pub fn client_secret(text: &str) -> Result<()> {
    if text.is_empty() {
        return Err(input_error("Client secret", "it is empty", "Paste the secret's Value."));
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
    let url = Url::parse(custom.trim()).map_err(|e| {
        input_error(
            "Authority",
            format!("'{custom}' is not a URL ({e})"),
            "e.g. https://login.microsoftonline.com/<tenant>",
        )
    })?;
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
    if url.scheme() == "http" && !is_loopback(host) {
        return Err(input_error("Authority", "http is only allowed for a local server", "Use https://"));
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
}
