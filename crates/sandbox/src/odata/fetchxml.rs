//! FetchXML, the subset the sandbox runs, turned into the parts of a `ReadQuery` so that paging, formatted
//! values and annotations behave as for an OData query. Microsoft Learn: "Query data using FetchXml" and
//! its reference pages (`fetchxml/reference/fetch`, `…/condition`, `…/operators`), "Page results using
//! FetchXml". Anything outside the subset is refused with a message naming it, never ignored: an ignored
//! condition would be a wrong answer given silently.

use roxmltree::{Document, Node};
use serde_json::Value;
use uuid::Uuid;

use std::collections::HashSet;

use super::filter::{Filter, Literal, Op, parse_date, parse_date_time};
use super::link::{self, Joins, Link, LinkedColumn};
use super::query::{MAX_PAGE_SIZE, bad_request};
use crate::data::decimal;
use crate::data::schema::{Column, ColumnKind, Table};
use crate::org::errors::DataverseError;
use axum::http::StatusCode;

/// What a `<fetch>` asks for, checked against the table.
#[derive(Debug)]
pub struct Fetch<'t> {
    /// The primary id first, then the attributes in the order written.
    pub columns: Vec<&'t Column>,
    /// The attributes as the context URL names them (`None` for all of them).
    pub select_text: Option<String>,
    pub filter: Option<Filter>,
    /// The `<order>`s, without the primary id that closes every order.
    pub order: Vec<(&'t Column, bool)>,
    pub top: Option<u32>,
    /// The page size (`count`).
    pub count: Option<u32>,
    pub page: u32,
    /// The `paging-cookie` as sent (the inner `<cookie page="…">`).
    pub paging_cookie: Option<String>,
    /// The `<link-entity>` joins.
    pub joins: Joins<'t>,
}

/// The operators the sandbox runs, for the message that refuses the others.
const OPERATORS: &str = "eq, ne, gt, ge, lt, le, like, not-like, in, not-in, null, not-null, on, on-or-after, \
                         on-or-before, eq-userid, ne-userid";

pub fn invalid_xml() -> DataverseError {
    DataverseError::new(StatusCode::BAD_REQUEST, "0x80040201", "Invalid XML.")
}

/// FetchXML the sandbox does not run: Dataverse would, so the sandbox says it is its own limit.
fn unsupported(what: impl std::fmt::Display) -> DataverseError {
    bad_request(format!("The D365 Desk sandbox does not support {what} in FetchXML."))
}

fn unknown_entity(name: &str) -> DataverseError {
    DataverseError::new(
        StatusCode::BAD_REQUEST,
        "0x80041102",
        format!(
            "The entity with a name = '{name}' with namemapping = 'Logical' was not found in the MetadataCache."
        ),
    )
}

fn unknown_attribute(table: &Table, name: &str) -> DataverseError {
    DataverseError::new(
        StatusCode::BAD_REQUEST,
        "0x80041103",
        format!(
            "'{}' entity doesn't contain attribute with Name = '{name}' and NameMapping = 'Logical'.",
            table.logical_name
        ),
    )
}

/// Refuses attributes of an element other than `allowed` (XML attributes, not table columns).
fn only(node: Node<'_, '_>, allowed: &[&str]) -> Result<(), DataverseError> {
    match node.attributes().find(|a| !allowed.contains(&a.name())) {
        Some(other) => {
            Err(unsupported(format!("the attribute '{}' of <{}>", other.name(), node.tag_name().name())))
        }
        None => Ok(()),
    }
}

fn elements<'a, 'i>(node: Node<'a, 'i>) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(Node::is_element)
}

fn flag(node: Node<'_, '_>, name: &str) -> Result<bool, DataverseError> {
    match node.attribute(name) {
        None | Some("false" | "0") => Ok(false),
        Some("true" | "1") => Ok(true),
        Some(other) => Err(bad_request(format!("'{other}' is not a valid value for the attribute {name}."))),
    }
}

fn number(node: Node<'_, '_>, name: &str, max: u32) -> Result<Option<u32>, DataverseError> {
    node.attribute(name)
        .map(|text| {
            text.trim().parse::<u32>().ok().filter(|n| (1..=max).contains(n)).ok_or_else(|| {
                bad_request(format!("The fetch attribute {name}='{text}' must be a number from 1 to {max}."))
            })
        })
        .transpose()
}

