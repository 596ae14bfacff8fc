//! Many changes in `$batch` requests: as atomic change sets (all or nothing) or each on its own with
//! `odata.continue-on-error`; split into batches of at most 1000 operations (Dataverse's limit), sent in
//! parallel when asked (never above the environment's dop hint, which the client enforces). Every
//! operation gets its own outcome, in the caller's order.

use std::collections::HashMap;

use futures_util::StreamExt;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde_json::{Map, Value};

use super::multipart::{self, PartRequest, PartResponse, ResponseItem};
use super::write::{Concurrency, UpsertMode};
use crate::api::diagnose;
use crate::client::{Client, Request, WireRequest};
use crate::error::{DataverseError, Result};
use crate::retry::Repeatable;

/// Dataverse's limit of operations in one `$batch`.
pub const MAX_OPERATIONS: usize = 1000;

/// One change. Inside an atomic change set, `target` may be `$<n>`: what operation `n` (1-based, within
/// its batch) created.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    pub method: Method,
    /// A path under the Web API (`accounts(<id>)`), or `$<n>`.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Map<String, Value>>,
}

impl Operation {
    /// `body` as checked by `values::body`.
    pub fn create(entity_set: &str, body: Map<String, Value>) -> Self {
        Self { method: Method::POST, target: entity_set.to_owned(), headers: Vec::new(), body: Some(body) }
    }

    pub fn update(path: &str, body: Map<String, Value>, concurrency: &Concurrency) -> Self {
        let etag = match concurrency {
            Concurrency::IfMatch(etag) => etag.clone(),
            Concurrency::Overwrite => "*".to_owned(),
        };
        Self {
            method: Method::PATCH,
            target: path.to_owned(),
            headers: vec![("If-Match".into(), etag)],
            body: Some(body),
        }
    }

    pub fn upsert(path: &str, body: Map<String, Value>, mode: UpsertMode) -> Self {
        let headers = match mode {
            UpsertMode::Either => Vec::new(),
            UpsertMode::CreateOnly => vec![("If-None-Match".into(), "*".into())],
            UpsertMode::UpdateOnly => vec![("If-Match".into(), "*".into())],
        };
        Self { method: Method::PATCH, target: path.to_owned(), headers, body: Some(body) }
    }

    pub fn delete(path: &str, etag: Option<&str>) -> Self {
        let headers = etag.map(|e| vec![("If-Match".to_owned(), e.to_owned())]).unwrap_or_default();
        Self { method: Method::DELETE, target: path.to_owned(), headers, body: None }
    }

    /// A POST creates again when repeated; everything else here lands on the same record.
    fn repeatable(&self) -> bool {
        self.method != Method::POST
    }

    /// The refusal of a header or path holding a line break (`W/"1"\r\nIf-Match: *` would drop the check).
    fn line_break(&self) -> Option<DataverseError> {
        let broken = |text: &str| text.contains(['\r', '\n']);
        let bad = std::iter::once(("path", self.target.as_str()))
            .chain(
                self.headers.iter().flat_map(|(n, v)| [(n.as_str(), n.as_str()), (n.as_str(), v.as_str())]),
            )
            .find(|(_, text)| broken(text))?;
        Some(DataverseError::new(
            "input.invalid_header",
            format!("The {} of a batch operation holds a line break; nothing of the batch was sent.", bad.0),
            None,
        ))
    }

