//! `POST $batch`: requests and change sets in one call. A change set runs in one transaction (all or
//! nothing) and its items may refer to earlier ones as `$<Content-ID>`; without
//! `Prefer: odata.continue-on-error` the batch stops at the first failure and answers 400 with it.

use std::collections::HashMap;

use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::auth::Caller;
use super::errors::DataverseError;
use super::{dispatch_get, writes};
use crate::odata::batch::{self, BatchItem, PartRequest, PartResponse, ResponseItem};
use crate::state::SandboxState;

/// Dataverse's limit on operations in one batch.
pub const MAX_OPERATIONS: usize = 1000;

fn batch_error(message: impl Into<String>) -> Response {
    DataverseError::new(StatusCode::BAD_REQUEST, "0x80048d19", message).into_response()
}

pub async fn execute(state: &SandboxState, caller: &Caller, headers: &HeaderMap, body: &[u8]) -> Response {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let items = match batch::parse(content_type, &String::from_utf8_lossy(body)) {
        Ok(items) => items,
        Err(problem) => return batch_error(format!("The batch request is not valid: {problem}.")),
    };
    let operations: usize =
        items.iter().map(|i| if let BatchItem::ChangeSet(r) = i { r.len() } else { 1 }).sum();
    if operations > MAX_OPERATIONS {
        return batch_error(format!(
            "Number of requests in the batch is {operations}, which exceeds the limit of {MAX_OPERATIONS}."
        ));
    }
    let continue_on_error = headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.split(',').any(|p| p.trim() == "odata.continue-on-error"));

    let mut created: HashMap<String, String> = HashMap::new();
    let mut responses = Vec::new();
    for item in items {
        let failure = match item {
            BatchItem::Request(request) => {
                let response = run_alone(state, caller, &request, &created).await;
                let failed = response.status >= 400;
                responses.push(ResponseItem::Response(response));
                failed
            }
            BatchItem::ChangeSet(requests) => match run_change_set(state, caller, &requests, &mut created) {
                Ok(done) => {
                    responses.push(ResponseItem::ChangeSet(done));
                    false
                }
                Err(error) => {
                    responses.push(ResponseItem::Response(error));
                    true
                }
            },
        };
        if failure && !continue_on_error {
            let last = responses.pop().into_iter().collect::<Vec<_>>();
            return multipart(StatusCode::BAD_REQUEST, &last, false);
        }
    }
    multipart(StatusCode::OK, &responses, continue_on_error)
}

fn multipart(status: StatusCode, items: &[ResponseItem], continued: bool) -> Response {
    let (boundary, body) = batch::write(items, &uuid::Uuid::new_v4().to_string());
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&format!("multipart/mixed; boundary={boundary}")) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers.insert("OData-Version", HeaderValue::from_static("4.0"));
    if continued {
        headers.insert("Preference-Applied", HeaderValue::from_static("odata.continue-on-error"));
    }
    response
}

/// The request's target below `/api/data/v9.2/` (decoded) and its query, `$n` references resolved.
fn resolve(url: &str, created: &HashMap<String, String>) -> Result<(String, Option<String>), String> {
    let url = match url.strip_prefix('$') {
        Some(reference) => {
            let split = reference.find(['/', '?']).unwrap_or(reference.len());
            let entity = created
                .get(&reference[..split])
                .ok_or(format!("no earlier item has Content-ID {}", &reference[..split]))?;
            format!("{entity}{}", &reference[split..])
        }
        None => url.to_owned(),
    };
    let relative = match url.find("/api/data/v9.2/") {
        Some(at) => &url[at + "/api/data/v9.2/".len()..],
        None => url.trim_start_matches('/'),
    };
    let (path, query) = match relative.split_once('?') {
        Some((path, query)) => (path, Some(query.to_owned())),
        None => (relative, None),
    };
    Ok((percent_encoding::percent_decode_str(path).decode_utf8_lossy().into_owned(), query))
}

/// `"x@odata.bind": "$1"` becomes the entity the item with Content-ID 1 created.
fn resolve_binds(body: &[u8], created: &HashMap<String, String>) -> Vec<u8> {
    let Ok(Value::Object(mut properties)) = serde_json::from_slice::<Value>(body) else {
        return body.to_vec();
    };
    for (name, value) in properties.iter_mut() {
        if let (true, Some(reference)) =
            (name.ends_with("@odata.bind"), value.as_str().and_then(|v| v.strip_prefix('$')))
            && let Some(entity) = created.get(reference)
        {
            *value = Value::String(entity.clone());
        }
    }
    serde_json::to_vec(&Value::Object(properties)).unwrap_or_else(|_| body.to_vec())
}

fn part_headers(request: &PartRequest) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (name, value) in &request.headers {
        if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value))
        {
            headers.append(name, value);
        }
    }
    headers
}

fn options(query: Option<&str>) -> HashMap<String, String> {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()).into_owned().collect()
}

fn error_part(error: DataverseError, content_id: Option<String>) -> PartResponse {
    let body = serde_json::json!({ "error": { "code": error.code, "message": error.message } }).to_string();
    PartResponse {
        status: error.status.as_u16(),
        reason: error.status.canonical_reason().unwrap_or_default().to_owned(),
        headers: vec![
            ("Content-Type".into(), "application/json; odata.metadata=minimal".into()),
            ("OData-Version".into(), "4.0".into()),
        ],
        body: body.into_bytes(),
        content_id,
    }
}