fn column<'t>(table: &'t Table, node: Node<'_, '_>) -> Result<&'t Column, DataverseError> {
    let name = node
        .attribute("attribute")
        .or_else(|| node.attribute("name"))
        .ok_or_else(|| bad_request(format!("<{}> needs an attribute name.", node.tag_name().name())))?;
    table.column(name).filter(|c| c.valid_for_read).ok_or_else(|| unknown_attribute(table, name))
}

/// Parses a `<fetch>` against `table` (the entity set's), for a caller whose user id `eq-userid` means;
/// `tables` are the organisation's, for `<link-entity>`.
pub fn parse<'t>(
    text: &str,
    table: &'t Table,
    tables: &'t [Table],
    user: Uuid,
) -> Result<Fetch<'t>, DataverseError> {
    let document = Document::parse(text).map_err(|_| invalid_xml())?;
    let fetch = document.root_element();
    if fetch.tag_name().name() != "fetch" {
        return Err(invalid_xml());
    }
    // `distinct` changes nothing: every row is distinct by its primary id, and the sandbox's joins are
    // many-to-one only (one linked row at most per row).
    // `no-lock` and `latematerialize` are performance hints.
    only(
        fetch,
        &[
            "version",
            "output-format",
            "mapping",
            "distinct",
            "no-lock",
            "latematerialize",
            "top",
            "count",
            "page",
            "paging-cookie",
            "aggregate",
            "useraworderby",
        ],
    )?;
    if flag(fetch, "aggregate")? {
        return Err(unsupported("aggregate queries (aggregate=\"true\")"));
    }
    let top = number(fetch, "top", MAX_PAGE_SIZE)?;
    let count = number(fetch, "count", MAX_PAGE_SIZE)?;
    let page = number(fetch, "page", u32::MAX)?;
    if top.is_some() && (count.is_some() || page.is_some()) {
        // Learn: "Don't use the fetch element top attribute with paging."
        return Err(bad_request("The fetch attribute top can't be used with count or page."));
    }
    let raw_order = flag(fetch, "useraworderby")?;
    let entities: Vec<Node<'_, '_>> = elements(fetch).collect();
    let entity = match entities.as_slice() {
        [entity] if entity.has_tag_name("entity") => *entity,
        [] => return Err(bad_request("The fetch has no <entity> element.")),
        [_] => return Err(unsupported(format!("<{}> inside <fetch>", entities[0].tag_name().name()))),
        more => {
            return Err(bad_request(format!(
                "A fetch holds exactly one <entity> element; this one has {} elements.",
                more.len()
            )));
        }
    };
    only(entity, &["name"])?;
    let name = entity.attribute("name").ok_or_else(|| bad_request("<entity> needs a name."))?;
    if name != table.logical_name {
        return Err(bad_request(format!(
            "The fetchXml is for the entity '{name}', but it was sent to the entity set '{}' (the entity '{}').",
            table.entity_set, table.logical_name
        )));
    }
    let primary = table.column(table.primary_id).ok_or_else(|| unknown_attribute(table, table.primary_id))?;
    let (mut columns, mut all, mut filters, mut order) = (vec![primary], false, Vec::new(), Vec::new());
    let mut links = Vec::new();
    let mut context = LinkContext {
        tables,
        entity: table,
        user,
        raw_order,
        count: 0,
        aliases: HashSet::new(),
        names: HashSet::new(),
        order: Vec::new(),
    };
    for child in elements(entity) {
        match child.tag_name().name() {
            "attribute" => {
                only(child, &["name"])?;
                let column = column(table, child)?;
                if !columns.iter().any(|c| c.logical_name == column.logical_name) {
                    columns.push(column);
                }
            }
            "all-attributes" => all = true,
            "order" => {
                if child.attribute("alias").is_some() {
                    return Err(unsupported("ordering by an alias"));
                }
                only(child, &["attribute", "descending"])?;
                let column = column(table, child)?;
                sortable(column, raw_order)?;
                if !order.iter().any(|(c, _): &(&Column, bool)| c.logical_name == column.logical_name) {
                    order.push((column, flag(child, "descending")?));
                }
            }
            "filter" => filters.extend(filter(table, child, user)?),
            "link-entity" => links.push(parse_link(&mut context, table, child, false)?),
            other => return Err(unsupported(format!("<{other}> inside <entity>"))),
        }
    }
    // No attribute at all means every column, as <all-attributes/>.
    let select_text = if all || columns.len() == 1 {
        columns = std::iter::once(primary)
            .chain(table.readable_columns().filter(|c| c.logical_name != table.primary_id))
            .collect();
        None
    } else {
        let names: Vec<String> = columns.iter().map(|c| c.property_name()).collect();
        // Money brings the currency it is in, as with `$select`.
        if columns.iter().any(|c| matches!(c.kind, ColumnKind::Money { .. }))
            && let Some(currency) = table.column("transactioncurrencyid")
            && !columns.iter().any(|c| c.logical_name == currency.logical_name)
        {
            columns.push(currency);
        }
        Some(names.join(","))
    };
    let filter = filters.into_iter().reduce(|a, b| Filter::And(Box::new(a), Box::new(b)));
    if let Some(filter) = &filter {
        super::query::check_filter(table, filter)?;
    }
    Ok(Fetch {
        columns,
        select_text,
        filter,
        order,
        top,
        count,
        page: page.unwrap_or(1),
        paging_cookie: fetch.attribute("paging-cookie").map(str::to_owned),
        joins: joins(links, context.order),
    })
}

