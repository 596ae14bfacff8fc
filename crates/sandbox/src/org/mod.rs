//! The Dataverse half of the sandbox: the Web API under `/api/data/v9.2/` and global discovery under
//! `/api/discovery/v2.0/`.

pub mod auth;
pub mod errors;

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use self::auth::{Caller, DiscoveryCaller};
use self::errors::{DataverseError, odata_json};
use crate::state::SandboxState;

/// The version the sandbox reports, in Dataverse's format.
pub const ORG_VERSION: &str = "9.2.26011.00164";

pub fn routes() -> Router<Arc<SandboxState>> {
    Router::new()
        .route("/api/data/v9.2/WhoAmI", get(who_am_i).fallback(no_resource))
        .route("/api/data/v9.2/RetrieveVersion", get(retrieve_version).fallback(no_resource))
        .route("/api/discovery/v2.0/Instances", get(instances))
        .fallback(no_resource)
}

/// Anything else: authenticated first (Dataverse answers 401 before 404), then not found.
async fn no_resource(_caller: Caller, uri: Uri) -> DataverseError {
    DataverseError::no_resource(&uri.to_string())
}

async fn who_am_i(caller: Caller, State(state): State<Arc<SandboxState>>) -> Response {
    let body = json!({
        "@odata.context": format!("{}$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse", state.urls.web_api_url),
        "BusinessUnitId": state.directory.business_unit_id,
        "UserId": caller.system_user_id,
        "OrganizationId": state.directory.organization_id,
    });
    let mut response = odata_json(body).into_response();
    response.headers_mut().insert("x-ms-dop-hint", HeaderValue::from(state.options.dop_hint));
    response.headers_mut().insert("OData-Version", HeaderValue::from_static("4.0"));
    response
}

async fn retrieve_version(_caller: Caller, State(state): State<Arc<SandboxState>>) -> Response {
    let body = json!({
        "@odata.context": format!("{}$metadata#Microsoft.Dynamics.CRM.RetrieveVersionResponse", state.urls.web_api_url),
        "Version": ORG_VERSION,
    });
    odata_json(body).into_response()
}

/// Global discovery: the environments the signed-in user can reach (this org, when they have a user in it).
async fn instances(caller: DiscoveryCaller, State(state): State<Arc<SandboxState>>) -> Response {
    let directory = &state.directory;
    let member = caller
        .claims
        .oid
        .parse()
        .ok()
        .and_then(|oid| directory.user_by_oid(oid))
        .and_then(|user| user.org_user);
    let instances: Vec<_> = member
        .map(|user| {
            json!({
                "Id": directory.organization_id,
                "UniqueName": "orgsandbox",
                "UrlName": "contoso-sandbox",
                "FriendlyName": directory.organization_name,
                "State": 0,
                "Version": ORG_VERSION,
                "Url": state.urls.instance_url,
                "ApiUrl": state.urls.instance_url,
                "LastUpdated": "2026-11-01T00:00:00Z",
                "SchemaType": "Full",
                "TenantId": directory.tenant_id,
                "EnvironmentId": directory.organization_id,
                "Region": "Local",
                "Purpose": "Sandbox",
                "IsUserSysAdmin": user.role.can_write(),
                "OrganizationType": 0,
                "TrialExpirationDate": null,
                "DatacenterId": null,
            })
        })
        .into_iter()
        .collect();
    let body = json!({
        "@odata.context": format!("{}$metadata#Instances", state.urls.discovery_url),
        "value": instances,
    });
    odata_json(body).into_response()
}
