//! `EntityDefinitions`: tables, their columns (with the derived metadata types and option-set casts) and
//! alternate keys and many-to-one relationships (the lookups' navigation properties), in the Web API's
//! metadata shapes.

use super::cascade::delete_behaviour;
use std::collections::HashMap;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::errors::{DataverseError, odata_json};
use super::records::navigation_property;
use crate::data::decimal;
use crate::data::schema::{Column, ColumnKind, OptionItem, StatusItem, Table};
use crate::odata::metadata_filter;
use crate::odata::query::bad_request;
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

pub(super) fn schema_name(logical_name: &str) -> String {
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

/// Status reasons carry their state (`StatusOptionMetadata.State`); Learn, Web API complex types.
fn status_options_json(options: &[StatusItem], key: &str) -> Value {
    options
        .iter()
        .map(|(value, text, state)| {
            json!({ "Value": value, "Label": label(text, &format!("{key}:{value}")), "State": state })
        })
        .collect()
}

/// States carry their default status reason (`StateOptionMetadata.DefaultStatus`): the first of the
/// table's status reasons for that state, which is also what an update of the state alone sets.
fn state_options_json(table: &Table, options: &[OptionItem], key: &str) -> Value {
    let statuses = match table.column("statuscode").map(|c| &c.kind) {
        Some(ColumnKind::Status { options }) => *options,
        _ => &[],
    };
    options
        .iter()
        .map(|(value, text)| {
            let default = statuses.iter().find(|(_, _, state)| state == value).map(|(status, _, _)| status);
            json!({
                "Value": value, "Label": label(text, &format!("{key}:{value}")),
                "DefaultStatus": default, "InvariantName": text.replace(' ', ""),
            })
        })
        .collect()
}

/// A column's `AttributeMetadata` properties: what every column has, and what an uncast query may filter on.
fn attribute_base(table: &Table, column: &Column) -> Value {
    let key = format!("{}.{}", table.logical_name, column.logical_name);
    let type_name = column.kind.type_name();
    json!({
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
    })
}

fn attribute_json(table: &Table, column: &Column, with_options: bool) -> Value {
    let key = format!("{}.{}", table.logical_name, column.logical_name);
    let mut attribute = attribute_base(table, column);
    let extra = match &column.kind {
        ColumnKind::String { max_length } | ColumnKind::Memo { max_length } => {
            json!({ "MaxLength": max_length })
        }
        ColumnKind::Integer { min, max } => json!({ "MinValue": min, "MaxValue": max }),
        ColumnKind::BigInt => json!({ "MinValue": i64::MIN, "MaxValue": i64::MAX }),
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
        ColumnKind::DateTime { behavior } => json!({
            "Format": if column.kind.is_date_only() { "DateOnly" } else { "DateAndTime" },
            "DateTimeBehavior": { "Value": behavior.as_str() },
        }),
        ColumnKind::Lookup { targets } => json!({ "Targets": targets }),
        ColumnKind::Boolean { true_label, false_label } if with_options => json!({ "OptionSet": {
            "TrueOption": { "Value": 1, "Label": label(true_label, &format!("{key}:true")) },
            "FalseOption": { "Value": 0, "Label": label(false_label, &format!("{key}:false")) },
        }}),
        ColumnKind::Picklist { options } | ColumnKind::MultiSelect { options } if with_options => {
            json!({ "OptionSet": { "Options": options_json(options, &key), "IsGlobal": false }, "GlobalOptionSet": null })
        }
        ColumnKind::State { options } if with_options => {
            json!({ "OptionSet": { "Options": state_options_json(table, options, &key), "IsGlobal": false } })
        }
        ColumnKind::Status { options } if with_options => {
            json!({ "OptionSet": { "Options": status_options_json(options, &key), "IsGlobal": false } })
        }
        _ => json!({}),
    };
    if let (Some(attribute), Value::Object(extra)) = (attribute.as_object_mut(), extra) {
        attribute.extend(extra);
    }
    attribute
}

fn key_json(table: &Table, name: &str, columns: &[&str]) -> Value {
    json!({
        "MetadataId": metadata_id(&format!("{}:key:{name}", table.logical_name)),
        "LogicalName": name, "SchemaName": name, "EntityLogicalName": table.logical_name,
        "KeyAttributes": columns, "DisplayName": label(name, name), "EntityKeyIndexStatus": "Active",
    })
}

/// The table's lookups as relationships: many-to-one seen from the table.
fn many_to_one(tables: &[Table], table: &Table) -> Vec<Value> {
    table
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
                "RelationshipType": "OneToManyRelationship",
                "ReferencingEntity": table.logical_name, "ReferencingAttribute": column.logical_name,
                "ReferencedEntity": target,
                "ReferencedAttribute": tables.iter().find(|t| t.logical_name == target).map(|t| t.primary_id),
                "ReferencingEntityNavigationPropertyName": navigation_property(column, target),
                "CascadeConfiguration":
                    delete_behaviour(table.logical_name, column.logical_name, target).configuration(),
            })
        })
        .collect()
}