fn joins<'t>(links: Vec<Link<'t>>, order: Vec<(String, bool)>) -> Joins<'t> {
    let mut columns = Vec::new();
    for link in &links {
        link::exposed(link, &mut columns);
    }
    let columns = columns.into_iter().cloned().collect();
    Joins { links, columns, order, order_at: 0 }
}

/// Learn, "Order rows": lookups sort by the related row's name, choices by their labels (unless
/// `useraworderby`); the sandbox sorts by stored values only.
fn sortable(column: &Column, raw_order: bool) -> Result<(), DataverseError> {
    if column.kind.is_lookup() {
        return Err(unsupported(format!("ordering by the lookup '{}'", column.logical_name)));
    }
    if column.kind.options().is_some() && !raw_order {
        return Err(unsupported(format!(
            "ordering by the choice '{}' by its labels (use useraworderby=\"true\")",
            column.logical_name
        )));
    }
    Ok(())
}

/// What the `<link-entity>`s of one fetch share while they are parsed.
struct LinkContext<'t> {
    tables: &'t [Table],
    /// The fetch's `<entity>`: an attribute alias must not take one of its property names.
    entity: &'t Table,
    user: Uuid,
    raw_order: bool,
    count: usize,
    aliases: HashSet<String>,
    /// The answer's names the links use so far.
    names: HashSet<String>,
    order: Vec<(String, bool)>,
}

impl LinkContext<'_> {
    /// Claims an answer name for a linked column; `false` when it is taken.
    fn claim(&mut self, name: &str) -> bool {
        self.entity.column(name).is_none()
            && self.entity.property(name).is_none()
            && self.names.insert(name.to_owned())
    }
}

/// An `alias` as Dataverse names results by it: letters, digits and underscores, not starting with a digit.
fn alias_of(node: Node<'_, '_>) -> Result<Option<String>, DataverseError> {
    let Some(alias) = node.attribute("alias") else { return Ok(None) };
    let valid = alias.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && alias.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if valid {
        Ok(Some(alias.to_owned()))
    } else {
        Err(bad_request(format!(
            "The alias '{alias}' of <{}> is not valid: use letters, digits and underscores.",
            node.tag_name().name()
        )))
    }
}

