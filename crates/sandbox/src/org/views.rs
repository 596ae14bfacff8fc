//! Running a view or a FetchXML query on an entity set: `GET <set>?savedQuery=<id>`, `?userQuery=<id>`
//! (Microsoft Learn, "Retrieve and execute predefined queries") and `?fetchXml=` ("Use FetchXml with the
//! Web API", "Page results using FetchXml"). Each becomes a `ReadQuery`, so that formatted values and
//! annotations are the collection's own; views page with next links, FetchXML with its paging cookie.

use std::collections::HashMap;

use axum::response::Response;
use rusqlite::OptionalExtension;
use uuid::Uuid;

use super::auth::Caller;
use super::errors::DataverseError;
use super::records::{self, Paging, Prefer};
use crate::data::schema::Table;
use crate::data::store::quote;
use crate::odata::fetchxml::{self, Fetch};
use crate::odata::filter::{Filter, Literal, Op};
use crate::odata::query::{self, MAX_PAGE_SIZE, PREDEFINED, ReadQuery, bad_request};
use crate::state::{SandboxState, ViewPaging};

/// `GET <set>?fetchXml=…`, `?savedQuery=…` or `?userQuery=…`.
pub fn run(
    state: &SandboxState,
    caller: &Caller,
    table: &Table,
    raw_query: Option<&str>,
    options: &HashMap<String, String>,
    prefer: &Prefer,
) -> Result<Response, DataverseError> {
    let given: Vec<&str> = PREDEFINED.iter().copied().filter(|name| options.contains_key(*name)).collect();
    let [name] = given.as_slice() else {
        return Err(bad_request(format!("Only one of {} can be used in a request.", given.join(", "))));
    };
    let name = *name;
    // The view or the FetchXML decides columns, filter and order; other options would be ignored, so
    // they are refused (`$skiptoken` is the view's own next link).
    for option in options.keys().map(String::as_str) {
        let allowed = option == name || option == "$count" || (option == "$skiptoken" && name != "fetchXml");
        if !allowed {
            return Err(bad_request(format!(
                "The query parameter {option} can't be used with {name} in the D365 Desk sandbox."
            )));
        }
    }
    if prefer.track_changes {
        return Err(bad_request(format!(
            "Change tracking is not supported with the query parameter {name}."
        )));
    }
    let count = match options.get("$count").map(String::as_str) {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => return Err(bad_request(format!("Invalid $count value '{other}'."))),
    };
    let value = options.get(name).map(String::as_str).unwrap_or_default();
    if name == "fetchXml" {
        return run_fetch(state, caller, table, value, count, raw_query, prefer);
    }
    let text = view_fetchxml(state, caller, table, name, value)?;
    let mut query =
        read_query(table, fetchxml::parse(&text, table, state.store.tables(), caller.system_user_id)?, count);
    if !query.joins.order.is_empty() {
        // A view pages by keyset next links on its entity's sort values.
        return Err(bad_request(
            "The D365 Desk sandbox does not run a view sorted by a <link-entity> column.",
        ));
    }
    if state.options.view_paging == ViewPaging::Cookie {
        // Only the first page: the client goes on with the view's FetchXML and the cookie.
        let size_from_prefer = prefer.max_page_size.is_some();
        let size = prefer.max_page_size.map_or(MAX_PAGE_SIZE, |s| s.clamp(1, MAX_PAGE_SIZE));
        return records::page(
            state,
            &query,
            raw_query,
            prefer,
            &Paging::FetchXml { page: 1, size, size_from_prefer },
        );
    }
    let (after, page_number, _) = query::skiptoken_position(options, query.order.len())?;
    query.after = after;
    query.page_number = page_number;
    records::page(state, &query, raw_query, prefer, &Paging::NextLink)
}

