//! The v2 `scope` parameter: OIDC scopes plus `<resource>/<permission>` scopes of a single resource.

use super::errors::EntraError;

const OIDC_SCOPES: [&str; 4] = ["openid", "profile", "email", "offline_access"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scopes {
    /// The resource the access token is for (`http://127.0.0.1:1234`), as the client wrote it, without a
    /// trailing slash.
    pub resource: String,
    /// Permissions on the resource: `user_impersonation`, `.default`.
    pub permissions: Vec<String>,
    /// OIDC scopes that were asked for (`openid`, `offline_access`, ...).
    pub oidc: Vec<String>,
}

impl Scopes {
    pub fn parse(scope: &str) -> Result<Self, EntraError> {
        let mut resource: Option<String> = None;
        let (mut permissions, mut oidc) = (Vec::new(), Vec::new());
        for item in scope.split_whitespace() {
            if OIDC_SCOPES.contains(&item) {
                oidc.push(item.to_owned());
                continue;
            }
            let (res, permission) =
                split_resource_scope(item).ok_or_else(|| EntraError::invalid_scope(item))?;
            match &resource {
                Some(existing) if !same_resource(existing, res) => {
                    return Err(EntraError::invalid_scope(scope));
                }
                Some(_) => {}
                None => resource = Some(res.to_owned()),
            }
            permissions.push(permission.to_owned());
        }
        let resource = resource.ok_or_else(|| EntraError::invalid_scope(scope))?;
        Ok(Self { resource, permissions, oidc })
    }

    pub fn has(&self, oidc_scope: &str) -> bool {
        self.oidc.iter().any(|s| s == oidc_scope)
    }

    /// The scopes granted on the resource, as Entra lists them in a token response.
    pub fn granted_resource_scopes(&self) -> String {
        self.permissions.iter().map(|p| format!("{}/{p}", self.resource)).collect::<Vec<_>>().join(" ")
    }
}

/// `http://host:port/user_impersonation` → (`http://host:port`, `user_impersonation`).
fn split_resource_scope(item: &str) -> Option<(&str, &str)> {
    let scheme_end = item.find("://")? + 3;
    let rest = &item[scheme_end..];
    let slash = rest.rfind('/')?;
    let (host_and_path, permission) = (rest[..slash].trim_end_matches('/'), &rest[slash + 1..]);
    if host_and_path.is_empty() || permission.is_empty() {
        return None;
    }
    Some((&item[..scheme_end + host_and_path.len()], permission))
}

/// Resource URIs compare without case and without a trailing slash.
pub fn same_resource(a: &str, b: &str) -> bool {
    a.trim_end_matches('/').eq_ignore_ascii_case(b.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delegated_scope_with_offline_access() {
        let scopes = Scopes::parse("http://127.0.0.1:5000/user_impersonation offline_access openid").unwrap();
        assert_eq!(scopes.resource, "http://127.0.0.1:5000");
        assert_eq!(scopes.permissions, ["user_impersonation"]);
        assert!(scopes.has("offline_access") && scopes.has("openid") && !scopes.has("profile"));
        assert_eq!(scopes.granted_resource_scopes(), "http://127.0.0.1:5000/user_impersonation");
    }

    #[test]
    fn default_scope_with_trailing_slash_on_the_resource() {
        let scopes = Scopes::parse("https://org.crm.dynamics.com//.default").unwrap();
        assert_eq!(scopes.resource, "https://org.crm.dynamics.com");
        assert_eq!(scopes.permissions, [".default"]);
    }

    #[test]
    fn rejects_scopes_without_a_resource_or_with_two() {
        for bad in
            ["", "offline_access", "user_impersonation", "https:///x", "https://a.com/x https://b.com/y"]
        {
            let err = Scopes::parse(bad).unwrap_err();
            assert_eq!((err.code, err.error), (70011, "invalid_scope"), "{bad:?}");
        }
    }

    #[test]
    fn resources_compare_without_case_or_trailing_slash() {
        assert!(same_resource("https://Org.crm.dynamics.com/", "https://org.crm.dynamics.com"));
        assert!(!same_resource("https://org2.crm.dynamics.com", "https://org.crm.dynamics.com"));
    }
}
