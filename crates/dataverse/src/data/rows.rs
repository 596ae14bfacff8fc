//! Rows as the Web API sends them, decoded: each value with its formatted text (option labels, money,
//! dates) and, for lookups, the table it points to. Read with `Prefer: odata.include-annotations="*"`.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};

const FORMATTED: &str = "OData.Community.Display.V1.FormattedValue";
const LOOKUP_TABLE: &str = "Microsoft.Dynamics.CRM.lookuplogicalname";
const NAVIGATION: &str = "Microsoft.Dynamics.CRM.associatednavigationproperty";

/// One value of a row.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Cell {
    #[cfg_attr(feature = "specta", specta(type = d365_common::Json))]
    pub value: Value,
    /// As the environment displays it (label, currency, local date), when it differs from the raw value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub formatted: Option<String>,
    /// For a lookup (`_x_value`): the table of the row it points to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lookup_table: Option<String>,
    /// For a lookup: the navigation property to set it with (`x@odata.bind`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub navigation: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Row {
    /// The weak ETag (`W/"1234"`), for updates with optimistic concurrency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    pub cells: BTreeMap<String, Cell>,
}

impl Row {
    /// Decodes one JSON object of a `value` array (or a single retrieved record), taking its values
    /// without copying them: a page of 5000 wide rows is large enough for copies to matter.
    pub fn from_json(mut object: Map<String, Value>) -> Self {
        let etag = match object.remove("@odata.etag") {
            Some(Value::String(etag)) => Some(etag),
            _ => None,
        };
        let mut annotations: Vec<(String, String)> = Vec::new();
        let mut cells = BTreeMap::new();
        for (key, value) in object {
            if key.contains('@') {
                if let Value::String(text) = value {
                    annotations.push((key, text));
                }
                continue;
            }
            cells.insert(key, Cell { value, formatted: None, lookup_table: None, navigation: None });
        }
        for (key, text) in annotations {
            let Some((column, annotation)) = key.split_once('@') else { continue };
            let Some(cell) = cells.get_mut(column) else { continue };
            match annotation {
                FORMATTED => cell.formatted = Some(text),
                LOOKUP_TABLE => cell.lookup_table = Some(text),
                NAVIGATION => cell.navigation = Some(text),
                _ => {}
            }
        }
        Self { etag, cells }
    }

    pub fn get(&self, column: &str) -> Option<&Cell> {
        self.cells.get(column)
    }

    /// The row's id: the value of its primary id column.
    pub fn id(&self, primary_id: &str) -> Option<&str> {
        self.cells.get(primary_id).and_then(|c| c.value.as_str())
    }

    /// One flat JSON object: each raw value, with `<column>@formatted` where the environment displays it
    /// differently and `<column>@table` for a lookup's table.
    pub fn to_flat_json(&self) -> Value {
        let mut object = Map::new();
        for (column, cell) in &self.cells {
            object.insert(column.clone(), cell.value.clone());
            if let Some(text) = &cell.formatted {
                object.insert(format!("{column}@formatted"), Value::String(text.clone()));
            }
            if let Some(table) = &cell.lookup_table {
                object.insert(format!("{column}@table"), Value::String(table.clone()));
            }
        }
        Value::Object(object)
    }

    /// The raw value as text (for CSV): strings as they are, empty for null.
    pub fn raw_text(&self, column: &str) -> String {
        match self.cells.get(column).map(|c| &c.value) {
            Some(Value::String(text)) => text.clone(),
            Some(Value::Null) | None => String::new(),
            Some(value) => value.to_string(),
        }
    }

    /// The text to show for a column: the formatted value, else the raw value.
    pub fn display(&self, column: &str) -> String {
        match self.cells.get(column) {
            Some(Cell { formatted: Some(text), .. }) => text.clone(),
            Some(Cell { value: Value::String(text), .. }) => text.clone(),
            Some(Cell { value: Value::Null, .. }) | None => String::new(),
            Some(Cell { value, .. }) => value.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotations_become_parts_of_their_cell() {
        let json = serde_json::json!({
            "@odata.etag": "W/\"1001\"",
            "accountid": "0d365de5-0000-4000-8000-000000000001",
            "revenue": 20000.0,
            "revenue@OData.Community.Display.V1.FormattedValue": "$20,000.00",
            "_primarycontactid_value": "0d365de5-0000-4000-8000-000000000002",
            "_primarycontactid_value@OData.Community.Display.V1.FormattedValue": "Ana Lima",
            "_primarycontactid_value@Microsoft.Dynamics.CRM.lookuplogicalname": "contact",
            "_primarycontactid_value@Microsoft.Dynamics.CRM.associatednavigationproperty": "primarycontactid",
            "description": null,
        });
        let row = Row::from_json(json.as_object().unwrap().clone());
        assert_eq!(row.etag.as_deref(), Some("W/\"1001\""));
        assert_eq!(row.cells.len(), 4, "annotations are not cells: {:?}", row.cells.keys());
        assert_eq!(row.display("revenue"), "$20,000.00");
        let lookup = row.get("_primarycontactid_value").unwrap();
        assert_eq!(lookup.lookup_table.as_deref(), Some("contact"));
        assert_eq!(lookup.navigation.as_deref(), Some("primarycontactid"));
        assert_eq!(row.display("_primarycontactid_value"), "Ana Lima");
        assert_eq!(row.display("description"), "");
        assert_eq!(row.id("accountid"), Some("0d365de5-0000-4000-8000-000000000001"));
    }
}
