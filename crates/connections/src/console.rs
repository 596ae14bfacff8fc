//! The Web API console: one request as a person typed it, and the answer as it came (any status), with
//! its time. The token is added by the client and never shown; a read-only connection refuses writes here
//! as everywhere.

use std::time::Instant;

use d365_dataverse::DataverseError;
use d365_dataverse::client::{Body, Client, Request};
use d365_dataverse::reqwest::Method;
use d365_dataverse::reqwest::header::HeaderName;
use d365_dataverse::retry::Repeatable;
use serde::{Deserialize, Serialize};

use crate::error::Result;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ConsoleRequest {
    /// GET, POST, PATCH, PUT or DELETE.
    pub method: String,
    /// Relative to the Web API (`WhoAmI`, `accounts?$top=3`); a leading `/api/data/v9.2/` is dropped.
    pub path: String,
    #[serde(default)]
    pub headers: Vec<ConsoleHeader>,
    /// JSON, sent as typed (its numbers are not re-encoded).
    #[serde(default)]
    pub body: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ConsoleHeader {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ConsoleAnswer {
    pub status: u16,
    pub millis: u32,
    pub headers: Vec<ConsoleHeader>,
    /// The body as it came (lossy UTF-8).
    pub body: String,
    /// The body indented, when it is JSON (every number as written: the window must not parse it).
    pub pretty: Option<String>,
}

/// Headers the client sets itself: a person cannot replace the token, or the framing of the request.
const RESERVED: &[&str] = &["authorization", "host", "content-length", "transfer-encoding", "connection"];

fn refused(message: String) -> crate::ConnectionError {
    DataverseError::new("input.invalid", message, None).into()
}

pub async fn send_console(client: &Client, request: &ConsoleRequest) -> Result<ConsoleAnswer> {
    let path = request.path.trim().trim_start_matches('/').trim_start_matches("api/data/v9.2/");
    if path.is_empty() {
        return Err(refused("Give a path under the Web API, e.g. WhoAmI.".to_owned()));
    }
    let method = match request.method.to_ascii_uppercase().as_str() {
        "GET" => Method::GET,
        "POST" => Method::POST,
        "PATCH" => Method::PATCH,
        "PUT" => Method::PUT,
        "DELETE" => Method::DELETE,
        other => return Err(refused(format!("'{other}' is not a method the Web API takes."))),
    };
    let mut outgoing = match method {
        Method::GET => Request::get(path),
        Method::DELETE => Request::delete(path),
        _ => Request::post(path, serde_json::Value::Null),
    };
    outgoing.method = method;
    // A write typed by hand is never sent twice on its own.
    outgoing.repeatable = if outgoing.method == Method::GET { Repeatable::Yes } else { Repeatable::No };
    outgoing.body = match request.body.as_deref().map(str::trim).filter(|b| !b.is_empty()) {
        Some(text) => {
            serde_json::from_str::<serde_json::Value>(text)
                .map_err(|e| refused(format!("The body is not JSON: {e}.")))?;
            Some(Body::Raw { content_type: "application/json".to_owned(), bytes: text.as_bytes().to_vec() })
        }
        None => None,
    };
    for header in &request.headers {
        let name = header.name.trim().to_ascii_lowercase();
        if RESERVED.contains(&name.as_str()) {
            return Err(refused(format!("The client sets {} itself.", header.name.trim())));
        }
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| refused(format!("'{}' is not a header name.", header.name.trim())))?;
        outgoing = outgoing.header(name, header.value.clone());
    }
    let started = Instant::now();
    let response = client.send_for_any_status(&outgoing).await?;
    let millis = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
    let body = String::from_utf8_lossy(&response.body).into_owned();
    let pretty = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|value| serde_json::to_string_pretty(&value).ok());
    let headers = response
        .headers
        .iter()
        .map(|(name, value)| ConsoleHeader {
            name: name.to_string(),
            value: String::from_utf8_lossy(value.as_bytes()).into_owned(),
        })
        .collect();
    Ok(ConsoleAnswer { status: response.status.as_u16(), millis, headers, body, pretty })
}
