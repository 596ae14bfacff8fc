//! `EntityDefinitions`: tables, their columns (with the derived metadata types and option-set casts) and
//! alternate keys and many-to-one relationships (the lookups' navigation properties), in the Web API's
//! metadata shapes.

use std::collections::HashMap;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::errors::{DataverseError, odata_json};
use super::records::navigation_property;
use crate::data::decimal;
use crate::data::schema::{Column, ColumnKind, Table};
use crate::state::SandboxState;

/// Stable metadata ids derived from names, as real metadata ids are stable.
fn metadata_id(name: &str) -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_URL, format!("d365-sandbox:metadata:{name}").as_bytes())
}

fn label(text: &str, key: &str) -> Value {
    let localized = json!({
        "Label": text, "LanguageCode": 1033, "IsManaged": true,
        "MetadataId": metadata_id(&format!("label:{key}")), "HasChanged": null,
    });
    json!({ "LocalizedLabels": [localized.clone()], "UserLocalizedLabel": localized })
}

fn schema_name(logical_name: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for c in logical_name.chars() {
        if upper {
            out.extend(c.to_uppercase())
        } else {
            out.push(c)
        }
        upper = c == '_';
    }
    if let Some(rest) = out.strip_prefix("Cr0d1_") { format!("cr0d1_{rest}") } else { out }
}

fn entity_json(table: &Table) -> Value {
    let owned = table.column("ownerid").is_some();
    json!({
        "MetadataId": metadata_id(table.logical_name),
        "LogicalName": table.logical_name,
        "SchemaName": schema_name(table.logical_name),
        "EntitySetName": table.entity_set,
        "LogicalCollectionName": table.entity_set,
        "DisplayName": label(table.display_name, table.logical_name),
        "DisplayCollectionName": label(table.display_collection_name, &format!("{}:plural", table.logical_name)),
        "PrimaryIdAttribute": table.primary_id,
        "PrimaryNameAttribute": table.primary_name,
        "ObjectTypeCode": table.object_type_code,
        "IsCustomEntity": table.is_custom,
        "ChangeTrackingEnabled": table.change_tracking,
        "IsActivity": false,
        "IsValidForAdvancedFind": true,
        "OwnershipType": if owned { "UserOwned" } else { "OrganizationOwned" },
    })
}

fn options_json(options: &[(i32, &str)], key: &str) -> Value {
    options
        .iter()
        .map(|(value, text)| json!({ "Value": value, "Label": label(text, &format!("{key}:{value}")) }))
        .collect()
}

fn attribute_json(table: &Table, column: &Column, with_options: bool) -> Value {
    let key = format!("{}.{}", table.logical_name, column.logical_name);
    let type_name = format!("{}Type", column.kind.attribute_type());
    let mut attribute = json!({
        "@odata.type": format!("#Microsoft.Dynamics.CRM.{}", column.kind.metadata_type()),
        "MetadataId": metadata_id(&key),
        "LogicalName": column.logical_name,
        "SchemaName": schema_name(column.logical_name),
        "EntityLogicalName": table.logical_name,
        "AttributeType": column.kind.attribute_type(),
        "AttributeTypeName": { "Value": type_name },
        "DisplayName": label(column.display_name, &key),
        "RequiredLevel": {
            "Value": column.required.as_str(), "CanBeChanged": true,
            "ManagedPropertyLogicalName": "canmodifyrequirementlevelsettings",
        },
        "IsValidForCreate": column.valid_for_create,
        "IsValidForUpdate": column.valid_for_update,
        "IsValidForRead": column.valid_for_read,
        "IsPrimaryId": column.logical_name == table.primary_id,
        "IsPrimaryName": column.logical_name == table.primary_name,
        "IsCustomAttribute": column.logical_name.starts_with("cr0d1_"),
        "IsValidODataAttribute": true,
        "AttributeOf": null,
    });
    let extra = match &column.kind {
        ColumnKind::String { max_length } | ColumnKind::Memo { max_length } => {
            json!({ "MaxLength": max_length })
        }
        ColumnKind::Integer { min, max } => json!({ "MinValue": min, "MaxValue": max }),
        ColumnKind::Decimal { precision } => json!({
            "Precision": precision,
            "MinValue": -decimal::DECIMAL_LIMIT,
            "MaxValue": decimal::DECIMAL_LIMIT,
        }),
        // PrecisionSource 0: the column's own precision (2 would take the currency's).
        ColumnKind::Money { precision } => json!({
            "Precision": precision,
            "PrecisionSource": 0,
            "MinValue": -decimal::MONEY_LIMIT,
            "MaxValue": decimal::MONEY_LIMIT,
        }),
        ColumnKind::Double => json!({
            "Precision": 5,
            "MinValue": -decimal::DECIMAL_LIMIT,
            "MaxValue": decimal::DECIMAL_LIMIT,
        }),
        ColumnKind::DateTime { date_only } => json!({
            "Format": if *date_only { "DateOnly" } else { "DateAndTime" },
            "DateTimeBehavior": { "Value": if *date_only { "DateOnly" } else { "UserLocal" } },
        }),
        ColumnKind::Lookup { targets } => json!({ "Targets": targets }),
        ColumnKind::Boolean { true_label, false_label } if with_options => json!({ "OptionSet": {
            "TrueOption": { "Value": 1, "Label": label(true_label, &format!("{key}:true")) },
            "FalseOption": { "Value": 0, "Label": label(false_label, &format!("{key}:false")) },
        }}),
        ColumnKind::Picklist { options } | ColumnKind::State { options } | ColumnKind::Status { options }
            if with_options =>
        {
            json!({ "OptionSet": { "Options": options_json(options, &key), "IsGlobal": false }, "GlobalOptionSet": null })
        }
        _ => json!({}),
    };
    if let (Some(attribute), Value::Object(extra)) = (attribute.as_object_mut(), extra) {
        attribute.extend(extra);
    }
    attribute
}

