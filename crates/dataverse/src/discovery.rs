//! Global Discovery: the environments a signed-in user can reach, so they pick one instead of typing it.

use serde::Serialize;
use serde_json::Value;

use crate::auth::AccessToken;
use crate::cloud::Cloud;
use crate::error::{DataverseError, Result};
use crate::input::{Instance, is_loopback};

/// The resource to ask a discovery token for: the cloud's global discovery service, or for a local org
/// (the sandbox) the same server named `localhost`, where the sandbox serves discovery.
pub fn resource(cloud: Cloud, instance: &Instance) -> String {
    resource_beside(cloud, &instance.url)
}

/// The discovery resource for a sign-in before any environment is known: found from the authority (the
/// sandbox's is a local server, which serves discovery too).
pub fn resource_for_authority(cloud: Cloud, authority: &str) -> String {
    match url::Url::parse(authority) {
        Ok(url) => resource_beside(cloud, &url),
        Err(_) => format!("https://{}", cloud.discovery_host()),
    }
}

fn resource_beside(cloud: Cloud, url: &url::Url) -> String {
    let host = url.host_str().unwrap_or_default();
    if is_loopback(host) {
        let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
        format!("{}://localhost{port}", url.scheme())
    } else {
        format!("https://{}", cloud.discovery_host())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Environment {
    pub name: String,
    pub unique_name: String,
    pub url: String,
    pub api_url: String,
    pub version: String,
    pub region: String,
    pub purpose: String,
    pub enabled: bool,
    pub user_is_admin: bool,
}

pub async fn environments(
    http: &reqwest::Client,
    resource: &str,
    token: &AccessToken,
) -> Result<Vec<Environment>> {
    let url = format!("{resource}/api/discovery/v2.0/Instances");
    let response = http
        .get(&url)
        .bearer_auth(token.secret())
        .header("Accept", "application/json")
        .send()
        .await
        .map_err(|e| DataverseError::from_transport(&e, &url))?;
    let status = response.status();
    let body: Value = response.json().await.map_err(|_| {
        DataverseError::new(
            "api.not_discovery",
            format!("{url} did not answer with JSON (HTTP {status})."),
            None,
        )
    })?;
    if !status.is_success() {
        return Err(DataverseError::new(
            "api.error",
            format!("Global Discovery answered HTTP {status}."),
            Some("Sign in again.".to_owned()),
        ));
    }
    let text = |item: &Value, key: &str| item[key].as_str().unwrap_or_default().to_owned();
    Ok(body["value"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|item| Environment {
            name: text(item, "FriendlyName"),
            unique_name: text(item, "UniqueName"),
            url: text(item, "Url"),
            api_url: text(item, "ApiUrl"),
            version: text(item, "Version"),
            region: text(item, "Region"),
            purpose: text(item, "Purpose"),
            enabled: item["State"].as_i64() == Some(0),
            user_is_admin: item["IsUserSysAdmin"].as_bool().unwrap_or(false),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovery_is_the_clouds_service_or_the_local_server() {
        assert_eq!(
            resource_for_authority(Cloud::Public, "https://login.microsoftonline.com/organizations"),
            "https://globaldisco.crm.dynamics.com"
        );
        assert_eq!(resource_for_authority(Cloud::Gcc, "not a url"), "https://globaldisco.crm9.dynamics.com");
        assert_eq!(
            resource_for_authority(Cloud::Public, "http://127.0.0.1:5555/tenant"),
            "http://localhost:5555"
        );
        let instance = crate::input::instance("http://127.0.0.1:5555", Cloud::Public, false).unwrap();
        assert_eq!(resource(Cloud::Public, &instance), "http://localhost:5555");
    }
}