fn run_fetch(
    state: &SandboxState,
    caller: &Caller,
    table: &Table,
    text: &str,
    count: bool,
    raw_query: Option<&str>,
    prefer: &Prefer,
) -> Result<Response, DataverseError> {
    let fetch = fetchxml::parse(text, table, state.store.tables(), caller.system_user_id)?;
    // The fetch's `count` is its page size; without it, `odata.maxpagesize` (unconfirmed), else 5000.
    let size_from_prefer = fetch.count.is_none() && prefer.max_page_size.is_some();
    let size =
        fetch.count.or(prefer.max_page_size.map(|s| s.clamp(1, MAX_PAGE_SIZE))).unwrap_or(MAX_PAGE_SIZE);
    let (page, cookie) = (fetch.page, fetch.paging_cookie.clone());
    let mut query = read_query(table, fetch, count);
    // A fetch sorted by a linked column gets no cookie; one sent anyway is ignored (it can't place the page).
    let after = match cookie {
        Some(cookie) if page > 1 && query.joins.order.is_empty() => {
            fetchxml::cookie_position(&cookie, page, &query.order)?
        }
        _ => None,
    };
    match after {
        Some(after) => query.after = Some(after),
        // Simple paging: the rows of the pages before are skipped.
        None => query.offset = (page - 1).saturating_mul(size),
    }
    query.page_number = page;
    records::page(state, &query, raw_query, prefer, &Paging::FetchXml { page, size, size_from_prefer })
}

fn read_query<'t>(table: &'t Table, fetch: Fetch<'t>, count: bool) -> ReadQuery<'t> {
    let mut order = fetch.order;
    let mut joins = fetch.joins;
    joins.order_at = order.len();
    if !order.iter().any(|(c, _)| c.logical_name == table.primary_id) {
        order.extend(fetch.columns.first().map(|primary| (*primary, false)));
    }
    ReadQuery {
        table,
        select_text: fetch.select_text,
        columns: fetch.columns,
        filter: fetch.filter,
        order,
        top: fetch.top,
        count,
        after: None,
        page_number: 1,
        tracking_since: None,
        delta_since: None,
        expand: Vec::new(),
        offset: 0,
        // Learn: "Unlike queries using OData syntax, FetchXml queries don't return properties with null
        // values"; views answer the same way.
        omit_nulls: true,
        joins,
    }
}

/// The FetchXML of the view `id`, checked to be one the caller may run on `table`.
fn view_fetchxml(
    state: &SandboxState,
    caller: &Caller,
    table: &Table,
    parameter: &str,
    id: &str,
) -> Result<String, DataverseError> {
    let view_table = state
        .store
        .table(if parameter == "savedQuery" { "savedquery" } else { "userquery" })
        .ok_or_else(|| bad_request(format!("The query parameter {parameter} is not supported.")))?;
    let id = Uuid::try_parse(id.trim().trim_start_matches('{').trim_end_matches('}'))
        .map_err(|_| {
            bad_request(format!("'{id}' is not a valid value for the query parameter {parameter}."))
        })?
        .to_string();
    let owner = if view_table.column("ownerid").is_some() { quote("ownerid") } else { "NULL".to_owned() };
    let sql = format!(
        "SELECT returnedtypecode, fetchxml, {owner} FROM {} WHERE {} = ?1",
        quote(view_table.logical_name),
        quote(view_table.primary_id)
    );
    let found: Option<(Option<String>, Option<String>, Option<String>)> = state
        .store
        .lock()
        .query_row(&sql, [&id], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .optional()
        .map_err(|e| bad_request(format!("The view could not be read: {e}")))?;
    let (returned, text) = match found {
        // A personal view is its owner's (sharing is not emulated): anyone else's does not exist for them.
        Some((_, _, Some(owner))) if owner != caller.system_user_id.to_string() => {
            return Err(records::not_found(view_table, &id));
        }
        Some((returned, text, _)) => (returned.unwrap_or_default(), text.unwrap_or_default()),
        None => return Err(records::not_found(view_table, &id)),
    };
    if returned != table.logical_name {
        return Err(bad_request(format!(
            "The {} with Id = {id} returns '{returned}' rows; run it on the entity set of '{returned}', not '{}'.",
            view_table.logical_name, table.entity_set
        )));
    }
    Ok(text)
}

/// Personal views are read by their owner only, as Dataverse shows each person their own (sharing is not
/// emulated): a read of `userqueries` gets an owner condition.
pub fn only_own_personal_views(caller: &Caller, query: &mut ReadQuery<'_>) {
    if query.table.logical_name != "userquery" {
        return;
    }
    let own = Filter::Compare {
        property: "_ownerid_value".into(),
        op: Op::Eq,
        value: Literal::Guid(caller.system_user_id),
    };
    query.filter = Some(match query.filter.take() {
        Some(filter) => Filter::And(Box::new(filter), Box::new(own)),
        None => own,
    });
}