/// Keeps only the `$select`ed properties, plus the `$expand`ed ones and those the service always returns.
fn select(value: Value, query: &HashMap<String, String>) -> Value {
    let Some(selected) = query.get("$select") else { return value };
    let expanded = query.get("$expand").map(String::as_str).unwrap_or_default();
    let keep: Vec<&str> = selected.split(',').map(str::trim).chain(expanded_names(expanded)).collect();
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(k, _)| keep.contains(&k.as_str()) || k == "MetadataId" || k.starts_with('@'))
                .collect::<Map<_, _>>(),
        ),
        other => other,
    }
}

/// The names in an `$expand` list: `OptionSet($select=Options,Name),GlobalOptionSet` → OptionSet, GlobalOptionSet.
fn expanded_names(expand: &str) -> impl Iterator<Item = &str> {
    let names = crate::odata::split_top_level(expand);
    names.into_iter().map(|item| item.split('(').next().unwrap_or_default().trim()).filter(|n| !n.is_empty())
}

/// Parses `LogicalName='account'` or a MetadataId GUID, as in `EntityDefinitions(...)`.
fn find<'a, T>(
    items: &'a [T],
    key: &str,
    name: impl Fn(&T) -> &str,
    id: impl Fn(&T) -> Uuid,
) -> Option<&'a T> {
    if let Some(logical) = key.strip_prefix("LogicalName='").and_then(|k| k.strip_suffix('\'')) {
        return items.iter().find(|item| name(item) == logical);
    }
    let wanted = key.parse::<Uuid>().ok()?;
    items.iter().find(|item| id(item) == wanted)
}

fn no_entity(key: &str) -> DataverseError {
    DataverseError::new(
        StatusCode::NOT_FOUND,
        "0x80060888",
        format!("Could not find entity with LogicalName or MetadataId {key}"),
    )
}

