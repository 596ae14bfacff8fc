//! The bulk operation messages, bound to an entity set: `POST accounts/Microsoft.Dynamics.CRM.CreateMultiple`
//! (and `UpdateMultiple`, `UpsertMultiple`) with `{"Targets": [{"@odata.type": "Microsoft.Dynamics.CRM.account",
//! ...}]}`. Every item goes through the single-row write path (`writes::execute`: the same checks, errors,
//! privileges), inside the caller's one transaction, so one refused item leaves nothing applied, as on a
//! standard table in Dataverse. A call counts once toward service protection, as in Dataverse.
//!
//! Dataverse enables the messages on custom tables and on many, not all, system tables; the sandbox has them on
//! its business tables and custom tables, and its other system tables answer as a table without the message
//! does. `DeleteMultiple` is for elastic tables only, and the sandbox has none.

use std::collections::HashMap;

use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use rusqlite::Connection;
use serde_json::{Value, json};

use super::auth::Caller;
use super::errors::DataverseError;
use super::writes::{self, Outcome, missing_privilege};
use crate::data::schema::Table;
use crate::state::SandboxState;

const NAMESPACE: &str = "Microsoft.Dynamics.CRM.";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message {
    CreateMultiple,
    UpdateMultiple,
    UpsertMultiple,
    DeleteMultiple,
}

impl Message {
    fn name(self) -> &'static str {
        match self {
            Message::CreateMultiple => "CreateMultiple",
            Message::UpdateMultiple => "UpdateMultiple",
            Message::UpsertMultiple => "UpsertMultiple",
            Message::DeleteMultiple => "DeleteMultiple",
        }
    }
}

/// `accounts/Microsoft.Dynamics.CRM.CreateMultiple` → the entity set and the message.
pub fn bound_message(path: &str) -> Option<(&str, Message)> {
    let (entity_set, action) = path.split_once('/')?;
    let message = match action.strip_prefix(NAMESPACE)? {
        "CreateMultiple" => Message::CreateMultiple,
        "UpdateMultiple" => Message::UpdateMultiple,
        "UpsertMultiple" => Message::UpsertMultiple,
        "DeleteMultiple" => Message::DeleteMultiple,
        _ => return None,
    };
    (!entity_set.contains('(')).then_some((entity_set, message))
}

/// The tables with the bulk messages: the business tables and every custom one.
fn supports_bulk(table: &Table) -> bool {
    table.is_custom
        || matches!(table.logical_name, "account" | "contact" | "lead" | "opportunity" | "incident")
}

fn bad(code: &'static str, message: impl Into<String>) -> DataverseError {
    DataverseError::new(StatusCode::BAD_REQUEST, code, message)
}

/// Dataverse's answer for a message a table does not have (`0x80040800`, SdkEntityDoesNotSupportMessage).
fn not_supported(message: Message, table: &Table) -> DataverseError {
    bad(
        "0x80040800",
        format!(
            "The '{}' method does not support entities of type '{}'. MessageProcessorCache returned MessageProcessor.Empty. ",
            message.name(),
            table.logical_name
        ),
    )
}

/// Runs a bulk message on `entity_set`, each item through the single-row write path on `conn` (the caller's
/// transaction: the caller commits only when this succeeds).
#[allow(clippy::too_many_arguments)] // a bound action's parts, as `writes::execute` has them
pub fn execute(
    state: &SandboxState,
    caller: &Caller,
    conn: &Connection,
    method: &Method,
    entity_set: &str,
    message: Message,
    body: &[u8],
) -> Result<Outcome, DataverseError> {
    let table =
        state.store.by_entity_set(entity_set).ok_or_else(|| DataverseError::segment_not_found(entity_set))?;
    if *method != Method::POST {
        return Err(DataverseError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "0x80060888",
            format!(
                "The HTTP method '{method}' is not allowed for the action '{NAMESPACE}{}'.",
                message.name()
            ),
        ));
    }
    if message == Message::DeleteMultiple {
        // Learn, "Use bulk operation messages": on a standard table, "DeleteMultiple has not yet been implemented."
        return Err(bad("0x80040216", "DeleteMultiple has not yet been implemented."));
    }
    if !supports_bulk(table) {
        return Err(not_supported(message, table));
    }
    let privilege = if message == Message::CreateMultiple { "Create" } else { "Write" };
    if !caller.role.can_write() {
        return Err(missing_privilege(caller, table, privilege));
    }
    let targets = targets(message, body)?;
    let mut ids = Vec::with_capacity(targets.len());
    for (n, item) in targets.iter().enumerate() {
        let Value::Object(properties) = item else {
            return Err(bad("0x80040203", format!("Item {} of Targets is not an entity.", n + 1)));
        };
        check_type(table, properties.get("@odata.type"), n)?;
        let item_body = serde_json::to_vec(item).unwrap_or_default();
        let (method, path, headers) = match message {
            Message::CreateMultiple => (Method::POST, table.entity_set.to_owned(), HeaderMap::new()),
            Message::UpdateMultiple => {
                let path = record_path(state, table, properties)?
                    .ok_or_else(|| bad("0x80040203", "Entity Id must be specified for Update"))?;
                // An update never creates: a missing record is not found, as a single update with If-Match: *.
                let mut headers = HeaderMap::new();
                headers.insert(header::IF_MATCH, HeaderValue::from_static("*"));
                (Method::PATCH, path, headers)
            }
            Message::UpsertMultiple => match record_path(state, table, properties)? {
                Some(path) => (Method::PATCH, path, HeaderMap::new()),
                None => (Method::POST, table.entity_set.to_owned(), HeaderMap::new()),
            },
            Message::DeleteMultiple => unreachable!("answered above"),
        };
        let outcome =
            writes::execute(state, caller, conn, &method, &path, &HashMap::new(), &headers, &item_body)?;
        if message == Message::CreateMultiple {
            ids.push(outcome.entity_id.as_deref().and_then(id_of).unwrap_or_default());
        }
    }
    if message != Message::CreateMultiple {
        return Ok(Outcome {
            status: StatusCode::NO_CONTENT,
            entity_id: None,
            body: None,
            preference_applied: None,
        });
    }
    let context = format!("{}$metadata#{NAMESPACE}CreateMultipleResponse", state.urls.web_api_url);
    Ok(Outcome {
        status: StatusCode::OK,
        entity_id: None,
        body: Some(json!({ "@odata.context": context, "Ids": ids })),
        preference_applied: None,
    })
}

