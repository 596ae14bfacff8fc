//! Microsoft's clouds: where their identity provider, global discovery and Dataverse orgs live.

/// Stored in profiles as `public`, `gcc`, `gcchigh`, `dod` or `china`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum Cloud {
    #[default]
    Public,
    /// US Government Community Cloud (public identity, `crm9` orgs).
    Gcc,
    GccHigh,
    Dod,
    China,
}

impl Cloud {
    pub fn authority_host(self) -> &'static str {
        match self {
            Cloud::Public | Cloud::Gcc => "login.microsoftonline.com",
            Cloud::GccHigh | Cloud::Dod => "login.microsoftonline.us",
            Cloud::China => "login.chinacloudapi.cn",
        }
    }

    pub fn discovery_host(self) -> &'static str {
        match self {
            Cloud::Public => "globaldisco.crm.dynamics.com",
            Cloud::Gcc => "globaldisco.crm9.dynamics.com",
            Cloud::GccHigh => "globaldisco.crm.microsoftdynamics.us",
            Cloud::Dod => "globaldisco.crm.appsplatform.us",
            Cloud::China => "globaldisco.crm.dynamics.cn",
        }
    }

    /// Whether `host` is a Dataverse org host of this cloud (`<org>.crm4.dynamics.com`, ...).
    pub fn is_org_host(self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        let Some((org, domain)) = host.split_once('.') else { return false };
        if org.is_empty() {
            return false;
        }
        // The API host `<org>.api.crm.dynamics.com` is the same org.
        let domain = domain.strip_prefix("api.").unwrap_or(domain);
        match self {
            Cloud::Public => domain
                .strip_prefix("crm")
                .and_then(|rest| rest.strip_suffix(".dynamics.com"))
                .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()) && n != "9"),
            Cloud::Gcc => domain == "crm9.dynamics.com",
            Cloud::GccHigh => domain == "crm.microsoftdynamics.us",
            Cloud::Dod => domain == "crm.appsplatform.us",
            Cloud::China => domain == "crm.dynamics.cn",
        }
    }

    /// The cloud an org host belongs to, if any.
    pub fn of_org_host(host: &str) -> Option<Cloud> {
        [Cloud::Public, Cloud::Gcc, Cloud::GccHigh, Cloud::Dod, Cloud::China]
            .into_iter()
            .find(|c| c.is_org_host(host))
    }
}

#[cfg(test)]
mod tests {
    use super::Cloud;

    #[test]
    fn org_hosts_per_cloud() {
        assert!(Cloud::Public.is_org_host("contoso.crm.dynamics.com"));
        assert!(Cloud::Public.is_org_host("contoso.crm4.dynamics.com"));
        assert!(Cloud::Public.is_org_host("contoso.api.crm11.dynamics.com"));
        assert!(!Cloud::Public.is_org_host("contoso.crm9.dynamics.com"));
        assert_eq!(Cloud::of_org_host("contoso.crm9.dynamics.com"), Some(Cloud::Gcc));
        assert_eq!(Cloud::of_org_host("contoso.crm.microsoftdynamics.us"), Some(Cloud::GccHigh));
        assert_eq!(Cloud::of_org_host("contoso.crm.appsplatform.us"), Some(Cloud::Dod));
        assert_eq!(Cloud::of_org_host("contoso.crm.dynamics.cn"), Some(Cloud::China));
        assert_eq!(Cloud::of_org_host("dynamics.com"), None);
        assert_eq!(Cloud::of_org_host("evil.example.com"), None);
    }
}