/// The same relationships seen from the table they point to: its related records.
fn one_to_many(tables: &[Table], table: &Table) -> Vec<Value> {
    tables
        .iter()
        .flat_map(|referencing| referencing.columns.iter().map(move |c| (referencing, c)))
        .filter(|(_, c)| matches!(c.kind, ColumnKind::Lookup { targets } if targets.contains(&table.logical_name)))
        .map(|(referencing, column)| {
            let schema = format!("{}_{}_{}", table.logical_name, referencing.logical_name, column.logical_name);
            json!({
                "MetadataId": metadata_id(&schema), "SchemaName": schema,
                "RelationshipType": "OneToManyRelationship",
                "ReferencedEntity": table.logical_name, "ReferencedAttribute": table.primary_id,
                "ReferencingEntity": referencing.logical_name, "ReferencingAttribute": column.logical_name,
                "ReferencedEntityNavigationPropertyName": schema,
                "ReferencingEntityNavigationPropertyName": navigation_property(column, table.logical_name),
                "CascadeConfiguration":
                    delete_behaviour(referencing.logical_name, column.logical_name, table.logical_name)
                        .configuration(),
            })
        })
        .collect()
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

/// An `$expand`ed navigation property and its nested options.
type ExpandItem<'a> = (&'a str, HashMap<String, String>);

/// `Attributes($select=LogicalName;$filter=...)` → the name and its nested options.
fn expand_items(expand: &str) -> Result<Vec<ExpandItem<'_>>, DataverseError> {
    let mut items = Vec::new();
    for item in crate::odata::split_top_level(expand).into_iter().map(str::trim).filter(|i| !i.is_empty()) {
        let (name, nested) = match item.split_once('(') {
            Some((name, rest)) => (
                name.trim(),
                rest.strip_suffix(')')
                    .ok_or_else(|| bad_request(format!("Unbalanced parentheses in $expand '{item}'.")))?,
            ),
            None => (item, ""),
        };
        let mut options = HashMap::new();
        for option in nested.split(';').map(str::trim).filter(|o| !o.is_empty()) {
            let (key, value) = option.split_once('=').unwrap_or((option, ""));
            if !matches!(key, "$select" | "$filter") {
                return Err(bad_request(format!(
                    "The query option {key} is not supported inside $expand of table definitions by the D365 \
                     Desk sandbox; it takes $select and $filter."
                )));
            }
            options.insert(key.to_owned(), value.to_owned());
        }
        items.push((name, options));
    }
    Ok(items)
}

/// The options a metadata request takes: `$select`, `$expand` and, on a collection, `$filter`. Learn ("Use the
/// Web API with table definitions"): no paging; `$orderby` and `$top` get 0x80060888 "The query parameter
/// $orderby is not supported" (rcb0727/powerplatform-mcp-docs#8).
fn check_options(query: &HashMap<String, String>, collection: bool) -> Result<(), DataverseError> {
    let mut names: Vec<&String> = query.keys().collect();
    names.sort();
    for name in names {
        match name.as_str() {
            "$select" | "$expand" => {}
            "$filter" if collection => {}
            "$filter" => {
                return Err(bad_request(
                    "The query parameter $filter is not supported on a single definition: filter its collection.",
                ));
            }
            alias if alias.starts_with('@') => {
                return Err(bad_request(format!(
                    "The parameter alias {alias} is not supported by the D365 Desk sandbox (a limit of the sandbox)."
                )));
            }
            system if system.starts_with('$') => {
                return Err(bad_request(format!("The query parameter {system} is not supported")));
            }
            other => {
                return Err(DataverseError::new(
                    StatusCode::BAD_REQUEST,
                    "0x0",
                    format!("The query parameter {other} is not supported"),
                ));
            }
        }
    }
    Ok(())
}