fn write_part(outcome: writes::Outcome, content_id: Option<String>) -> PartResponse {
    let mut headers = vec![("OData-Version".to_owned(), "4.0".to_owned())];
    if let Some(id) = &outcome.entity_id {
        headers.push(("Location".into(), id.clone()));
        headers.push(("OData-EntityId".into(), id.clone()));
    }
    if let Some(applied) = outcome.preference_applied {
        headers.push(("Preference-Applied".into(), applied.into()));
    }
    let body = match outcome.body {
        Some(body) => {
            headers.push(("Content-Type".into(), "application/json; odata.metadata=minimal".into()));
            body.to_string().into_bytes()
        }
        None => Vec::new(),
    };
    PartResponse {
        status: outcome.status.as_u16(),
        reason: outcome.status.canonical_reason().unwrap_or_default().to_owned(),
        headers,
        body,
        content_id,
    }
}

/// A request outside any change set: a GET, or a write in its own transaction.
async fn run_alone(
    state: &SandboxState,
    caller: &Caller,
    request: &PartRequest,
    created: &HashMap<String, String>,
) -> PartResponse {
    let (path, query) = match resolve(&request.url, created) {
        Ok(target) => target,
        Err(problem) => {
            return error_part(
                DataverseError::new(StatusCode::BAD_REQUEST, "0x80048d19", problem),
                request.content_id.clone(),
            );
        }
    };
    let headers = part_headers(request);
    if request.method == "GET" {
        let response =
            dispatch_get(state, caller, &path, query.as_deref(), &options(query.as_deref()), &headers);
        return response_part(response, request.content_id.clone()).await;
    }
    let result = {
        let mut conn = state.store.lock();
        conn.transaction().map_err(storage).and_then(|tx| {
            let outcome = run_write(state, caller, &tx, request, &path, query.as_deref(), created)?;
            tx.commit().map_err(storage)?;
            Ok(outcome)
        })
    };
    match result {
        Ok(outcome) => write_part(outcome, request.content_id.clone()),
        Err(error) => error_part(error, request.content_id.clone()),
    }
}

fn storage(e: rusqlite::Error) -> DataverseError {
    DataverseError::new(StatusCode::INTERNAL_SERVER_ERROR, "0x80040216", e.to_string())
}

fn run_write(
    state: &SandboxState,
    caller: &Caller,
    conn: &rusqlite::Connection,
    request: &PartRequest,
    path: &str,
    query: Option<&str>,
    created: &HashMap<String, String>,
) -> Result<writes::Outcome, DataverseError> {
    let method = Method::from_bytes(request.method.as_bytes()).map_err(|_| {
        DataverseError::new(
            StatusCode::BAD_REQUEST,
            "0x80048d19",
            format!("Unknown method {}", request.method),
        )
    })?;
    let body = resolve_binds(&request.body, created);
    writes::execute(state, caller, conn, &method, path, &options(query), &part_headers(request), &body)
}

/// Every item of a change set in one transaction; the first failure rolls all of them back (and forgets
/// the Content-IDs they had created).
fn run_change_set(
    state: &SandboxState,
    caller: &Caller,
    requests: &[PartRequest],
    created: &mut HashMap<String, String>,
) -> Result<Vec<PartResponse>, PartResponse> {
    let mut conn = state.store.lock();
    let tx = conn.transaction().map_err(|e| error_part(storage(e), None))?;
    let mut done = Vec::new();
    let mut new_ids = Vec::new();
    let mut failure = None;
    for request in requests {
        match run_in_change_set(state, caller, &tx, request, created) {
            Ok(outcome) => {
                if let (Some(id), Some(entity)) = (&request.content_id, &outcome.entity_id) {
                    created.insert(id.clone(), entity.clone());
                    new_ids.push(id.clone());
                }
                done.push(write_part(outcome, request.content_id.clone()));
            }
            Err(error) => {
                failure = Some(error_part(error, request.content_id.clone()));
                break;
            }
        }
    }
    if let Some(failure) = failure {
        drop(tx); // rolls back every item of the change set
        for id in new_ids {
            created.remove(&id);
        }
        return Err(failure);
    }
    tx.commit().map_err(|e| error_part(storage(e), None))?;
    Ok(done)
}

fn run_in_change_set(
    state: &SandboxState,
    caller: &Caller,
    conn: &rusqlite::Connection,
    request: &PartRequest,
    created: &HashMap<String, String>,
) -> Result<writes::Outcome, DataverseError> {
    if request.method == "GET" {
        return Err(DataverseError::new(
            StatusCode::BAD_REQUEST,
            "0x80048d19",
            "A change set cannot contain a GET request.",
        ));
    }
    let (path, query) = resolve(&request.url, created)
        .map_err(|problem| DataverseError::new(StatusCode::BAD_REQUEST, "0x80048d19", problem))?;
    run_write(state, caller, conn, request, &path, query.as_deref(), created)
}

async fn response_part(response: Response, content_id: Option<String>) -> PartResponse {
    let status = response.status();
    let headers = response
        .headers()
        .iter()
        .filter(|(name, _)| *name != header::CONTENT_LENGTH)
        .map(|(name, value)| (name.as_str().to_owned(), value.to_str().unwrap_or_default().to_owned()))
        .collect();
    let body =
        axum::body::to_bytes(response.into_body(), usize::MAX).await.map(|b| b.to_vec()).unwrap_or_default();
    PartResponse {
        status: status.as_u16(),
        reason: status.canonical_reason().unwrap_or_default().to_owned(),
        headers,
        body,
        content_id,
    }
}
