//! One record for the record view: every column it can show, grouped as a person reads a record (its
//! name, the columns the grid showed, the rest A–Z, the empty ones last), each with its displayed and
//! exact raw value; and the address of the record in Dynamics 365's own app.

use d365_dataverse::client::Client;
use d365_dataverse::data::cache::MetadataCache;
use d365_dataverse::data::metadata::{RelatedTable, TableInfo};
use d365_dataverse::data::query::{Query, encode};
use d365_dataverse::data::read::{self, ReadOptions};
use serde::Serialize;

use crate::error::Result;
use crate::grid::{GridCell, GridColumn, cell, grid_column, showable};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum FieldGroup {
    /// The primary name.
    Name,
    /// A column the grid showed.
    Shown,
    Other,
    /// No value: folded away.
    Empty,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RecordField {
    pub column: GridColumn,
    pub group: FieldGroup,
    pub cell: GridCell,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RecordView {
    pub table: TableInfo,
    pub id: String,
    pub etag: Option<String>,
    pub fields: Vec<RecordField>,
    /// The record as flat JSON (raw values, `@formatted` and `@table` beside them), every number as the
    /// server wrote it: for "copy as JSON".
    pub json: String,
    /// Where Dynamics 365 shows it (for the sandbox, its own page at that address).
    pub app_link: String,
    /// The records that point to this one, per relationship, with their count.
    pub related: Vec<RelatedRecords>,
}

/// The records of one table whose lookup points to the record: what opens as a grid with `filter`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RelatedRecords {
    pub relationship: String,
    pub table: TableInfo,
    pub column: String,
    /// `Contact (Company Name)`: the table and the lookup, as a person knows them.
    pub label: String,
    /// The grid's `$filter` for them.
    pub filter: String,
    /// As Dataverse counts (up to 5000); none when the count could not be read.
    #[cfg_attr(feature = "specta", specta(type = Option<u32>))]
    pub count: Option<u64>,
}

/// The record `id` of `table`, read whole; `shown` are the grid's columns, listed after its name.
pub async fn record(cache: &MetadataCache, table: &str, id: &str, shown: &[String]) -> Result<RecordView> {
    let (schema, path) = cache.check_record(&Query::new(table), id).await?;
    let row = read::retrieve(cache.client(), &path, None, true).await?.ok_or_else(|| {
        d365_dataverse::DataverseError::new("api.not_found", "The record came back empty.", None)
    })?;
    let mut fields: Vec<RecordField> = schema
        .columns
        .iter()
        .filter(|c| showable(c))
        .map(|column| {
            let cell = cell(&row, column);
            let group = if cell.text.is_empty() && cell.raw.is_none() {
                FieldGroup::Empty
            } else if column.is_primary_name {
                FieldGroup::Name
            } else if shown.iter().any(|s| s.eq_ignore_ascii_case(&column.logical_name)) {
                FieldGroup::Shown
            } else {
                FieldGroup::Other
            };
            RecordField { column: grid_column(column), group, cell }
        })
        .collect();
    let place = |field: &RecordField| {
        let shown_at = shown.iter().position(|s| s.eq_ignore_ascii_case(&field.column.logical_name));
        (field.group as u8, shown_at.unwrap_or(usize::MAX), field.column.label.to_lowercase())
    };
    fields.sort_by_cached_key(place);
    let id = row.id(&schema.table.primary_id).unwrap_or(id).to_owned();
    let json = serde_json::to_string_pretty(&row.to_flat_json()).unwrap_or_default();
    let related = related(cache, &schema.related, &id).await;
    Ok(RecordView {
        related,
        app_link: app_link(cache.client(), &schema.table.logical_name, Some(&id)),
        table: schema.table,
        id,
        etag: row.etag,
        fields,
        json,
    })
}

/// Each relationship's records and their count, read at once; a relationship whose table cannot be read
/// (no privilege, say) is left out rather than failing the record.
async fn related(cache: &MetadataCache, tables: &[RelatedTable], id: &str) -> Vec<RelatedRecords> {
    // Only tables the environment lists (it leaves out internal ones a person cannot browse).
    let listed: Vec<String> =
        cache.tables().await.map(|t| t.into_iter().map(|t| t.logical_name).collect()).unwrap_or_default();
    let wanted: Vec<&RelatedTable> = tables.iter().filter(|r| listed.contains(&r.table)).collect();
    let reads: Vec<_> = wanted
        .into_iter()
        .map(|related| async move {
            let schema = cache.schema(&related.table).await.ok()?;
            let lookup = schema.column(&related.column)?;
            let filter = format!("_{}_value eq {id}", related.column);
            let path = format!(
                "{}?$select={}&$filter={}&$count=true&$top=1",
                schema.table.entity_set,
                schema.table.primary_id,
                encode(&filter)
            );
            let options = ReadOptions { annotations: false, ..Default::default() };
            let count = read::page(cache.client(), &path, &options).await.ok().and_then(|page| page.count);
            let table_label =
                schema.table.display_name.clone().unwrap_or_else(|| schema.table.logical_name.clone());
            let column_label = lookup.display_name.clone().unwrap_or_else(|| lookup.logical_name.clone());
            Some(RelatedRecords {
                relationship: related.relationship.clone(),
                label: format!("{table_label} ({column_label})"),
                table: schema.table,
                column: related.column.clone(),
                filter,
                count,
            })
        })
        .collect();
    // A real table has a hundred relationships and more: a few at a time, not a burst of requests.
    use futures_util::StreamExt;
    let found: Vec<Option<RelatedRecords>> = futures_util::stream::iter(reads).buffered(6).collect().await;
    found.into_iter().flatten().collect()
}

/// Dynamics 365's address for a record (`pagetype=entityrecord`) or, without an id, the table's list
/// (`entitylist`), in the environment's default app (Microsoft Learn, "Open forms, views, dialogs, and
/// reports with a URL").
pub fn app_link(client: &Client, table: &str, id: Option<&str>) -> String {
    let base = client.instance().resource();
    match id {
        Some(id) => {
            format!("{base}/main.aspx?pagetype=entityrecord&etn={}&id=%7B{}%7D", encode(table), encode(id))
        }
        None => format!("{base}/main.aspx?pagetype=entitylist&etn={}", encode(table)),
    }
}
