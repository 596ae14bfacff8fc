//! Finding a record by its name, as a lookup's picker does: the filter bar's "lookup by name" (and the
//! editors' lookup fields) search the target table's primary name as the person types.

use d365_dataverse::data::cache::MetadataCache;
use d365_dataverse::data::query::{Filter, Query};
use d365_dataverse::data::read::{self, ReadOptions};
use serde::Serialize;
use serde_json::Value;

use crate::error::Result;

/// The most records a search offers: a picker's list, not a grid.
const CANDIDATES: u32 = 25;

/// A record a lookup may point to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LookupCandidate {
    pub table: String,
    pub id: String,
    /// Its primary name (empty when it has none).
    pub name: String,
}

/// Records of `table` whose primary name contains `text` (all, for no text), A–Z by name.
pub async fn lookup_search(cache: &MetadataCache, table: &str, text: &str) -> Result<Vec<LookupCandidate>> {
    let schema = cache.schema(table).await?;
    let primary_id = schema.table.primary_id.clone();
    let mut query = Query::new(schema.table.logical_name.clone());
    query.select = vec![primary_id.clone()];
    query.top = Some(CANDIDATES);
    let name = schema.table.primary_name.clone();
    if name.is_none() && !text.trim().is_empty() {
        return Err(d365_dataverse::DataverseError::new(
            "input.no_primary_name",
            format!("{} has no name column to search by.", schema.table.logical_name),
            Some("Pick the record by its id instead.".into()),
        )
        .into());
    }
    if let Some(name) = &name {
        query.select.push(name.clone());
        query.order_by = vec![(name.clone(), false)];
        let text = text.trim();
        if !text.is_empty() {
            query.filter = Some(Filter::Contains(name.clone(), text.to_owned()));
        }
    }
    let (schema, path) = cache.check(&query).await?;
    let options = ReadOptions { page_size: CANDIDATES, annotations: false, track_changes: false };
    let page = read::page(cache.client(), &path, &options).await?;
    Ok(page
        .rows
        .iter()
        .filter_map(|row| {
            let id = row.id(&primary_id)?.to_owned();
            let name = name
                .as_deref()
                .and_then(|n| row.get(n))
                .and_then(|cell| match &cell.value {
                    Value::String(text) => Some(text.clone()),
                    _ => None,
                })
                .unwrap_or_default();
            Some(LookupCandidate { table: schema.table.logical_name.clone(), id, name })
        })
        .collect())
}