/// A `<link-entity>` under `parent` (the entity's table or an outer link's): many-to-one along a lookup.
fn parse_link<'t>(
    context: &mut LinkContext<'t>,
    parent: &'t Table,
    node: Node<'_, '_>,
    parent_outer: bool,
) -> Result<Link<'t>, DataverseError> {
    only(node, &["name", "from", "to", "alias", "link-type"])?;
    context.count += 1;
    if context.count > link::MAX_LINKS {
        return Err(DataverseError::new(
            StatusCode::BAD_REQUEST,
            "0x8004430D",
            "Number of link entities in query exceeded maximum limit.",
        ));
    }
    let name = node.attribute("name").ok_or_else(|| bad_request("<link-entity> needs a name."))?;
    let table = context.tables.iter().find(|t| t.logical_name == name).ok_or_else(|| unknown_entity(name))?;
    let outer = match node.attribute("link-type") {
        None | Some("inner") => false,
        Some("outer") => true,
        Some(other) => return Err(unsupported(format!("link-type=\"{other}\" on <link-entity>"))),
    };
    if parent_outer && !outer {
        // SQL Server would join it to the whole query, removing the rows whose outer link found nothing.
        return Err(unsupported("an inner <link-entity> inside an outer one"));
    }
    let (Some(from), Some(to)) = (node.attribute("from"), node.attribute("to")) else {
        return Err(bad_request(format!("The <link-entity name=\"{name}\"> needs from and to attributes.")));
    };
    let from = table.column(from).ok_or_else(|| unknown_attribute(table, from))?;
    let to = parent.column(to).ok_or_else(|| unknown_attribute(parent, to))?;
    if from.logical_name != table.primary_id {
        return Err(unsupported(format!(
            "<link-entity> from '{}', not the primary id of '{name}' (only many-to-one joins along a lookup)",
            from.logical_name
        )));
    }
    if !matches!(to.kind, ColumnKind::Lookup { targets } if targets.contains(&name)) {
        return Err(unsupported(format!(
            "<link-entity> to '{}', not a lookup to '{name}' (only many-to-one joins along a lookup)",
            to.logical_name
        )));
    }
    let alias = alias_of(node)?.unwrap_or_else(|| name.to_owned());
    if !context.aliases.insert(alias.clone()) {
        return Err(bad_request(format!(
            "The link-entity alias '{alias}' is used twice; give each <link-entity> an alias of its own."
        )));
    }
    let (mut columns, mut filters, mut links, mut order) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut add = |context: &mut LinkContext<'t>, column: &'t Column, own: Option<String>| {
        let answer = own.clone().unwrap_or_else(|| format!("{alias}.{}", column.logical_name));
        if own.is_none() && columns.iter().any(|c: &LinkedColumn<'_>| c.name == answer) {
            return Ok(());
        }
        if !context.claim(&answer) {
            return Err(bad_request(format!("The name '{answer}' is used twice in the fetch's results.")));
        }
        columns.push(LinkedColumn { name: answer, column, visible: true });
        Ok(())
    };
    for child in elements(node) {
        match child.tag_name().name() {
            "attribute" => {
                only(child, &["name", "alias"])?;
                let column = column(table, child)?;
                add(context, column, alias_of(child)?)?;
            }
            "all-attributes" => {
                for column in table.readable_columns() {
                    add(context, column, None)?;
                }
            }
            "order" => {
                only(child, &["attribute", "descending"])?;
                let column = column(table, child)?;
                sortable(column, context.raw_order)?;
                order.push((column, flag(child, "descending")?));
            }
            "filter" => filters.extend(filter(table, child, context.user)?),
            "link-entity" => links.push(parse_link(context, table, child, outer)?),
            other => return Err(unsupported(format!("<{other}> inside <link-entity>"))),
        }
    }
    // A sort column that is not an attribute of the link is exposed for sorting only.
    for (column, descending) in order {
        let name = match columns.iter().find(|c| c.column.logical_name == column.logical_name) {
            Some(shown) => shown.name.clone(),
            None => {
                let name = format!("{alias}.{}", column.logical_name);
                columns.push(LinkedColumn { name: name.clone(), column, visible: false });
                name
            }
        };
        context.order.push((name, descending));
    }
    let filter = filters.into_iter().reduce(|a, b| Filter::And(Box::new(a), Box::new(b)));
    if let Some(filter) = &filter {
        super::query::check_filter(table, filter)?;
    }
    Ok(Link { table, alias, from, to, outer, filter, columns, links })
}

/// A `<filter>`: its conditions and nested filters joined by its type; `None` when empty (matches all).
fn filter(table: &Table, node: Node<'_, '_>, user: Uuid) -> Result<Option<Filter>, DataverseError> {
    // `isquickfindfields` only marks a quick find view's filter for the UI.
    only(node, &["type", "isquickfindfields"])?;
    let or = match node.attribute("type") {
        None | Some("and") => false,
        Some("or") => true,
        Some(other) => return Err(bad_request(format!("'{other}' is not a filter type (and, or)."))),
    };
    let mut parts = Vec::new();
    for child in elements(node) {
        match child.tag_name().name() {
            "condition" => parts.push(condition(table, child, user)?),
            "filter" => parts.extend(filter(table, child, user)?),
            "link-entity" => return Err(unsupported("<link-entity> inside <filter> (any/all)")),
            other => return Err(unsupported(format!("<{other}> inside <filter>"))),
        }
    }
    Ok(parts.into_iter().reduce(|a, b| {
        if or { Filter::Or(Box::new(a), Box::new(b)) } else { Filter::And(Box::new(a), Box::new(b)) }
    }))
}

