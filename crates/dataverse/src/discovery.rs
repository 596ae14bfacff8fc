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
    let host = instance.url.host_str().unwrap_or_default();
    if is_loopback(host) {
        let port = instance.url.port().map(|p| format!(":{p}")).unwrap_or_default();
        format!("{}://localhost{port}", instance.url.scheme())
    } else {
        format!("https://{}", cloud.discovery_host())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