/// A metadata collection's items as a query asks for them: filtered (`$filter` on the items of the metadata
/// type `type_name`, by the properties `filterable` allows), then `$select`ed.
fn query_items(
    items: Vec<Value>,
    query: &HashMap<String, String>,
    type_name: &str,
    filterable: &dyn Fn(&Value, &str) -> bool,
) -> Result<Vec<Value>, DataverseError> {
    let filter = query.get("$filter").map(|text| metadata_filter::parse(text)).transpose()?;
    let mut out = Vec::new();
    for item in items {
        if let Some(filter) = &filter
            && !metadata_filter::matches(filter, &item, type_name, &|name| filterable(&item, name))?
        {
            continue;
        }
        out.push(select(item, query));
    }
    Ok(out)
}

fn any_property(_: &Value, _: &str) -> bool {
    true
}

/// The rows an attribute query filters on: without a cast only `AttributeMetadata`'s own properties.
fn attribute_items(
    table: &Table,
    cast: Option<&str>,
    with_options: bool,
    query: &HashMap<String, String>,
) -> Result<Vec<Value>, DataverseError> {
    let columns: Vec<&Column> =
        table.columns.iter().filter(|c| cast.is_none_or(|t| c.kind.metadata_type() == t)).collect();
    let base_names: Vec<String> = table
        .columns
        .first()
        .and_then(|c| attribute_base(table, c).as_object().map(|o| o.keys().cloned().collect()))
        .unwrap_or_default();
    let items = columns.iter().map(|c| attribute_json(table, c, with_options)).collect();
    let uncast = cast.is_none();
    query_items(items, query, cast.unwrap_or("AttributeMetadata"), &|_, name| {
        !uncast || base_names.iter().any(|n| n == name)
    })
}

/// The collection-valued navigation properties of a table definition, as `$expand` and the paths name them.
fn navigation(
    tables: &[Table],
    table: &Table,
    name: &str,
    query: &HashMap<String, String>,
) -> Result<Option<Vec<Value>>, DataverseError> {
    Ok(Some(match name {
        "Attributes" => attribute_items(table, None, false, query)?,
        "Keys" => {
            let keys = table.keys.iter().map(|(name, columns)| key_json(table, name, columns)).collect();
            query_items(keys, query, "EntityKeyMetadata", &any_property)?
        }
        "ManyToOneRelationships" => {
            query_items(many_to_one(tables, table), query, "OneToManyRelationshipMetadata", &any_property)?
        }
        "OneToManyRelationships" => {
            query_items(one_to_many(tables, table), query, "OneToManyRelationshipMetadata", &any_property)?
        }
        // The sandbox's tables have no many-to-many relationships.
        "ManyToManyRelationships" => {
            query_items(Vec::new(), query, "ManyToManyRelationshipMetadata", &any_property)?
        }
        _ => return Ok(None),
    }))
}

fn no_property(type_name: &str, name: &str) -> DataverseError {
    DataverseError::new(
        StatusCode::BAD_REQUEST,
        "0x0",
        format!("Could not find a property named '{name}' on type 'Microsoft.Dynamics.CRM.{type_name}'."),
    )
}

/// A table definition with its `$expand`ed navigation properties.
fn entity_with_expands(
    tables: &[Table],
    table: &Table,
    query: &HashMap<String, String>,
) -> Result<Value, DataverseError> {
    let mut entity = select(entity_json(table), query);
    for (name, nested) in expand_items(query.get("$expand").map(String::as_str).unwrap_or_default())? {
        let items =
            navigation(tables, table, name, &nested)?.ok_or_else(|| no_property("EntityMetadata", name))?;
        entity[name] = Value::Array(items);
    }
    Ok(entity)
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
    definitions(state, rest, query).unwrap_or_else(IntoResponse::into_response)
}

fn collection_response(context: String, value: Vec<Value>) -> Response {
    odata_json(json!({ "@odata.context": context, "value": value })).into_response()
}