fn condition(table: &Table, node: Node<'_, '_>, user: Uuid) -> Result<Filter, DataverseError> {
    // `uiname`, `uitype` and `uihidden` are what a view's editor shows for a lookup value.
    only(node, &["attribute", "operator", "value", "uiname", "uitype", "uihidden"])?;
    let column = column(table, node)?;
    let operator =
        node.attribute("operator").ok_or_else(|| bad_request("A <condition> needs an operator."))?;
    let property = column.property_name();
    let one_value = || {
        node.attribute("value")
            .map(str::to_owned)
            .or_else(|| {
                elements(node).find(|v| v.has_tag_name("value")).and_then(|v| v.text()).map(str::to_owned)
            })
            .ok_or_else(|| bad_request(format!("The condition operator '{operator}' needs a value.")))
    };
    let compare = |op, value| Filter::Compare { property: property.clone(), op, value };
    let op = match operator {
        "eq" => Some(Op::Eq),
        "ne" => Some(Op::Ne),
        "gt" => Some(Op::Gt),
        "ge" => Some(Op::Ge),
        "lt" => Some(Op::Lt),
        "le" => Some(Op::Le),
        _ => None,
    };
    if let Some(op) = op {
        return Ok(compare(op, literal(table, column, &one_value()?)?));
    }
    match operator {
        "like" | "not-like" => {
            if !matches!(column.kind, ColumnKind::String { .. } | ColumnKind::Memo { .. }) {
                return Err(unsupported(format!(
                    "like on the {} column '{}'",
                    column.kind.attribute_type(),
                    column.logical_name
                )));
            }
            let pattern = one_value()?;
            // SQL Server's LIKE has character sets ([a-c]); SQLite's has not.
            if pattern.contains('[') {
                return Err(unsupported("character sets ([...]) in like patterns"));
            }
            let like = Filter::Like { property, pattern };
            Ok(if operator == "like" { like } else { Filter::Not(Box::new(like)) })
        }
        "in" | "not-in" => {
            let values: Vec<String> = elements(node)
                .filter(|v| v.has_tag_name("value"))
                .map(|v| v.text().unwrap_or_default().to_owned())
                .collect();
            // in: any value equal; not-in: none equal (nulls match neither, as in SQL).
            let is_in = operator == "in";
            let mut joined: Option<Filter> = None;
            for value in values {
                let part = compare(if is_in { Op::Eq } else { Op::Ne }, literal(table, column, &value)?);
                joined = Some(match joined {
                    None => part,
                    Some(left) if is_in => Filter::Or(Box::new(left), Box::new(part)),
                    Some(left) => Filter::And(Box::new(left), Box::new(part)),
                });
            }
            joined.ok_or_else(|| {
                bad_request(format!("The condition operator '{operator}' needs <value> elements."))
            })
        }
        "null" => Ok(compare(Op::Eq, Literal::Null)),
        "not-null" => Ok(compare(Op::Ne, Literal::Null)),
        "on" | "on-or-after" | "on-or-before" => {
            if !matches!(column.kind, ColumnKind::DateTime { .. }) {
                return Err(bad_request(format!(
                    "The operator '{operator}' needs a date column, not '{}'.",
                    column.logical_name
                )));
            }
            let value = one_value()?;
            let day = value.get(..10).and_then(parse_date).ok_or_else(|| {
                bad_request(format!("'{value}' is not a date for the operator '{operator}'."))
            })?;
            // Whole days in the user's time zone: UTC for the sandbox's users.
            let next = next_day(&day).ok_or_else(|| bad_request(format!("'{value}' is not a date.")))?;
            let from = compare(Op::Ge, Literal::Date(day));
            let before_next = compare(Op::Lt, Literal::Date(next));
            Ok(match operator {
                "on" => Filter::And(Box::new(from), Box::new(before_next)),
                "on-or-after" => from,
                _ => before_next,
            })
        }
        "eq-userid" | "ne-userid" => {
            let ColumnKind::Lookup { targets } = column.kind else {
                return Err(bad_request(format!(
                    "The operator '{operator}' needs a user lookup, not '{}'.",
                    column.logical_name
                )));
            };
            if !targets.contains(&"systemuser") {
                return Err(bad_request(format!(
                    "The operator '{operator}' needs a user lookup, not '{}'.",
                    column.logical_name
                )));
            }
            Ok(compare(if operator == "eq-userid" { Op::Eq } else { Op::Ne }, Literal::Guid(user)))
        }
        other => Err(bad_request(format!(
            "The D365 Desk sandbox does not support the condition operator '{other}' in FetchXML; it supports {OPERATORS}."
        ))),
    }
}

