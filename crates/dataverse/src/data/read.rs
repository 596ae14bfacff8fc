//! Paged reads: `Prefer: odata.maxpagesize`, `@odata.nextLink` followed exactly as given (with the same
//! Prefer), as an async stream of pages that stops when dropped. Change tracking hands back a delta link.

use std::sync::Arc;

use futures_util::Stream;
use reqwest::header::{HeaderName, IF_NONE_MATCH};
use serde_json::Value;

use super::rows::Row;
use crate::client::{Client, Request};
use crate::error::{DataverseError, Result};

/// How to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// Rows per page (Dataverse's maximum and default: 5000).
    pub page_size: u32,
    /// Ask for formatted values and lookup annotations.
    pub annotations: bool,
    /// Ask for a delta link (change tracking) at the end.
    pub track_changes: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self { page_size: 5000, annotations: true, track_changes: false }
    }
}

impl ReadOptions {
    /// `target`'s Prefer header. A query with `$top` gets no page size: Dataverse would ignore the `$top`.
    fn prefer(&self, target: &str) -> String {
        let mut prefer = Vec::new();
        if !target.contains("$top=") {
            prefer.push(format!("odata.maxpagesize={}", self.page_size.clamp(1, 5000)));
        }
        if self.annotations {
            prefer.push("odata.include-annotations=\"*\"".to_owned());
        }
        if self.track_changes {
            prefer.push("odata.track-changes".to_owned());
        }
        prefer.join(",")
    }
}

/// A row a delta read reports as deleted.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Deleted {
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Page {
    pub rows: Vec<Row>,
    /// Deleted rows, in a delta read.
    pub deleted: Vec<Deleted>,
    /// `@odata.count`, when `$count=true` was asked (Dataverse caps it at 5000).
    pub count: Option<u64>,
    pub next_link: Option<String>,
    pub delta_link: Option<String>,
    /// FetchXML paging: `@Microsoft.Dynamics.CRM.fetchxmlpagingcookie` (see [`super::fetch_paging`]).
    pub paging_cookie: Option<String>,
    /// `@Microsoft.Dynamics.CRM.morerecords`: FetchXML paging's "there is another page".
    pub more_records: bool,
}

fn page_from(mut body: Value) -> Result<Page> {
    // `get_mut`, not `body["value"]`: indexing a JSON array (or a number) by name would panic.
    let Some(Value::Array(items)) = body.get_mut("value").map(Value::take) else {
        return Err(DataverseError::new(
            "api.malformed_response",
            "The environment's answer had no rows ('value').",
            None,
        ));
    };
    let mut rows = Vec::with_capacity(items.len());
    let mut deleted = Vec::new();
    for item in items {
        let Value::Object(object) = item else { continue };
        let context = object.get("@odata.context").and_then(Value::as_str).unwrap_or_default();
        if context.ends_with("$deletedEntity")
            || object.get("reason").and_then(Value::as_str) == Some("deleted")
        {
            deleted.push(Deleted {
                id: object.get("id").and_then(Value::as_str).unwrap_or_default().to_owned(),
            });
        } else {
            rows.push(Row::from_json(object));
        }
    }
    let link = |key: &str| body[key].as_str().map(str::to_owned);
    Ok(Page {
        rows,
        deleted,
        count: body["@odata.count"].as_u64(),
        next_link: link("@odata.nextLink"),
        delta_link: link("@odata.deltaLink"),
        paging_cookie: link("@Microsoft.Dynamics.CRM.fetchxmlpagingcookie"),
        more_records: body["@Microsoft.Dynamics.CRM.morerecords"].as_bool() == Some(true),
    })
}

/// One page at `target` (a path under the Web API, or a nextLink / deltaLink as the server gave it).
pub async fn page(client: &Client, target: &str, options: &ReadOptions) -> Result<Page> {
    let request = Request::get(target).header(HeaderName::from_static("prefer"), options.prefer(target));
    let body = client.send(&request).await?.json()?; // the bytes are dropped before the rows are built
    page_from(body)
}

/// Every page from `first` on, following nextLinks; the stream ends after the last page (whose delta link,
/// with change tracking, is where the next incremental read starts). Dropping the stream cancels the read.
/// A nextLink seen before ends the read with an error: a server that sends one would have it loop forever.
pub fn pages(client: Arc<Client>, first: String, options: ReadOptions) -> impl Stream<Item = Result<Page>> {
    let state = (Some(first), std::collections::HashSet::new());
    futures_util::stream::try_unfold(state, move |(next, mut seen)| {
        let (client, options) = (client.clone(), options.clone());
        async move {
            let Some(target) = next else { return Ok(None) };
            if !seen.insert(target.clone()) {
                return Err(DataverseError::new(
                    "api.malformed_response",
                    format!(
                        "The environment sent a next page link it had sent before ({}); the read stopped there.",
                        crate::input::excerpt(&target)
                    ),
                    Some(
                        "Try again; if it happens again, the server is not paging as Dataverse does."
                            .to_owned(),
                    ),
                ));
            }
            let page = page(&client, &target, &options).await?;
            if page.next_link.is_none() && page.more_records {
                // A view paged only by its cookie (as Dataverse may page one): stopping here would pass a
                // part for the whole.
                return Err(DataverseError::new(
                    "api.paging_unsupported",
                    "The environment says there are more rows but gave no link to them (it pages this view \
                     only by a FetchXML paging cookie); the read stopped rather than be incomplete.",
                    Some(
                        "Open the table with the view's filter instead of the view, and read or export that."
                            .to_owned(),
                    ),
                ));
            }
            let next = page.next_link.clone();
            Ok(Some((page, (next, seen))))
        }
    })
}

/// One record by id or alternate key (`accounts(<id>)`, `accounts(accountnumber='A-1')`). With `etag`, an
/// unchanged record answers 304 and this returns `None`.
pub async fn retrieve(
    client: &Client,
    path: &str,
    etag: Option<&str>,
    annotations: bool,
) -> Result<Option<Row>> {
    let mut request = Request::get(path);
    if annotations {
        request = request.header(HeaderName::from_static("prefer"), "odata.include-annotations=\"*\"");
    }
    if let Some(etag) = etag {
        request = request.header(IF_NONE_MATCH, etag);
    }
    let response = client.send(&request).await?;
    if response.status == reqwest::StatusCode::NOT_MODIFIED {
        return Ok(None);
    }
    match response.json()? {
        Value::Object(object) => Ok(Some(Row::from_json(object))),
        _ => Err(DataverseError::new("api.malformed_response", "The record came back empty.", None)),
    }
}
