//! A table's views: the system views (`savedquery`) and the person's own (`userquery`) of the public
//! kind (query type 0), the default first, each with the columns of its `layoutxml` in their order. The
//! grid runs one with `?savedQuery=` / `?userQuery=` (Microsoft Learn, "Retrieve and execute predefined
//! queries").

use d365_dataverse::client::{Client, Request};
use d365_dataverse::data::query::{Literal, encode};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ViewKind {
    /// A system view (`savedquery`), the same for everyone.
    System,
    /// One of the person's own views (`userquery`).
    Personal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ViewRef {
    pub kind: ViewKind,
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TableView {
    pub view: ViewRef,
    pub name: String,
    pub is_default: bool,
    /// The columns of its layout, in order (linked tables' columns, `alias.column`, left out).
    pub columns: Vec<String>,
}

/// The layout's own columns, in order: `<grid><row><cell name="..."/>...`.
pub fn layout_columns(layoutxml: &str) -> Vec<String> {
    let Ok(document) = roxmltree::Document::parse(layoutxml) else { return Vec::new() };
    document
        .descendants()
        .filter(|node| node.has_tag_name("cell"))
        .filter_map(|cell| cell.attribute("name"))
        .filter(|name| !name.contains('.'))
        .map(str::to_owned)
        .collect()
}

fn views_of(body: &Value, kind: ViewKind, id_column: &str) -> Vec<TableView> {
    body["value"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|item| {
            Some(TableView {
                view: ViewRef { kind, id: item[id_column].as_str()?.to_owned() },
                name: item["name"].as_str().unwrap_or_default().to_owned(),
                is_default: item["isdefault"].as_bool().unwrap_or(false),
                columns: layout_columns(item["layoutxml"].as_str().unwrap_or_default()),
            })
        })
        .collect()
}

/// The table's public views: its default view first, then the system views, then the person's own (each
/// A–Z).
pub async fn table_views(client: &Client, table: &str) -> Result<Vec<TableView>> {
    let of_table =
        format!("returnedtypecode eq {} and querytype eq 0", Literal::Text(table.to_owned()).odata());
    let system = format!(
        "savedqueries?$select=savedqueryid,name,isdefault,layoutxml&$filter={}",
        encode(&format!("{of_table} and statecode eq 0"))
    );
    let personal = format!("userqueries?$select=userqueryid,name,layoutxml&$filter={}", encode(&of_table));
    let system = client.send(&Request::get(system)).await?.json()?;
    let personal = client.send(&Request::get(personal)).await?.json()?;
    let mut views = views_of(&system, ViewKind::System, "savedqueryid");
    views.extend(views_of(&personal, ViewKind::Personal, "userqueryid"));
    in_order(&mut views);
    Ok(views)
}

fn in_order(views: &mut [TableView]) {
    views.sort_by_cached_key(|v| (!v.is_default, v.view.kind == ViewKind::Personal, v.name.to_lowercase()));
}

/// The query option that runs the view.
pub fn view_option(view: &ViewRef) -> String {
    let name = match view.kind {
        ViewKind::System => "savedQuery",
        ViewKind::Personal => "userQuery",
    };
    format!("{name}={}", encode(&view.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_layout_gives_its_own_columns_in_order() {
        let layout = r#"<grid name="resultset" object="1" jump="name" select="1" icon="1" preview="1">
            <row name="result" id="accountid"><cell name="name" width="300"/>
            <cell name="pc.emailaddress1" width="150" disableSorting="1"/><cell name="telephone1" width="100"/></row></grid>"#;
        assert_eq!(layout_columns(layout), ["name", "telephone1"]);
        assert!(layout_columns("<grid").is_empty(), "a broken layout gives no columns, not a panic");
    }

    #[test]
    fn the_default_view_comes_first_then_system_then_personal() {
        let system = serde_json::json!({ "value": [
            { "savedqueryid": "s2", "name": "Inactive Accounts", "isdefault": false, "layoutxml": "" },
            { "savedqueryid": "s1", "name": "Active Accounts", "isdefault": true, "layoutxml": "" },
            { "name": "no id: left out" },
        ]});
        let personal =
            serde_json::json!({ "value": [{ "userqueryid": "u1", "name": "A mine", "layoutxml": "" }] });
        let mut views = views_of(&system, ViewKind::System, "savedqueryid");
        views.extend(views_of(&personal, ViewKind::Personal, "userqueryid"));
        in_order(&mut views);
        let ids: Vec<&str> = views.iter().map(|v| v.view.id.as_str()).collect();
        assert_eq!(ids, ["s1", "s2", "u1"]);
        assert_eq!(view_option(&views[2].view), "userQuery=u1");
    }
}