fn next_day(day: &str) -> Option<String> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(day, &format).ok()?.next_day()?.format(&format).ok()
}

/// A condition's value, typed by its column (FetchXML writes every value as text).
fn literal(table: &Table, column: &Column, text: &str) -> Result<Literal, DataverseError> {
    let wrong = |expected: &str| {
        DataverseError::new(
            StatusCode::BAD_REQUEST,
            "0x80040203",
            format!(
                "An exception System.FormatException was thrown while trying to convert input value '{text}' to \
                 attribute '{}.{}'. Expected type of attribute value: {expected}.",
                table.logical_name, column.logical_name
            ),
        )
    };
    let trimmed = text.trim();
    Ok(match &column.kind {
        ColumnKind::String { .. } | ColumnKind::Memo { .. } | ColumnKind::MultiSelect { .. } => {
            Literal::String(text.to_owned())
        }
        ColumnKind::Uniqueidentifier | ColumnKind::Lookup { .. } => Literal::Guid(
            Uuid::try_parse(trimmed.trim_start_matches('{').trim_end_matches('}'))
                .map_err(|_| wrong("System.Guid"))?,
        ),
        ColumnKind::Integer { .. }
        | ColumnKind::BigInt
        | ColumnKind::Picklist { .. }
        | ColumnKind::State { .. }
        | ColumnKind::Status { .. } => Literal::Int(trimmed.parse().map_err(|_| wrong("System.Int32"))?),
        ColumnKind::Decimal { .. } | ColumnKind::Money { .. } | ColumnKind::Double => {
            match trimmed.parse::<i64>() {
                Ok(int) => Literal::Int(int),
                Err(_) if decimal::parse(trimmed).is_some() => Literal::Decimal(trimmed.to_owned()),
                Err(_) => return Err(wrong("System.Decimal")),
            }
        }
        ColumnKind::Boolean { .. } => match trimmed {
            "1" | "true" => Literal::Bool(true),
            "0" | "false" => Literal::Bool(false),
            _ => return Err(wrong("System.Boolean")),
        },
        ColumnKind::DateTime { .. } => match (parse_date(trimmed), parse_date_time(trimmed)) {
            (Some(date), _) => Literal::Date(date),
            (None, Some(date_time)) => Literal::DateTime(date_time),
            (None, None) => return Err(wrong("System.DateTime")),
        },
    })
}

/// Characters a .NET URL encoder leaves as they are.
fn url_encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.!*()".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02x}"));
        }
    }
    out
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn cookie_text(column: &Column, value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s)
            if matches!(column.kind, ColumnKind::Uniqueidentifier | ColumnKind::Lookup { .. }) =>
        {
            Some(format!("{{{}}}", s.to_uppercase()))
        }
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(if *b { "1" } else { "0" }.to_owned()),
        other => Some(other.to_string()),
    }
}

fn cookie_value(column: &Column, text: Option<&str>) -> Option<Value> {
    let Some(text) = text else { return Some(Value::Null) };
    Some(match column.kind {
        ColumnKind::Uniqueidentifier | ColumnKind::Lookup { .. } => Value::String(
            Uuid::try_parse(text.trim_start_matches('{').trim_end_matches('}')).ok()?.to_string(),
        ),
        ColumnKind::Boolean { .. } => Value::Bool(text == "1"),
        ColumnKind::Integer { .. }
        | ColumnKind::BigInt
        | ColumnKind::Picklist { .. }
        | ColumnKind::State { .. }
        | ColumnKind::Status { .. } => Value::from(text.parse::<i64>().ok()?),
        ColumnKind::Double => Value::from(text.parse::<f64>().ok()?),
        // Money and decimals stay exact text: they are compared by value in SQL.
        _ => Value::String(text.to_owned()),
    })
}

