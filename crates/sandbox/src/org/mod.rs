//! The Dataverse half of the sandbox: the Web API under `/api/data/v9.2/` and global discovery under
//! `/api/discovery/v2.0/`.

pub mod app_page;
pub mod apply;
pub mod auth;
pub mod batch;
pub mod bulk;
pub mod cascade;
pub mod csdl;
pub mod errors;
pub mod format;
pub mod metadata;
pub mod records;
pub mod views;
pub mod writes;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
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
        .route("/api/data/v9.2/", get(web_api_get).fallback(no_resource))
        .route(
            "/api/data/v9.2/{*path}",
            get(web_api_get)
                .post(web_api_write)
                .patch(web_api_write)
                .put(web_api_write)
                .delete(web_api_write),
        )
        .route("/api/discovery/v2.0/Instances", get(instances))
        .route("/main.aspx", get(app_page::main_aspx))
        .fallback(no_resource)
}

/// Anything else: authenticated first (Dataverse answers 401 before 404), then not found.
async fn no_resource(_caller: Caller, uri: Uri) -> DataverseError {
    DataverseError::no_resource(&uri.to_string())
}

/// Every GET under `/api/data/v9.2/`, dispatched on the first segment's resource name, as OData routes:
/// `WhoAmI`, `EntityDefinitions(LogicalName='account')/Attributes`, `accounts(<id>)`, ...
async fn web_api_get(
    caller: Caller,
    State(state): State<Arc<SandboxState>>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    dispatch_get(&state, &caller, &api_path(&uri), uri.query(), &query_options(&uri), &headers)
}

/// The query string's options. Parsed leniently (never a framework rejection): a malformed escape
/// simply stays as written, and the option checks that follow answer in Dataverse's terms.
pub fn query_options(uri: &Uri) -> HashMap<String, String> {
    url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes()).into_owned().collect()
}

/// A GET below `/api/data/v9.2/` (`path` decoded), for the route above and for GETs inside `$batch`.
pub fn dispatch_get(
    state: &SandboxState,
    caller: &Caller,
    path: &str,
    raw_query: Option<&str>,
    query: &HashMap<String, String>,
    headers: &HeaderMap,
) -> Response {
    let split = path.find(['(', '/']).unwrap_or(path.len());
    let (resource, rest) = path.split_at(split);
    match resource {
        "" if rest.is_empty() => csdl::service_document(state),
        "$metadata" if rest.is_empty() => csdl::metadata(state),
        // Functions may be called with or without `()`.
        "WhoAmI" if matches!(rest, "" | "()") => who_am_i(caller, state),
        "RetrieveVersion" if matches!(rest, "" | "()") => retrieve_version(state),
        "EntityDefinitions" => metadata::entity_definitions(state, rest, query),
        entity_set => match state.store.by_entity_set(entity_set) {
            Some(table) if !caller.role.can_read() => {
                writes::missing_privilege(caller, table, "Read").into_response()
            }
            Some(table) => records::get(state, caller, table, rest, raw_query, query, headers),
            None => DataverseError::segment_not_found(entity_set).into_response(),
        },
    }
}

/// The path below `/api/data/v9.2/`, percent-decoded.
fn api_path(uri: &Uri) -> String {
    let raw = uri.path().strip_prefix("/api/data/v9.2/").unwrap_or_default();
    percent_encoding::percent_decode_str(raw).decode_utf8_lossy().into_owned()
}

/// POST, PATCH, PUT and DELETE under `/api/data/v9.2/`: one write in one transaction (rolled back whole
/// when it fails).
async fn web_api_write(
    caller: Caller,
    State(state): State<Arc<SandboxState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = api_path(&uri);
    let query = query_options(&uri);
    if path == "$batch" && method == Method::POST {
        return batch::execute(&state, &caller, &headers, &body).await;
    }
    if matches!(path.as_str(), "WhoAmI" | "RetrieveVersion") || path.starts_with("EntityDefinitions") {
        return DataverseError::no_resource(&uri.to_string()).into_response();
    }
    let outcome = {
        let mut conn = state.store.lock();
        match conn.transaction() {
            Ok(tx) => writes::execute(&state, &caller, &tx, &method, &path, &query, &headers, &body)
                .and_then(|outcome| {
                    tx.commit().map(|()| outcome).map_err(|e| {
                        DataverseError::new(StatusCode::INTERNAL_SERVER_ERROR, "0x80040216", e.to_string())
                    })
                }),
            Err(e) => {
                Err(DataverseError::new(StatusCode::INTERNAL_SERVER_ERROR, "0x80040216", e.to_string()))
            }
        }
    };
    match outcome {
        Ok(outcome) => outcome_response(outcome),
        Err(err) => err.into_response(),
    }
}

pub fn outcome_response(outcome: writes::Outcome) -> Response {
    let mut response = match outcome.body {
        Some(body) => (outcome.status, odata_json(body)).into_response(),
        None => outcome.status.into_response(),
    };
    let headers = response.headers_mut();
    headers.insert("OData-Version", HeaderValue::from_static("4.0"));
    if let Some(value) = outcome.entity_id.and_then(|id| HeaderValue::from_str(&id).ok()) {
        headers.insert("OData-EntityId", value);
    }
    if let Some(applied) = outcome.preference_applied {
        headers.insert("Preference-Applied", HeaderValue::from_static(applied));
    }
    response
}

fn who_am_i(caller: &Caller, state: &SandboxState) -> Response {
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

fn retrieve_version(state: &SandboxState) -> Response {
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