/// `GET EntityDefinitions...`; `rest` is what follows the segment name (`(LogicalName='x')/Attributes`).
pub fn entity_definitions(state: &SandboxState, rest: &str, query: &HashMap<String, String>) -> Response {
    let base = state.urls.web_api_url.clone();
    let tables = state.store.tables();
    if rest.is_empty() {
        if query.contains_key("$filter") {
            return DataverseError::new(
                StatusCode::NOT_IMPLEMENTED,
                "0x80060888",
                "The sandbox does not filter EntityDefinitions: select the tables and filter them locally.",
            )
            .into_response();
        }
        let value: Vec<Value> = tables.iter().map(|t| select(entity_json(t), query)).collect();
        let context = match query.get("$select") {
            Some(selected) => format!("{base}$metadata#EntityDefinitions({selected})"),
            None => format!("{base}$metadata#EntityDefinitions"),
        };
        return odata_json(json!({ "@odata.context": context, "value": value })).into_response();
    }
    // `(LogicalName='account')`, optionally followed by `/Attributes...` or `/Keys`.
    let Some(close) = rest.find(')').filter(|_| rest.starts_with('(')) else {
        return DataverseError::segment_not_found(&format!("EntityDefinitions{rest}")).into_response();
    };
    let key = &rest[1..close];
    let Some(table) = find(tables, key, |t| t.logical_name, |t| metadata_id(t.logical_name)) else {
        return no_entity(key).into_response();
    };
    let entity_context = format!("{base}$metadata#EntityDefinitions({})", table.logical_name);
    match &rest[close + 1..] {
        "" => {
            let mut entity = select(entity_json(table), query);
            if query.get("$expand").is_some_and(|e| expanded_names(e).any(|n| n == "Attributes")) {
                let attributes: Vec<Value> =
                    table.columns.iter().map(|c| attribute_json(table, c, false)).collect();
                entity["Attributes"] = Value::Array(attributes);
            }
            entity["@odata.context"] = Value::String(format!("{base}$metadata#EntityDefinitions/$entity"));
            odata_json(entity).into_response()
        }
        "/Keys" => {
            let value: Vec<Value> = table
                .keys
                .iter()
                .map(|(name, columns)| {
                    json!({
                        "MetadataId": metadata_id(&format!("{}:key:{name}", table.logical_name)),
                        "LogicalName": name, "SchemaName": name, "EntityLogicalName": table.logical_name,
                        "KeyAttributes": columns, "DisplayName": label(name, name), "EntityKeyIndexStatus": "Active",
                    })
                })
                .collect();
            odata_json(json!({ "@odata.context": format!("{entity_context}/Keys"), "value": value }))
                .into_response()
        }
        "/ManyToOneRelationships" => {
            let value: Vec<Value> = table
                .columns
                .iter()
                .filter_map(|c| match c.kind {
                    ColumnKind::Lookup { targets } => Some(targets.iter().map(move |t| (c, *t))),
                    _ => None,
                })
                .flatten()
                .map(|(column, target)| {
                    let schema = format!("{target}_{}_{}", table.logical_name, column.logical_name);
                    json!({
                        "MetadataId": metadata_id(&schema), "SchemaName": schema,
                        "ReferencingEntity": table.logical_name, "ReferencingAttribute": column.logical_name,
                        "ReferencedEntity": target,
                        "ReferencedAttribute": tables.iter().find(|t| t.logical_name == target).map(|t| t.primary_id),
                        "ReferencingEntityNavigationPropertyName": navigation_property(column, target),
                    })
                })
                .map(|r| select(r, query))
                .collect();
            odata_json(json!({
                "@odata.context": format!("{entity_context}/ManyToOneRelationships"), "value": value,
            }))
            .into_response()
        }
        // The same relationships seen from the table they point to: its related records.
        "/OneToManyRelationships" => {
            let value: Vec<Value> = tables
                .iter()
                .flat_map(|referencing| referencing.columns.iter().map(move |c| (referencing, c)))
                .filter(|(_, c)| matches!(c.kind, ColumnKind::Lookup { targets } if targets.contains(&table.logical_name)))
                .map(|(referencing, column)| {
                    let schema = format!("{}_{}_{}", table.logical_name, referencing.logical_name, column.logical_name);
                    json!({
                        "MetadataId": metadata_id(&schema), "SchemaName": schema,
                        "ReferencedEntity": table.logical_name, "ReferencedAttribute": table.primary_id,
                        "ReferencingEntity": referencing.logical_name, "ReferencingAttribute": column.logical_name,
                        "ReferencedEntityNavigationPropertyName": schema,
                        "ReferencingEntityNavigationPropertyName": navigation_property(column, table.logical_name),
                    })
                })
                .map(|r| select(r, query))
                .collect();
            odata_json(json!({
                "@odata.context": format!("{entity_context}/OneToManyRelationships"), "value": value,
            }))
            .into_response()
        }
        attributes if attributes.starts_with("/Attributes") => {
            attributes_of(table, &attributes["/Attributes".len()..], query, &entity_context)
        }
        other => DataverseError::segment_not_found(other.trim_start_matches('/')).into_response(),
    }
}

/// `/Attributes`, `/Attributes(LogicalName='x')`, `/Attributes/Microsoft.Dynamics.CRM.<Type>`.
fn attributes_of(
    table: &Table,
    rest: &str,
    query: &HashMap<String, String>,
    entity_context: &str,
) -> Response {
    let expand_options = query
        .get("$expand")
        .is_some_and(|e| expanded_names(e).any(|n| n == "OptionSet" || n == "GlobalOptionSet"));
    if let Some(key) = rest.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        let key_of = |c: &Column| format!("{}.{}", table.logical_name, c.logical_name);
        let Some(column) = find(&table.columns, key, |c| c.logical_name, |c| metadata_id(&key_of(c))) else {
            return DataverseError::new(
                StatusCode::NOT_FOUND,
                "0x80060888",
                format!(
                    "Could not find attribute with LogicalName or MetadataId {key} on {}",
                    table.logical_name
                ),
            )
            .into_response();
        };
        let mut attribute = select(attribute_json(table, column, expand_options), query);
        attribute["@odata.context"] = Value::String(format!("{entity_context}/Attributes/$entity"));
        return odata_json(attribute).into_response();
    }
    let cast = match rest {
        "" => None,
        cast => match cast.strip_prefix("/Microsoft.Dynamics.CRM.") {
            Some(type_name) => Some(type_name),
            None => return DataverseError::segment_not_found(rest.trim_start_matches('/')).into_response(),
        },
    };
    let value: Vec<Value> = table
        .columns
        .iter()
        .filter(|c| cast.is_none_or(|t| c.kind.metadata_type() == t))
        .map(|c| select(attribute_json(table, c, expand_options && cast.is_some()), query))
        .collect();
    let context = match cast {
        Some(t) => format!("{entity_context}/Attributes/Microsoft.Dynamics.CRM.{t}"),
        None => format!("{entity_context}/Attributes"),
    };
    odata_json(json!({ "@odata.context": context, "value": value })).into_response()
}

#[cfg(test)]
mod tests {
    use super::expanded_names;

    #[test]
    fn expand_lists_split_at_the_top_level_only() {
        let names: Vec<_> =
            expanded_names("OptionSet($select=Options,Name),GlobalOptionSet($select=Options)").collect();
        assert_eq!(names, ["OptionSet", "GlobalOptionSet"]);
        assert_eq!(expanded_names("").count(), 0);
    }
}
