//! Table and column metadata from `EntityDefinitions`, in the shapes the rest of the client uses.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::client::{Client, Request};
use crate::error::Result;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TableInfo {
    pub logical_name: String,
    pub entity_set: String,
    pub display_name: Option<String>,
    pub primary_id: String,
    pub primary_name: Option<String>,
    pub is_custom: bool,
    pub change_tracking: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum RequiredLevel {
    None,
    Recommended,
    ApplicationRequired,
    SystemRequired,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct OptionValue {
    /// Option values are 32-bit in Dataverse.
    #[cfg_attr(feature = "specta", specta(type = i32))]
    pub value: i64,
    pub label: String,
    /// A status reason's state (`StatusOptionMetadata.State`): the `statecode` it goes with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<i32>,
    /// A state's default status reason (`StateOptionMetadata.DefaultStatus`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_status: Option<i32>,
}

impl OptionValue {
    pub fn new(value: i64, label: impl Into<String>) -> Self {
        Self { value, label: label.into(), state: None, default_status: None }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ColumnInfo {
    pub logical_name: String,
    pub display_name: Option<String>,
    /// `String`, `Memo`, `Integer`, `BigInt`, `Decimal`, `Double`, `Money`, `Boolean`, `DateTime`, `Picklist`,
    /// `State`, `Status`, `Lookup`, `Customer`, `Owner`, `Uniqueidentifier`, `Virtual`, ...
    pub attribute_type: String,
    pub required: RequiredLevel,
    pub valid_for_create: bool,
    pub valid_for_update: bool,
    pub valid_for_read: bool,
    pub is_primary_id: bool,
    pub is_primary_name: bool,
    pub max_length: Option<u32>,
    pub precision: Option<u32>,
    /// A money column's `PrecisionSource`: 0 when `precision` is the column's own (1 and 2 take the
    /// organisation's pricing precision or the record's currency's, unknown here).
    #[serde(default)]
    pub precision_source: Option<u32>,
    pub min_value: Option<f64>,
    pub max_value: Option<f64>,
    /// Date-only columns take `YYYY-MM-DD`.
    pub date_only: bool,
    /// A date-time column's `DateTimeBehavior`: `UserLocal`, `DateOnly` or `TimeZoneIndependent`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_behavior: Option<String>,
    /// `AttributeTypeName`: `MultiSelectPicklistType` tells a multi-select choice from other `Virtual`s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub type_name: Option<String>,
    /// The tables a lookup can point to.
    pub targets: Vec<String>,
    /// Picklist, multi-select, state and status options; for a boolean, false (0) and true (1).
    pub options: Vec<OptionValue>,
    /// For a lookup: the navigation property that sets it, per target table (`parentcustomerid_account`
    /// for a customer lookup; custom lookups use their schema name's case, e.g. `new_AccountId`).
    #[serde(default)]
    pub navigation: BTreeMap<String, String>,
}

impl ColumnInfo {
    /// A multi-select choice: `AttributeType` Virtual, `AttributeTypeName` MultiSelectPicklistType; its
    /// Web API value is the options' values joined by commas, `"1,3"`.
    pub fn is_multi_select(&self) -> bool {
        self.type_name.as_deref() == Some("MultiSelectPicklistType")
    }

    /// A date and time kept as typed, with no time-zone conversion.
    pub fn zone_independent(&self) -> bool {
        self.date_behavior.as_deref() == Some("TimeZoneIndependent")
    }

    pub fn is_lookup(&self) -> bool {
        matches!(self.attribute_type.as_str(), "Lookup" | "Customer" | "Owner")
    }

    /// The name the Web API reads it by: `_<name>_value` for lookups.
    pub fn read_name(&self) -> String {
        if self.is_lookup() { format!("_{}_value", self.logical_name) } else { self.logical_name.clone() }
    }

    /// Whether `navigation` is a name this lookup is set by (`customerid_account`, its logical name, or a
    /// navigation property the relationships name).
    pub fn navigation_to_any(&self, navigation: &str) -> bool {
        self.logical_name == navigation
            || self.navigation.values().any(|n| n == navigation)
            || self.targets.iter().any(|t| format!("{}_{t}", self.logical_name) == navigation)
    }

    /// The navigation property for `target` (the lookup's only target when `None`), falling back to the
    /// logical name when the relationships were not read.
    pub fn navigation_to(&self, target: Option<&str>) -> Option<String> {
        let target = match target {
            Some(target) => target,
            None if self.targets.len() == 1 => &self.targets[0],
            None => return self.navigation.values().next().cloned(),
        };
        self.navigation.get(target).cloned().or_else(|| {
            if !self.targets.iter().any(|t| t == target) {
                None
            } else if self.targets.len() > 1 && self.attribute_type != "Owner" {
                Some(format!("{}_{target}", self.logical_name))
            } else {
                Some(self.logical_name.clone())
            }
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct KeyInfo {
    pub name: String,
    pub columns: Vec<String>,
}

/// A table whose lookup points here: the records related to one of this table's rows (one-to-many).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RelatedTable {
    /// The relationship's schema name (`account_contact_parentcustomerid`).
    pub relationship: String,
    /// The referencing table and its lookup column.
    pub table: String,
    pub column: String,
}

/// A table with its columns, alternate keys and the tables that point to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TableSchema {
    pub table: TableInfo,
    pub columns: Vec<ColumnInfo>,
    pub keys: Vec<KeyInfo>,
    /// Read from `OneToManyRelationships`; absent from caches written before it was.
    #[serde(default)]
    pub related: Vec<RelatedTable>,
}

impl TableSchema {
    pub fn column(&self, name: &str) -> Option<&ColumnInfo> {
        self.columns.iter().find(|c| c.logical_name == name)
    }
}

/// The user's label, or the first localized one.
fn label(value: &Value) -> Option<String> {
    value["UserLocalizedLabel"]["Label"]
        .as_str()
        .or_else(|| value["LocalizedLabels"][0]["Label"].as_str())
        .map(str::to_owned)
}

fn text(value: &Value, key: &str) -> String {
    value[key].as_str().unwrap_or_default().to_owned()
}

const TABLE_FIELDS: &str = "LogicalName,EntitySetName,DisplayName,PrimaryIdAttribute,PrimaryNameAttribute,IsCustomEntity,ChangeTrackingEnabled";

fn table_info(value: &Value) -> TableInfo {
    TableInfo {
        logical_name: text(value, "LogicalName"),
        entity_set: text(value, "EntitySetName"),
        display_name: label(&value["DisplayName"]),
        primary_id: text(value, "PrimaryIdAttribute"),
        primary_name: value["PrimaryNameAttribute"].as_str().filter(|s| !s.is_empty()).map(str::to_owned),
        is_custom: value["IsCustomEntity"].as_bool().unwrap_or(false),
        change_tracking: value["ChangeTrackingEnabled"].as_bool().unwrap_or(false),
    }
}

/// Every table, sorted by logical name.
pub async fn fetch_tables(client: &Client) -> Result<Vec<TableInfo>> {
    let body =
        client.send(&Request::get(format!("EntityDefinitions?$select={TABLE_FIELDS}"))).await?.json()?;
    let mut tables: Vec<TableInfo> = body["value"]
        .as_array()
        .map(|items| items.iter().map(table_info).filter(|t| !t.entity_set.is_empty()).collect())
        .unwrap_or_default();
    tables.sort_by(|a, b| a.logical_name.cmp(&b.logical_name));
    Ok(tables)
}

fn column_info(value: &Value) -> ColumnInfo {
    let required = match value["RequiredLevel"]["Value"].as_str().unwrap_or_default() {
        "SystemRequired" => RequiredLevel::SystemRequired,
        "ApplicationRequired" => RequiredLevel::ApplicationRequired,
        "Recommended" => RequiredLevel::Recommended,
        _ => RequiredLevel::None,
    };
    let number = |key: &str| value[key].as_f64();
    ColumnInfo {
        logical_name: text(value, "LogicalName"),
        display_name: label(&value["DisplayName"]),
        attribute_type: text(value, "AttributeType"),
        required,
        valid_for_create: value["IsValidForCreate"].as_bool().unwrap_or(false),
        valid_for_update: value["IsValidForUpdate"].as_bool().unwrap_or(false),
        valid_for_read: value["IsValidForRead"].as_bool().unwrap_or(true),
        is_primary_id: value["IsPrimaryId"].as_bool().unwrap_or(false),
        is_primary_name: value["IsPrimaryName"].as_bool().unwrap_or(false),
        max_length: value["MaxLength"].as_u64().and_then(|n| u32::try_from(n).ok()),
        precision: value["Precision"].as_u64().and_then(|n| u32::try_from(n).ok()),
        precision_source: value["PrecisionSource"].as_u64().and_then(|n| u32::try_from(n).ok()),
        min_value: number("MinValue"),
        max_value: number("MaxValue"),
        date_only: value["Format"].as_str() == Some("DateOnly")
            || value["DateTimeBehavior"]["Value"].as_str() == Some("DateOnly"),
        date_behavior: value["DateTimeBehavior"]["Value"].as_str().map(str::to_owned),
        type_name: value["AttributeTypeName"]["Value"].as_str().map(str::to_owned),
        targets: value["Targets"]
            .as_array()
            .map(|t| t.iter().filter_map(Value::as_str).map(str::to_owned).collect())
            .unwrap_or_default(),
        options: Vec::new(),
        navigation: BTreeMap::new(),
    }
}

fn options_of(value: &Value) -> Vec<OptionValue> {
    let set = if value["OptionSet"].is_object() { &value["OptionSet"] } else { &value["GlobalOptionSet"] };
    if let Some(options) = set["Options"].as_array() {
        return options
            .iter()
            .filter_map(|o| {
                let number = |key: &str| o[key].as_i64().and_then(|n| i32::try_from(n).ok());
                Some(OptionValue {
                    value: o["Value"].as_i64()?,
                    label: label(&o["Label"]).unwrap_or_default(),
                    state: number("State"),
                    default_status: number("DefaultStatus"),
                })
            })
            .collect();
    }
    [("FalseOption", 0), ("TrueOption", 1)]
        .iter()
        .filter_map(|(key, n)| {
            let option = &set[*key];
            option.is_object().then(|| OptionValue::new(*n, label(&option["Label"]).unwrap_or_default()))
        })
        .collect()
}

/// One table's columns (with their options and lookups' navigation properties) and keys. The option sets
/// need a cast per metadata type.
pub async fn fetch_schema(client: &Client, table: TableInfo) -> Result<TableSchema> {
    let base = format!("EntityDefinitions(LogicalName='{}')", table.logical_name);
    let attributes = client.send(&Request::get(format!("{base}/Attributes"))).await?.json()?;
    let mut columns: Vec<ColumnInfo> =
        attributes["value"].as_array().map(|a| a.iter().map(column_info).collect()).unwrap_or_default();
    for cast in [
        "PicklistAttributeMetadata",
        "MultiSelectPicklistAttributeMetadata",
        "StateAttributeMetadata",
        "StatusAttributeMetadata",
        "BooleanAttributeMetadata",
    ] {
        let expand = if cast.contains("Picklist") { "OptionSet,GlobalOptionSet" } else { "OptionSet" };
        let path =
            format!("{base}/Attributes/Microsoft.Dynamics.CRM.{cast}?$select=LogicalName&$expand={expand}");
        let with_options = client.send(&Request::get(path)).await?.json()?;
        for item in with_options["value"].as_array().into_iter().flatten() {
            let name = item["LogicalName"].as_str().unwrap_or_default();
            if let Some(column) = columns.iter_mut().find(|c| c.logical_name == name) {
                column.options = options_of(item);
            }
        }
    }
    let relationships = client
        .send(&Request::get(format!(
            "{base}/ManyToOneRelationships?$select=ReferencingAttribute,ReferencedEntity,ReferencingEntityNavigationPropertyName"
        )))
        .await?
        .json()?;
    for item in relationships["value"].as_array().into_iter().flatten() {
        let column = text(item, "ReferencingAttribute");
        let (target, navigation) =
            (text(item, "ReferencedEntity"), text(item, "ReferencingEntityNavigationPropertyName"));
        if let Some(column) = columns.iter_mut().find(|c| c.logical_name == column)
            && !navigation.is_empty()
        {
            column.navigation.insert(target, navigation);
        }
    }
    columns.sort_by(|a, b| a.logical_name.cmp(&b.logical_name));
    // Related records are extra: a table whose relationships cannot be read still opens.
    let related = match client
        .send(&Request::get(format!(
            "{base}/OneToManyRelationships?$select=SchemaName,ReferencingEntity,ReferencingAttribute"
        )))
        .await
    {
        Ok(answer) => answer.json().unwrap_or_default(),
        Err(err) => {
            tracing::debug!(%err, "no one-to-many relationships");
            serde_json::Value::Null
        }
    };
    let mut related: Vec<RelatedTable> = related["value"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|item| RelatedTable {
            relationship: text(item, "SchemaName"),
            table: text(item, "ReferencingEntity"),
            column: text(item, "ReferencingAttribute"),
        })
        .filter(|r| !r.table.is_empty() && !r.column.is_empty())
        .collect();
    related.sort_by(|a, b| (&a.table, &a.column).cmp(&(&b.table, &b.column)));
    let keys =
        client.send(&Request::get(format!("{base}/Keys?$select=LogicalName,KeyAttributes"))).await?.json()?;
    let keys = keys["value"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|k| KeyInfo {
                    name: text(k, "LogicalName"),
                    columns: k["KeyAttributes"]
                        .as_array()
                        .map(|c| c.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                        .unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(TableSchema { table, columns, keys, related })
}