fn definitions(
    state: &SandboxState,
    rest: &str,
    query: &HashMap<String, String>,
) -> Result<Response, DataverseError> {
    let base = state.urls.web_api_url.clone();
    let tables = state.store.tables();
    if rest.is_empty() {
        check_options(query, true)?;
        let items: Vec<Value> = tables.iter().map(entity_json).collect();
        let filter = query.get("$filter").map(|text| metadata_filter::parse(text)).transpose()?;
        let mut value = Vec::new();
        for (table, item) in tables.iter().zip(&items) {
            if let Some(filter) = &filter
                && !metadata_filter::matches(filter, item, "EntityMetadata", &|_| true)?
            {
                continue;
            }
            value.push(entity_with_expands(tables, table, query)?);
        }
        let context = match query.get("$select") {
            Some(selected) => format!("{base}$metadata#EntityDefinitions({selected})"),
            None => format!("{base}$metadata#EntityDefinitions"),
        };
        return Ok(collection_response(context, value));
    }
    // `(LogicalName='account')` or `(<MetadataId>)`, optionally followed by `/Attributes...`, `/Keys`, ...
    let Some(close) = rest.find(')').filter(|_| rest.starts_with('(')) else {
        return Err(DataverseError::segment_not_found(&format!("EntityDefinitions{rest}")));
    };
    let key = &rest[1..close];
    let table = find(tables, key, |t| t.logical_name, |t| metadata_id(t.logical_name))
        .ok_or_else(|| no_entity(key))?;
    let entity_context = format!("{base}$metadata#EntityDefinitions({})", table.logical_name);
    let path = &rest[close + 1..];
    if path.is_empty() {
        check_options(query, false)?;
        let mut entity = entity_with_expands(tables, table, query)?;
        entity["@odata.context"] = Value::String(format!("{base}$metadata#EntityDefinitions/$entity"));
        return Ok(odata_json(entity).into_response());
    }
    if let Some(attributes) = path.strip_prefix("/Attributes") {
        return attributes_of(table, attributes, query, &entity_context);
    }
    let name = path.trim_start_matches('/');
    check_options(query, true)?;
    if query.contains_key("$expand") {
        return Err(bad_request(format!(
            "The query parameter $expand is not supported on {name} by the D365 Desk sandbox."
        )));
    }
    match navigation(tables, table, name, query)? {
        Some(value) => Ok(collection_response(format!("{entity_context}/{name}"), value)),
        None => Err(DataverseError::segment_not_found(name)),
    }
}

/// `/Attributes`, `/Attributes(LogicalName='x')` (or its MetadataId), `/Attributes/Microsoft.Dynamics.CRM.<Type>`,
/// and `/Attributes(...)/Microsoft.Dynamics.CRM.<Type>`.
fn attributes_of(
    table: &Table,
    rest: &str,
    query: &HashMap<String, String>,
    entity_context: &str,
) -> Result<Response, DataverseError> {
    let expand = query.get("$expand").map(String::as_str).unwrap_or_default();
    for name in expanded_names(expand) {
        if name != "OptionSet" && name != "GlobalOptionSet" {
            return Err(no_property("AttributeMetadata", name));
        }
    }
    let expand_options = !expand.is_empty();
    let cast_of = |text: &str| -> Result<Option<String>, DataverseError> {
        match text {
            "" => Ok(None),
            cast => match cast.strip_prefix("/Microsoft.Dynamics.CRM.") {
                Some(type_name) => Ok(Some(type_name.to_owned())),
                None => Err(DataverseError::segment_not_found(cast.trim_start_matches('/'))),
            },
        }
    };
    if let Some(inner) = rest.strip_prefix('(') {
        check_options(query, false)?;
        let close = inner.find(')').ok_or_else(|| DataverseError::segment_not_found(rest))?;
        let (key, after) = (&inner[..close], &inner[close + 1..]);
        let key_of = |c: &Column| format!("{}.{}", table.logical_name, c.logical_name);
        let not_found = || {
            DataverseError::new(
                StatusCode::NOT_FOUND,
                "0x80060888",
                format!(
                    "Could not find attribute with LogicalName or MetadataId {key} on {}",
                    table.logical_name
                ),
            )
        };
        let column = find(&table.columns, key, |c| c.logical_name, |c| metadata_id(&key_of(c)))
            .ok_or_else(not_found)?;
        let cast = cast_of(after)?;
        if let Some(cast) = &cast
            && column.kind.metadata_type() != cast
        {
            return Err(not_found());
        }
        let mut attribute = select(attribute_json(table, column, expand_options), query);
        let path = cast.map(|c| format!("/Microsoft.Dynamics.CRM.{c}")).unwrap_or_default();
        attribute["@odata.context"] = Value::String(format!("{entity_context}/Attributes{path}/$entity"));
        return Ok(odata_json(attribute).into_response());
    }
    check_options(query, true)?;
    let cast = cast_of(rest)?;
    let value = attribute_items(table, cast.as_deref(), expand_options && cast.is_some(), query)?;
    let context = match cast {
        Some(t) => format!("{entity_context}/Attributes/Microsoft.Dynamics.CRM.{t}"),
        None => format!("{entity_context}/Attributes"),
    };
    Ok(collection_response(context, value))
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