/// The answer's `@Microsoft.Dynamics.CRM.fetchxmlpagingcookie`: the next page's number and, encoded twice,
/// `<cookie page="N"><name last="…" first="…" /><accountid last="{…}" first="{…}" /></cookie>` with the
/// page's first and last sort values.
pub fn paging_cookie(page: u32, order: &[(&Column, bool)], first: &[Value], last: &[Value]) -> String {
    let mut inner = format!(r#"<cookie page="{page}">"#);
    for (((column, _), first), last) in order.iter().zip(first).zip(last) {
        inner.push('<');
        inner.push_str(column.logical_name);
        for (name, value) in [("last", last), ("first", first)] {
            if let Some(text) = cookie_text(column, value) {
                inner.push_str(&format!(r#" {name}="{}""#, xml_escape(&text)));
            }
        }
        inner.push_str(" />");
    }
    inner.push_str("</cookie>");
    format!(
        r#"<cookie pagenumber="{}" pagingcookie="{}" istracking="False" />"#,
        page.saturating_add(1),
        url_encode(&url_encode(&inner))
    )
}

/// The last row's sort values a `paging-cookie` carries, when it is the previous page's (`page` - 1);
/// `None` when it belongs to another page (Learn: the cookie is then ignored).
pub fn cookie_position(
    cookie: &str,
    page: u32,
    order: &[(&Column, bool)],
) -> Result<Option<Vec<Value>>, DataverseError> {
    let not_valid = || bad_request("The paging-cookie is not valid for this query.");
    let document = Document::parse(cookie).map_err(|_| not_valid())?;
    let root = document.root_element();
    let cookie_page: u32 = root.attribute("page").and_then(|p| p.parse().ok()).ok_or_else(not_valid)?;
    if cookie_page.checked_add(1) != Some(page) {
        return Ok(None);
    }
    order
        .iter()
        .map(|(column, _)| {
            let element =
                elements(root).find(|e| e.has_tag_name(column.logical_name)).ok_or_else(not_valid)?;
            cookie_value(column, element.attribute("last")).ok_or_else(not_valid)
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::tables;

    fn account() -> Table {
        tables::all().into_iter().find(|t| t.logical_name == "account").unwrap_or_else(|| unreachable!())
    }

    #[test]
    fn a_view_query_becomes_columns_filter_and_order() {
        let table = account();
        let user = Uuid::nil();
        let fetch = parse(
            r#"<fetch><entity name="account"><attribute name="name"/><order attribute="name" descending="true"/>
               <filter type="or"><condition attribute="statecode" operator="eq" value="0"/>
               <condition attribute="ownerid" operator="eq-userid"/></filter></entity></fetch>"#,
            &table,
            &[],
            user,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        let names: Vec<_> = fetch.columns.iter().map(|c| c.logical_name).collect();
        assert_eq!(names, ["accountid", "name"]);
        assert_eq!(
            fetch.order.iter().map(|(c, d)| (c.logical_name, *d)).collect::<Vec<_>>(),
            [("name", true)]
        );
        let expected = Filter::Or(
            Box::new(Filter::Compare { property: "statecode".into(), op: Op::Eq, value: Literal::Int(0) }),
            Box::new(Filter::Compare {
                property: "_ownerid_value".into(),
                op: Op::Eq,
                value: Literal::Guid(user),
            }),
        );
        assert_eq!(fetch.filter, Some(expected));
    }

    #[test]
    fn paging_cookies_round_trip() {
        let table = account();
        let order = vec![
            (table.column("name").unwrap_or_else(|| unreachable!()), false),
            (table.column("accountid").unwrap_or_else(|| unreachable!()), false),
        ];
        let id = "5a5a0000-0000-4000-8000-0d365de5a100";
        let last = vec![Value::String("O'Brien & <Sons>".into()), Value::String(id.into())];
        let outer = paging_cookie(1, &order, &last, &last);
        assert!(
            outer.starts_with(
                r#"<cookie pagenumber="2" pagingcookie="%253ccookie%2520page%253d%25221%2522%253e"#
            ),
            "{outer}"
        );
        let encoded =
            outer.split("pagingcookie=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or_default();
        let once = percent_encoding::percent_decode_str(encoded).decode_utf8_lossy().into_owned();
        let inner = percent_encoding::percent_decode_str(&once).decode_utf8_lossy().into_owned();
        assert!(inner.contains(&format!(r#"<accountid last="{{{}}}""#, id.to_uppercase())), "{inner}");
        assert_eq!(cookie_position(&inner, 2, &order).unwrap_or_default(), Some(last));
        assert_eq!(
            cookie_position(&inner, 5, &order).unwrap_or_default(),
            None,
            "not the next page: ignored"
        );
    }
}
