//! FetchXML's `<link-entity>` joins, the part the sandbox runs: many-to-one links along a lookup
//! (`from` = the linked table's primary id, `to` = the lookup on the parent), inner or outer, with the
//! link's own attributes, filters, orders and nested links. Microsoft Learn: "Join tables using FetchXml",
//! "Select columns using FetchXml" (column aliases), "Order rows using FetchXml".
//!
//! The SQL keeps the parent query untouched: the joined rows become a derived table named like the entity's
//! own, whose entity columns keep their names and whose linked columns are named as the answer names them
//! (`pc.fullname`); each link is itself a derived table exposing its join key (`#key`) and those columns.
//! A link's `<filter>` is applied inside its derived table, so for an outer link it restricts the join
//! (unmatched parents keep null linked columns), and for an inner one it restricts the parent's rows.

use rusqlite::types::Value as SqlValue;

use super::filter::Filter;
use super::query::filter_sql;
use crate::data::schema::{Column, Table};
use crate::data::store::{quote, target_column};

/// Dataverse's limit (Learn, "Join tables using FetchXml": "You can add up to 15 link-entity elements").
pub const MAX_LINKS: usize = 15;

/// A column a join brings: named `<link alias>.<column>` in the answer, or by the attribute's own alias.
#[derive(Debug, Clone)]
pub struct LinkedColumn<'t> {
    /// The answer's property name, also the column's name in the derived tables.
    pub name: String,
    pub column: &'t Column,
    /// `false` for a column only sorted by (not an `<attribute>` of the link).
    pub visible: bool,
}

#[derive(Debug, Clone)]
pub struct Link<'t> {
    pub table: &'t Table,
    pub alias: String,
    /// The linked table's primary id (the `from` column).
    pub from: &'t Column,
    /// The parent's lookup (the `to` column).
    pub to: &'t Column,
    pub outer: bool,
    /// The link's own `<filter>`s, on the linked table's columns.
    pub filter: Option<Filter>,
    /// The link's own columns (its attributes, then what it only sorts by).
    pub columns: Vec<LinkedColumn<'t>>,
    pub links: Vec<Link<'t>>,
}

/// The joins of a query: empty for OData queries.
#[derive(Debug, Clone, Default)]
pub struct Joins<'t> {
    pub links: Vec<Link<'t>>,
    /// Every column the joins expose (visible or sort-only), nested links' included, in document order.
    pub columns: Vec<LinkedColumn<'t>>,
    /// The `<order>`s inside link-entities (exposed name, descending): Learn, "Order rows using FetchXml":
    /// "Dataverse always orders attributes specified by the link-entity after attributes for the entity
    /// element."
    pub order: Vec<(String, bool)>,
    /// Where in the query's `order` the link orders go: after the entity's own orders.
    pub order_at: usize,
}

impl Joins<'_> {
    pub fn is_empty(&self) -> bool {
        self.links.is_empty()
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name).map(|c| c.column)
    }
}

/// Every column `link` exposes, its nested links' included.
pub fn exposed<'a, 't>(link: &'a Link<'t>, out: &mut Vec<&'a LinkedColumn<'t>>) {
    out.extend(link.columns.iter());
    for nested in &link.links {
        exposed(nested, out);
    }
}

/// The SQL names a derived table exposes for a column: the value, and beside a lookup its target table.
fn names(column: &LinkedColumn<'_>) -> Vec<String> {
    let mut names = vec![column.name.clone()];
    if column.column.kind.is_lookup() {
        names.push(target_column(&column.name));
    }
    names
}

/// The `FROM` of a query on `table` with `links`: the table itself without joins.
pub fn from_sql(table: &Table, links: &[Link<'_>], params: &mut Vec<SqlValue>) -> String {
    let main = quote(table.logical_name);
    if links.is_empty() {
        return main;
    }
    let (select, joins) = join_sql(&main, links, params);
    format!("(SELECT {main}.*{select} FROM {main}{joins}) AS {main}")
}

/// The joins of `links` onto the rows named `parent`, and the columns they add to its select list.
fn join_sql(parent: &str, links: &[Link<'_>], params: &mut Vec<SqlValue>) -> (String, String) {
    let (mut select, mut joins) = (String::new(), String::new());
    for (i, link) in links.iter().enumerate() {
        let joined = quote(&format!("#j{i}"));
        let mut columns = Vec::new();
        exposed(link, &mut columns);
        for name in columns.into_iter().flat_map(names) {
            let name = quote(&name);
            select.push_str(&format!(", {joined}.{name} AS {name}"));
        }
        let derived = derived_sql(link, params);
        params.push(SqlValue::Text(link.table.logical_name.to_owned()));
        joins.push_str(&format!(
            " {} JOIN ({derived}) AS {joined} ON {joined}.\"#key\" = {parent}.{} AND {parent}.{} = ?{}",
            if link.outer { "LEFT" } else { "INNER" },
            quote(link.to.logical_name),
            quote(&target_column(link.to.logical_name)),
            params.len()
        ));
    }
    (select, joins)
}

/// A link's rows: its join key, its own columns under their answer names, and its nested links' columns.
fn derived_sql(link: &Link<'_>, params: &mut Vec<SqlValue>) -> String {
    let linked = quote("#t");
    let filter = match &link.filter {
        Some(filter) => format!(" WHERE {}", filter_sql(link.table, filter, params)),
        None => String::new(),
    };
    let mut select = format!("{linked}.{} AS \"#key\"", quote(link.from.logical_name));
    for column in &link.columns {
        select.push_str(&format!(
            ", {linked}.{} AS {}",
            quote(column.column.logical_name),
            quote(&column.name)
        ));
        if column.column.kind.is_lookup() {
            select.push_str(&format!(
                ", {linked}.{} AS {}",
                quote(&target_column(column.column.logical_name)),
                quote(&target_column(&column.name))
            ));
        }
    }
    let (nested_select, nested_joins) = join_sql(&linked, &link.links, params);
    format!(
        "SELECT {select}{nested_select} FROM (SELECT * FROM {}{filter}) AS {linked}{nested_joins}",
        quote(link.table.logical_name)
    )
}