    fn part(&self, base: &str) -> PartRequest {
        let url =
            if self.target.starts_with('$') { self.target.clone() } else { format!("{base}{}", self.target) };
        PartRequest {
            method: self.method.to_string(),
            url,
            headers: self.headers.clone(),
            body: self.body.as_ref().map(|b| Value::Object(b.clone()).to_string()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchMode {
    /// Each batch is one change set: all of its operations apply, or none. Past `per_batch` operations the
    /// batches run one after the other and the first that fails stops the rest.
    Atomic,
    /// Every operation on its own; a failure does not stop the others.
    ContinueOnError,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchOptions {
    pub mode: BatchMode,
    /// Operations per `$batch` (at most 1000).
    pub per_batch: usize,
    /// Batches in flight at once (continue-on-error only; the client's dop limit still applies).
    pub parallel: usize,
}

impl Default for BatchOptions {
    fn default() -> Self {
        Self { mode: BatchMode::Atomic, per_batch: MAX_OPERATIONS, parallel: 1 }
    }
}

/// What became of one operation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ItemOutcome {
    Applied {
        status: u16,
        /// The record's id, when the answer names it (`OData-EntityId`).
        id: Option<String>,
    },
    Failed {
        #[cfg_attr(feature = "specta", specta(type = d365_common::ErrorPayload))]
        error: DataverseError,
    },
    /// Not applied: its change set was rolled back, or an earlier batch failed.
    NotApplied { reason: String },
}

impl ItemOutcome {
    pub fn is_applied(&self) -> bool {
        matches!(self, ItemOutcome::Applied { .. })
    }
}

/// Runs `operations`; one outcome per operation, in order. Fails as a whole only on bad options.
pub async fn run(
    client: &Client,
    operations: &[Operation],
    options: &BatchOptions,
) -> Result<Vec<ItemOutcome>> {
    check_options(options)?;
    let chunks: Vec<&[Operation]> = operations.chunks(options.per_batch).collect();
    let mut outcomes = Vec::with_capacity(operations.len());
    match options.mode {
        BatchMode::Atomic => {
            for (n, chunk) in chunks.iter().enumerate() {
                let results = send(client, chunk, BatchMode::Atomic).await;
                let failed = !results.iter().all(ItemOutcome::is_applied);
                outcomes.extend(results);
                if failed {
                    let reason = format!("Not sent: batch {} of {} failed.", n + 1, chunks.len());
                    outcomes.resize(operations.len(), ItemOutcome::NotApplied { reason });
                    break;
                }
            }
        }
        BatchMode::ContinueOnError => {
            // The requests made first (no closure kept in the stream's type): the future stays `Send` for
            // any caller, a Tauri command's included.
            let requests: Vec<_> =
                chunks.iter().map(|chunk| send(client, chunk, BatchMode::ContinueOnError)).collect();
            let mut results = futures_util::stream::iter(requests).buffered(options.parallel.max(1));
            while let Some(result) = results.next().await {
                outcomes.extend(result);
            }
        }
    }
    Ok(outcomes)
}

/// Checks `options` as [`run`] does.
fn check_options(options: &BatchOptions) -> Result<()> {
    if options.per_batch == 0 || options.per_batch > MAX_OPERATIONS {
        return Err(DataverseError::new(
            "input.batch_size",
            format!("A batch holds 1 to {MAX_OPERATIONS} operations, not {}.", options.per_batch),
            None,
        ));
    }
    Ok(())
}

/// The `$batch` request for `chunk`: what [`run`] sends and [`preview`] shows, built here for both.
fn request(base: &str, chunk: &[Operation], mode: BatchMode) -> Result<Request> {
    // Inside a batch a line break is a new header or a new request: no part may carry one (as a top-level
    // request's headers may not). The whole batch is refused, since an atomic one must not half-run.
    if let Some(error) = chunk.iter().find_map(Operation::line_break) {
        return Err(error);
    }
    let parts: Vec<PartRequest> = chunk.iter().map(|o| o.part(base)).collect();
    let (content_type, body) = multipart::write(&parts, mode == BatchMode::Atomic, &boundary_id(&parts));
    let repeatable = if chunk.iter().all(Operation::repeatable) { Repeatable::Yes } else { Repeatable::No };
    let mut request =
        Request::post("$batch", Value::Null).raw(content_type, body.into_bytes()).repeatable(repeatable);
    if mode == BatchMode::ContinueOnError {
        request = request.header(HeaderName::from_static("prefer"), "odata.continue-on-error");
    }
    Ok(request)
}

/// A boundary taken from the parts themselves rather than drawn at random, so that a preview shows the
/// very bytes the commit sends. It must not occur inside any part (a multipart rule); it is salted again in
/// the unlikely case that it does.
fn boundary_id(parts: &[PartRequest]) -> String {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let text: Vec<String> = parts.iter().map(|p| format!("{p:?}")).collect();
    (0u64..)
        .map(|salt| {
            let hash = |seed: u64| {
                let mut hasher = DefaultHasher::new();
                (seed, salt, &text).hash(&mut hasher);
                hasher.finish()
            };
            format!("{:016x}{:016x}", hash(1), hash(2))
        })
        .find(|id| !text.iter().any(|part| part.contains(id.as_str())))
        .unwrap_or_default()
}

/// One `$batch` of a [`preview`]: the request as it will be sent, and the operations (indexes into the
/// operations previewed) it carries; or why it would not be sent.
#[derive(Debug, Clone, PartialEq)]
pub struct PreviewedBatch {
    pub operations: std::ops::Range<usize>,
    pub request: Result<WireRequest>,
}

/// The `$batch` requests [`run`] would send for `operations`, exactly (the token hidden). In atomic mode the
/// batches after the first are sent only if those before them applied.
pub fn preview(
    client: &Client,
    operations: &[Operation],
    options: &BatchOptions,
) -> Result<Vec<PreviewedBatch>> {
    check_options(options)?;
    let base = client.instance().web_api();
    Ok(operations
        .chunks(options.per_batch)
        .enumerate()
        .map(|(n, chunk)| PreviewedBatch {
            operations: n * options.per_batch..n * options.per_batch + chunk.len(),
            request: request(&base, chunk, options.mode).and_then(|r| client.wire(&r)),
        })
        .collect())
}

/// One `$batch`; an outcome for each of `chunk`.
async fn send(client: &Client, chunk: &[Operation], mode: BatchMode) -> Vec<ItemOutcome> {
    let base = client.instance().web_api();
    let all_failed = |error: DataverseError| vec![ItemOutcome::Failed { error }; chunk.len()];
    let request = match request(&base, chunk, mode) {
        Ok(request) => request,
        Err(error) => return all_failed(error),
    };
    let response = match client.send_for_any_status(&request).await {
        Ok(response) => response,
        Err(error) => return all_failed(error),
    };
    let content_type = response.header("content-type").unwrap_or_default().to_owned();
    let items = match multipart::read(&content_type, &String::from_utf8_lossy(&response.body)) {
        Ok(items) => items,
        // Not a multipart answer: an error about the batch as a whole (too many operations, no privilege).
        Err(_) if !response.status.is_success() => {
            let body: Option<Value> = serde_json::from_slice(&response.body).ok();
            return all_failed(diagnose(&base, None, response.status, &response.headers, body.as_ref()));
        }
        Err(problem) => {
            return all_failed(DataverseError::new(
                "api.malformed_response",
                format!(
                    "The batch's answer could not be read ({problem}). Its changes may or may not have been applied."
                ),
                Some("Reload the records to see which changes were made before trying again.".to_owned()),
            ));
        }
    };
    match mode {
        BatchMode::Atomic => atomic_outcomes(&base, chunk.len(), items),
        BatchMode::ContinueOnError => {
            let mut outcomes: Vec<ItemOutcome> = items
                .into_iter()
                .flat_map(|item| match item {
                    ResponseItem::Response(part) => vec![part],
                    ResponseItem::ChangeSet(parts) => parts,
                })
                .map(|part| outcome(&base, &part))
                .collect();
            let missing = DataverseError::new(
                "api.malformed_response",
                "The batch's answer had no result for this operation.",
                None,
            );
            outcomes.resize(chunk.len(), ItemOutcome::Failed { error: missing });
            outcomes
        }
    }
}

/// A change set's answer: every part applied, or one error part (naming the failed item by Content-ID)
/// and everything else rolled back.
fn atomic_outcomes(base: &str, count: usize, items: Vec<ResponseItem>) -> Vec<ItemOutcome> {
    match items.into_iter().next() {
        Some(ResponseItem::ChangeSet(parts)) => {
            let by_id: HashMap<usize, &PartResponse> =
                parts.iter().filter_map(|p| Some((p.content_id.as_deref()?.parse().ok()?, p))).collect();
            (1..=count)
                .map(|n| match by_id.get(&n).copied().or_else(|| parts.get(n - 1)) {
                    Some(part) => outcome(base, part),
                    None => ItemOutcome::Failed {
                        error: DataverseError::new(
                            "api.malformed_response",
                            "The change set's answer had no result for this operation.",
                            None,
                        ),
                    },
                })
                .collect()
        }
        Some(ResponseItem::Response(part)) => {
            let failed = part.content_id.as_deref().and_then(|id| id.parse::<usize>().ok());
            let failure = outcome(base, &part);
            let reason = match failed {
                Some(n) => format!("Rolled back: operation {n} of its change set failed."),
                None => "Rolled back: its change set failed.".to_owned(),
            };
            (1..=count)
                .map(|n| match failed {
                    Some(f) if f == n => failure.clone(),
                    None if n == 1 => failure.clone(),
                    _ => ItemOutcome::NotApplied { reason: reason.clone() },
                })
                .collect()
        }
        None => vec![
            ItemOutcome::Failed {
                error: DataverseError::new("api.malformed_response", "The batch's answer was empty.", None)
            };
            count
        ],
    }
}

fn outcome(base: &str, part: &PartResponse) -> ItemOutcome {
    let status = StatusCode::from_u16(part.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status.is_success() {
        let id = part
            .header("odata-entityid")
            .and_then(|e| e.rsplit_once('(')?.1.strip_suffix(')')?.parse::<uuid::Uuid>().ok())
            .map(|id| id.to_string());
        return ItemOutcome::Applied { status: part.status, id };
    }
    let mut headers = HeaderMap::new();
    for (name, value) in &part.headers {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(name.as_str()), HeaderValue::from_str(value)) {
            headers.append(name, value);
        }
    }
    let body: Option<Value> = serde_json::from_str(&part.body).ok();
    ItemOutcome::Failed { error: diagnose(base, None, status, &headers, body.as_ref()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_boundary_comes_from_the_parts_and_never_occurs_in_them() {
        let update = |name: &str| {
            Operation::update(
                "accounts(1)",
                Map::from_iter([("name".into(), Value::from(name))]),
                &Concurrency::Overwrite,
            )
        };
        let parts =
            |ops: &[Operation]| ops.iter().map(|o| o.part("https://org/api/data/v9.2/")).collect::<Vec<_>>();
        let one = boundary_id(&parts(&[update("A")]));
        assert_eq!(
            one,
            boundary_id(&parts(&[update("A")])),
            "the same parts, the same bytes: a preview is exact"
        );
        assert_ne!(one, boundary_id(&parts(&[update("B")])));
        // A part that holds the boundary it would get is given another.
        let sneaky = parts(&[update(&one)]);
        assert!(!format!("{sneaky:?}").contains(&boundary_id(&sneaky)));
    }
}
