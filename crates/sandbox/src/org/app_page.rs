//! `main.aspx`, the model-driven app's address (`?pagetype=entityrecord&etn=account&id=<id>` or
//! `pagetype=entitylist`): Dataverse's own UI is not emulated, so the sandbox answers with a plain page of
//! its own that shows the record, or the table's first rows. "Open in Dynamics 365" lands somewhere real.
//! It needs no sign-in: the sandbox listens on loopback only and holds demo data.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde_json::Value;

use super::records::{Prefer, read_one};
use crate::data::store::quote;
use crate::identity::pages::escape;
use crate::state::SandboxState;

/// How many rows a list page shows.
const LIST_ROWS: i64 = 50;

pub async fn main_aspx(
    State(state): State<Arc<SandboxState>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let etn = params.get("etn").map(String::as_str).unwrap_or_default();
    let Some(table) = state.store.table(etn) else {
        return page(
            StatusCode::NOT_FOUND,
            "Not found",
            &format!("<p>There is no table '{}'.</p>", escape(etn)),
        );
    };
    match params.get("pagetype").map(String::as_str) {
        Some("entityrecord") => {
            let id =
                params.get("id").map(|id| id.trim_matches(['{', '}']).to_lowercase()).unwrap_or_default();
            let mut headers = HeaderMap::new();
            headers.insert("prefer", HeaderValue::from_static("odata.include-annotations=\"*\""));
            let conn = state.store.lock();
            match read_one(&state, &conn, table, &id, &HashMap::new(), &Prefer::from_headers(&headers)) {
                Ok(record) => {
                    let title = record
                        .get(table.primary_name)
                        .and_then(Value::as_str)
                        .unwrap_or(table.display_name)
                        .to_owned();
                    page(StatusCode::OK, &title, &record_table(table.display_name, &record))
                }
                Err(_) => page(
                    StatusCode::NOT_FOUND,
                    "Not found",
                    &format!("<p>No {} has the id '{}'.</p>", escape(table.display_name), escape(&id)),
                ),
            }
        }
        Some("entitylist") => {
            let conn = state.store.lock();
            let sql = format!(
                "SELECT {id}, {name} FROM {table} ORDER BY {name} COLLATE NOCASE LIMIT {LIST_ROWS}",
                id = quote(table.primary_id),
                name = quote(table.primary_name),
                table = quote(table.logical_name)
            );
            let rows: Vec<(String, Option<String>)> = match conn
                .prepare(&sql)
                .and_then(|mut s| s.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?.collect())
            {
                Ok(rows) => rows,
                Err(err) => {
                    return page(StatusCode::INTERNAL_SERVER_ERROR, "Error", &escape(&err.to_string()));
                }
            };
            let items: String = rows
                .iter()
                .map(|(id, name)| {
                    format!(
                        "<li><a href=\"main.aspx?pagetype=entityrecord&amp;etn={}&amp;id={}\">{}</a></li>",
                        escape(table.logical_name),
                        escape(id),
                        escape(name.as_deref().unwrap_or("(no name)"))
                    )
                })
                .collect();
            page(StatusCode::OK, table.display_collection_name, &format!("<ol>{items}</ol>"))
        }
        _ => page(
            StatusCode::BAD_REQUEST,
            "Bad request",
            "<p>pagetype must be entityrecord or entitylist.</p>",
        ),
    }
}

/// The record's columns A–Z, each with what the environment displays and its raw value.
fn record_table(table: &str, record: &serde_json::Map<String, Value>) -> String {
    let mut rows = String::new();
    for (name, value) in record {
        if name.contains('@') {
            continue;
        }
        let raw = match value {
            Value::Null => String::new(),
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        let shown = record
            .get(&format!("{name}@OData.Community.Display.V1.FormattedValue"))
            .and_then(Value::as_str)
            .unwrap_or(&raw);
        rows.push_str(&format!(
            "<tr><th>{}</th><td>{}</td><td><code>{}</code></td></tr>",
            escape(name),
            escape(shown),
            escape(&raw)
        ));
    }
    format!("<p>{}</p><table>{rows}</table>", escape(table))
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title} - D365 Desk Sandbox</title></head>\
         <body><h1>{title}</h1>{body}<p><small>D365 Desk Sandbox: a stand-in for the Dynamics 365 app.</small></p></body></html>",
        title = escape(title)
    );
    (status, Html(html)).into_response()
}