/// The `Targets` parameter: a collection of entities.
fn targets(message: Message, body: &[u8]) -> Result<Vec<Value>, DataverseError> {
    let json: Value = serde_json::from_slice(body).map_err(|e| {
        bad("0x80048d19", format!("Error identified in Payload provided by the user: Invalid JSON: {e}"))
    })?;
    match json.get("Targets") {
        Some(Value::Array(items)) => Ok(items.clone()),
        Some(_) => Err(bad("0x80048d19", "The parameter 'Targets' must be a collection of entities.")),
        None => Err(bad(
            "0x80040203",
            format!("Required field 'Targets' is missing for RequestName='{}'", message.name()),
        )),
    }
}

/// Every item names its table (`"@odata.type": "Microsoft.Dynamics.CRM.account"`), the entity set's.
fn check_type(table: &Table, odata_type: Option<&Value>, n: usize) -> Result<(), DataverseError> {
    let Some(odata_type) = odata_type.and_then(Value::as_str) else {
        return Err(bad(
            "0x80048d19",
            format!(
                "Item {} of Targets has no '@odata.type': every item must name its table, as \
                 \"@odata.type\": \"{NAMESPACE}{}\".",
                n + 1,
                table.logical_name
            ),
        ));
    };
    let logical = odata_type.trim_start_matches('#').strip_prefix(NAMESPACE).unwrap_or(odata_type);
    if logical != table.logical_name {
        return Err(bad(
            "0x80040203",
            format!(
                "All the records of Targets must be of the entity set's table, '{}'; item {} is '{odata_type}'.",
                table.logical_name,
                n + 1
            ),
        ));
    }
    Ok(())
}

/// The record an item names: its `@odata.id` (`accounts(accountnumber='A-1')`, relative or absolute), or its
/// primary key; `None` when it names none.
fn record_path(
    state: &SandboxState,
    table: &Table,
    properties: &serde_json::Map<String, Value>,
) -> Result<Option<String>, DataverseError> {
    if let Some(reference) = properties.get("@odata.id") {
        let reference = reference
            .as_str()
            .ok_or_else(|| bad("0x80048d19", "'@odata.id' must be a string like accounts(<id>)."))?;
        let relative =
            reference.rsplit_once("/api/data/v9.2/").map_or(reference, |(_, r)| r).trim_start_matches('/');
        // A URL, as a request's path is: percent-decoded (`accountnumber=%27A-1%27`).
        let relative = percent_encoding::percent_decode_str(relative).decode_utf8_lossy().into_owned();
        let relative = relative.as_str();
        let named = relative.split('(').next().unwrap_or_default();
        let same = state.store.by_entity_set(named).is_some_and(|t| t.logical_name == table.logical_name);
        if !same || !relative.ends_with(')') {
            return Err(bad(
                "0x80040203",
                format!("'{reference}' does not refer to a record of {}.", table.entity_set),
            ));
        }
        return Ok(Some(relative.to_owned()));
    }
    match properties.get(table.primary_id) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(id)) => match id.parse::<uuid::Uuid>() {
            Ok(id) => Ok(Some(format!("{}({id})", table.entity_set))),
            Err(_) => Err(bad(
                "0x0",
                format!("Cannot convert the literal '\"{id}\"' to the expected type 'Edm.Guid'."),
            )),
        },
        Some(other) => {
            Err(bad("0x0", format!("Cannot convert the literal '{other}' to the expected type 'Edm.Guid'.")))
        }
    }
}

fn id_of(entity_url: &str) -> Option<String> {
    entity_url.rsplit_once('(')?.1.strip_suffix(')').map(str::to_owned)
}
