//! A table's records as the window's grid shows them. The rows stay here, page after page as they are
//! read; the window asks for the slice it shows, as rows of cells aligned to the column list (not objects
//! keyed by name), so 100,000 rows never cross to the webview at once.
//!
//! Numbers cross as text: JavaScript's numbers would round money past 2^53 and big integers.

use std::sync::Arc;

use d365_dataverse::client::Client;
use d365_dataverse::data::cache::MetadataCache;
use d365_dataverse::data::export::{self, ExportOptions, ExportReport, Format as ExportFormat};
use d365_dataverse::data::fetch_paging;
use d365_dataverse::data::metadata::{ColumnInfo, OptionValue, RequiredLevel, TableInfo, TableSchema};
use d365_dataverse::data::query::{Filter, Query, encode};
use d365_dataverse::data::read::{self, ReadOptions};
use d365_dataverse::data::rows::Row;
use d365_dataverse::data::values;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::Result;
use crate::grid_filter::{FilterCondition, FilterOperator, conditions_filter, operators};
use crate::table_views::{ViewKind, ViewRef, view_option};

/// Tables people open most, first in the list; then custom tables, then the rest (each A–Z).
const COMMON_TABLES: &[&str] = &["account", "contact", "lead", "opportunity", "incident", "systemuser"];

/// The tables in the order the window lists them.
pub fn tables_for_browsing(mut tables: Vec<TableInfo>) -> Vec<TableInfo> {
    let rank = |t: &TableInfo| match COMMON_TABLES.iter().position(|c| *c == t.logical_name) {
        Some(position) => (0, position),
        None if t.is_custom => (1, 0),
        None => (2, 0),
    };
    let label =
        |t: &TableInfo| t.display_name.clone().unwrap_or_else(|| t.logical_name.clone()).to_lowercase();
    tables.sort_by_cached_key(|t| (rank(t), label(t)));
    tables
}

/// What the grid shows: a table, its columns (the defaults when empty), a sort and a filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct GridRequest {
    pub table: String,
    /// Logical names; empty for the table's default columns.
    #[serde(default)]
    pub columns: Vec<String>,
    /// `$filter` as typed; its column names are checked against the table's metadata.
    #[serde(default)]
    pub filter: Option<String>,
    /// The visual filter's conditions, joined with `and` (and with `filter`).
    #[serde(default)]
    pub conditions: Vec<FilterCondition>,
    #[serde(default)]
    pub sort: Vec<GridSort>,
    /// A view to run instead of the filter and sort (its columns come in `columns`).
    #[serde(default)]
    pub view: Option<ViewRef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct GridSort {
    pub column: String,
    pub descending: bool,
}

/// A column of the grid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct GridColumn {
    pub logical_name: String,
    pub label: String,
    /// The metadata's `AttributeType` (`String`, `Money`, `Lookup`, `Picklist`, ...).
    pub attribute_type: String,
    /// Numbers are right-aligned, as in a spreadsheet.
    pub numeric: bool,
    /// What the visual filter offers for it.
    pub operators: Vec<FilterOperator>,
    /// A choice's options (value and label), for the filter's dropdown.
    pub options: Vec<OptionValue>,
    /// The tables a lookup points to, for the filter's record picker.
    pub targets: Vec<String>,
    /// It can be changed on an existing record (the metadata's `IsValidForUpdate`).
    pub editable: bool,
    /// A value is required (by the application or the system).
    pub required: bool,
    /// Text columns: the most characters they take.
    pub max_length: Option<u32>,
    /// A date-time column that holds a day only (`YYYY-MM-DD`, no time and no time zone).
    pub date_only: bool,
    /// A date-time column's `DateTimeBehavior`: `UserLocal` (UTC, shown in local time), `DateOnly`, or
    /// `TimeZoneIndependent` (the clock time as entered, never shifted).
    pub date_behavior: Option<String>,
    /// A multi-select choice (`AttributeType` Virtual): its value is its options' values joined by commas.
    pub multi_select: bool,
    /// Numbers: the range the metadata gives (`MinValue`/`MaxValue`, as text like every number here) and
    /// the decimal places a value may have (0 for whole numbers), as the core checks them.
    pub min_value: Option<String>,
    pub max_value: Option<String>,
    pub places: Option<u32>,
}

/// One cell: what the environment displays, and the raw value's exact text where it differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct GridCell {
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw: Option<String>,
    /// For a lookup: the table of the record it points to (its id is `raw`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct GridRow {
    pub id: String,
    /// Aligned to [`GridView::columns`].
    pub cells: Vec<GridCell>,
}

/// How far the read is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct GridProgress {
    /// Rows read so far.
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub loaded: u64,
    /// All the rows the filter matches, as Dataverse counts them (it stops counting at 5000).
    #[cfg_attr(feature = "specta", specta(type = Option<u32>))]
    pub total: Option<u64>,
    /// The count reached Dataverse's limit: there are at least `total` rows.
    pub total_is_lower_bound: bool,
    /// Every row has been read.
    pub complete: bool,
}

/// What the window gets when a grid opens: its columns, how far it is, and the first rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct GridView {
    pub table: TableInfo,
    pub columns: Vec<GridColumn>,
    /// Every column the grid could show, A–Z by label: for the column picker.
    pub available: Vec<GridColumn>,
    pub sort: Vec<GridSort>,
    pub progress: GridProgress,
    pub rows: Vec<GridRow>,
}

/// Rows per request: Dataverse's largest page.
const PAGE_SIZE: u32 = 5000;
/// The count Dataverse stops at.
const COUNT_LIMIT: u64 = 5000;
/// Columns a table opens with when the request names none.
const DEFAULT_COLUMNS: usize = 8;
/// The first rows sent with a new grid: more than a screen holds.
const FIRST_ROWS: usize = 100;

/// A table's rows for the grid, read on demand.
pub struct Grid {
    client: Arc<Client>,
    schema: TableSchema,
    /// What the grid reads: its columns, filter and sort, for exports of what it shows.
    query: Query,
    columns: Vec<ColumnInfo>,
    sort: Vec<GridSort>,
    /// The rows read, as the window shows them: only the grid's columns, without the names of every
    /// column in every row (a decoded row keeps them), so 100,000 rows stay about the size of their text.
    rows: Vec<GridRow>,
    next_link: Option<String>,
    total: Option<u64>,
    /// The view the grid runs, and once needed its FetchXML and the page read last (see [`Self::continued`]).
    view: Option<ViewRef>,
    view_fetch: Option<String>,
    fetch_page: u32,
    fetch_page_size: Option<u32>,
}

impl Grid {
    /// Checks the request against the table's metadata (a misspelt column gets "did you mean") and reads
    /// the first page, with the count.
    pub async fn open(cache: &MetadataCache, request: &GridRequest) -> Result<(Self, GridView)> {
        let filtered = request.filter.as_deref().is_some_and(|f| !f.trim().is_empty())
            || !request.conditions.is_empty()
            || !request.sort.is_empty();
        if request.view.is_some() && filtered {
            return Err(d365_dataverse::DataverseError::new(
                "input.invalid",
                "A view brings its own filter and order: open it without a filter or sort.",
                None,
            )
            .into());
        }
        let first = cache.schema(&request.table).await?;
        let names: Vec<String> = if request.columns.is_empty() {
            default_columns(&first).into_iter().map(|c| c.logical_name).collect()
        } else {
            request.columns.clone()
        };
        let mut query = Query::new(first.table.logical_name.clone());
        query.select = names.clone();
        let typed =
            request.filter.as_deref().map(str::trim).filter(|f| !f.is_empty()).map(|f| Filter::Raw(f.into()));
        query.filter = match (typed, conditions_filter(&first, &request.conditions)?) {
            (Some(typed), Some(built)) => Some(Filter::And(vec![typed, built])),
            (typed, built) => typed.or(built),
        };
        query.order_by = request.sort.iter().map(|s| (s.column.clone(), s.descending)).collect();
        // A view brings its own filter and order; Dataverse counts it only as its rows are read.
        query.count = request.view.is_none();
        query.predefined = request.view.as_ref().map(view_option);
        // Checked (and the schema fetched again once for a name it does not know) before any row is read.
        let (schema, path) = cache.check(&query).await?;
        let columns = names.iter().filter_map(|name| column(&schema, name)).collect();
        let client = cache.client().clone();
        query.count = false;
        let mut grid = Self {
            client,
            schema,
            query,
            columns,
            sort: request.sort.clone(),
            rows: Vec::new(),
            next_link: Some(path),
            total: None,
            view: request.view.clone(),
            view_fetch: None,
            fetch_page: 1,
            fetch_page_size: None,
        };
        grid.load_more().await?;
        let view = GridView {
            table: grid.schema.table.clone(),
            columns: grid.columns.iter().map(grid_column).collect(),
            available: available(&grid.schema),
            sort: grid.sort.clone(),
            progress: grid.progress(),
            rows: grid.rows(0, FIRST_ROWS),
        };
        Ok((grid, view))
    }

    /// Reads the next page, if there is one.
    pub async fn load_more(&mut self) -> Result<GridProgress> {
        let Some(target) = self.next_link.take() else { return Ok(self.progress()) };
        let options = ReadOptions { page_size: PAGE_SIZE, annotations: true, track_changes: false };
        let page = match read::page(&self.client, &target, &options).await {
            Ok(page) => page,
            Err(err) => {
                self.next_link = Some(target); // to try again
                return Err(err.into());
            }
        };
        if page.next_link.as_deref() == Some(target.as_str()) {
            self.next_link = Some(target); // not complete: the rest was never read
            return Err(d365_dataverse::DataverseError::new(
                "api.malformed_response",
                "The environment sent the same page link again; the read stopped there.",
                None,
            )
            .into());
        }
        let next_link = match page.next_link {
            None if page.more_records => {
                match self.continued(page.paging_cookie.as_deref(), page.rows.len()).await {
                    Ok(next) => next,
                    Err(err) => {
                        self.next_link = Some(target); // this page again, rather than rows lost
                        return Err(err);
                    }
                }
            }
            next => next,
        };
        if let Some(count) = page.count {
            self.total = Some(count);
        }
        let primary = &self.schema.table.primary_id;
        let shown = page.rows.iter().map(|row| GridRow {
            id: row.id(primary).unwrap_or_default().to_owned(),
            cells: self.columns.iter().map(|c| cell(row, c)).collect(),
        });
        self.rows.extend(shown);
        self.next_link = next_link;
        Ok(self.progress())
    }

    /// The next page of a view that said it has more rows but gave no nextLink, as FetchXML pages: the
    /// view's FetchXML (read once) with the next page's number and cookie, on the table's entity set.
    async fn continued(&mut self, cookie: Option<&str>, rows: usize) -> Result<Option<String>> {
        let Some(view) = &self.view else { return Ok(None) };
        if self.view_fetch.is_none() {
            let set = match view.kind {
                ViewKind::System => "savedqueries",
                ViewKind::Personal => "userqueries",
            };
            let path = format!("{set}({})?$select=fetchxml", encode(&view.id));
            let row = read::retrieve(&self.client, &path, None, false).await?;
            let fetch = row.as_ref().and_then(|row| row.get("fetchxml")).and_then(|cell| cell.value.as_str());
            self.view_fetch = Some(fetch.map(str::to_owned).ok_or_else(|| {
                d365_dataverse::DataverseError::new(
                    "api.malformed_response",
                    "The view has more rows, but its FetchXML could not be read to page through them.",
                    None,
                )
            })?);
        }
        let fetch = self.view_fetch.as_deref().unwrap_or_default();
        // Pages keep the first page's size: without a cookie, page N starts after N-1 of them.
        let size =
            *self.fetch_page_size.get_or_insert(u32::try_from(rows).unwrap_or(PAGE_SIZE).clamp(1, PAGE_SIZE));
        let (page, target) =
            next_fetch_page(&self.schema.table.entity_set, fetch, self.fetch_page, cookie, size)?;
        if page <= self.fetch_page {
            return Err(d365_dataverse::DataverseError::new(
                "api.malformed_response",
                format!(
                    "The environment sent page {page} again after page {}; the read stopped there.",
                    self.fetch_page
                ),
                None,
            )
            .into());
        }
        self.fetch_page = page;
        Ok(Some(target))
    }

    pub fn progress(&self) -> GridProgress {
        let complete = self.next_link.is_none();
        let loaded = self.rows.len() as u64;
        // Once every row is read, the rows are the count, whatever Dataverse's limit.
        let total = if complete { Some(loaded) } else { self.total };
        GridProgress {
            loaded,
            total,
            total_is_lower_bound: !complete && self.total.is_some_and(|t| t >= COUNT_LIMIT),
            complete,
        }
    }

    /// Rows `start..start + count` of those read so far, as the window shows them.
    pub fn rows(&self, start: usize, count: usize) -> Vec<GridRow> {
        self.rows.iter().skip(start).take(count).cloned().collect()
    }

    /// What the grid reads, apart from the rows read so far: an export runs from it without holding the
    /// grid (which keeps answering the window's scrolling meanwhile).
    pub fn source(&self) -> GridSource {
        GridSource { client: self.client.clone(), schema: self.schema.clone(), query: self.query.clone() }
    }
}

/// The page after `last` of `fetch` on `entity_set`: the number and cookie the answer's annotation gives,
/// else the next number (Learn's simple paging).
fn next_fetch_page(
    entity_set: &str,
    fetch: &str,
    last: u32,
    cookie: Option<&str>,
    size: u32,
) -> Result<(u32, String)> {
    let (page, cookie) = match cookie.and_then(fetch_paging::next_page) {
        Some((page, cookie)) => (page, Some(cookie)),
        None => (last.saturating_add(1), None),
    };
    let fetch = fetch_paging::with_page(fetch, page, size, cookie.as_deref())?;
    Ok((page, format!("{entity_set}?fetchXml={}", encode(&fetch))))
}

/// A grid's table, columns, filter and sort.
#[derive(Clone)]
pub struct GridSource {
    client: Arc<Client>,
    schema: TableSchema,
    query: Query,
}

impl GridSource {
    /// Exports what the grid shows (its columns, filter and sort; every row, not only those read) to
    /// `file`, which is replaced only once complete. CSV is Excel-safe: the window's files open in
    /// spreadsheets.
    pub async fn export(
        &self,
        file: &std::path::Path,
        format: ExportFormat,
        progress: Option<export::Progress>,
        cancel: Option<Arc<std::sync::atomic::AtomicBool>>,
    ) -> Result<ExportReport> {
        let options = ExportOptions {
            format,
            page_size: PAGE_SIZE,
            parallel: 1,
            track_changes: false,
            source: String::new(),
            progress,
            excel_safe: true,
            cancel,
        };
        Ok(export::export(self.client.clone(), &self.schema, &self.query, file, &options).await?)
    }
}

/// The column a checked name means: `ownerid` or `_ownerid_value`, in any case.
fn column(schema: &TableSchema, name: &str) -> Option<ColumnInfo> {
    let bare = name.strip_prefix('_').and_then(|n| n.strip_suffix("_value")).unwrap_or(name);
    schema.columns.iter().find(|c| c.logical_name.eq_ignore_ascii_case(bare)).cloned()
}

/// Types a grid can show: what `$select` reads as one value.
pub(crate) fn showable(column: &ColumnInfo) -> bool {
    column.valid_for_read
        && (column.is_multi_select()
            || !matches!(
                column.attribute_type.as_str(),
                "Virtual"
                    | "EntityName"
                    | "ManagedProperty"
                    | "PartyList"
                    | "CalendarRules"
                    | "Uniqueidentifier"
            ))
}

fn available(schema: &TableSchema) -> Vec<GridColumn> {
    let mut columns: Vec<GridColumn> =
        schema.columns.iter().filter(|c| showable(c)).map(grid_column).collect();
    columns.sort_by_cached_key(|c| (c.label.to_lowercase(), c.logical_name.clone()));
    columns
}

/// The primary name, then the columns a person fills in (required or recommended), then state, owner and
/// the last change, up to eight.
fn default_columns(schema: &TableSchema) -> Vec<ColumnInfo> {
    let mut chosen: Vec<ColumnInfo> = Vec::new();
    let mut add = |column: &ColumnInfo| {
        if chosen.len() < DEFAULT_COLUMNS && !chosen.iter().any(|c| c.logical_name == column.logical_name) {
            chosen.push(column.clone());
        }
    };
    let showable: Vec<&ColumnInfo> = schema.columns.iter().filter(|c| showable(c)).collect();
    showable.iter().filter(|c| c.is_primary_name).for_each(|c| add(c));
    showable
        .iter()
        .filter(|c| matches!(c.required, RequiredLevel::ApplicationRequired | RequiredLevel::Recommended))
        .filter(|c| c.valid_for_update)
        .for_each(|c| add(c));
    for name in ["statecode", "ownerid", "modifiedon"] {
        showable.iter().filter(|c| c.logical_name == name).for_each(|c| add(c));
    }
    showable.iter().filter(|c| c.valid_for_update).for_each(|c| add(c));
    chosen
}

pub(crate) fn grid_column(column: &ColumnInfo) -> GridColumn {
    GridColumn {
        logical_name: column.logical_name.clone(),
        label: column.display_name.clone().unwrap_or_else(|| column.logical_name.clone()),
        attribute_type: column.attribute_type.clone(),
        numeric: matches!(
            column.attribute_type.as_str(),
            "Integer" | "BigInt" | "Decimal" | "Double" | "Money"
        ),
        operators: operators(column),
        options: column.options.clone(),
        targets: column.targets.clone(),
        editable: column.valid_for_update && !column.is_primary_id,
        required: matches!(
            column.required,
            RequiredLevel::ApplicationRequired | RequiredLevel::SystemRequired
        ),
        max_length: column.max_length,
        date_only: column.date_only,
        date_behavior: column.date_behavior.clone(),
        multi_select: column.is_multi_select(),
        min_value: column.min_value.map(|n| n.to_string()),
        max_value: column.max_value.map(|n| n.to_string()),
        places: match column.attribute_type.as_str() {
            "Integer" | "BigInt" => Some(0),
            "Decimal" | "Double" | "Money" => Some(values::most_places(column)),
            _ => None,
        },
    }
}

pub(crate) fn cell(row: &Row, column: &ColumnInfo) -> GridCell {
    let Some(found) = row.get(&column.read_name()) else {
        return GridCell { text: String::new(), raw: None, target: None };
    };
    let raw = match &found.value {
        Value::Null => None,
        Value::String(text) => Some(text.clone()),
        // The number's exact text as the server wrote it (serde_json keeps it).
        other => Some(other.to_string()),
    };
    let text = found.formatted.clone().or_else(|| raw.clone()).unwrap_or_default();
    let raw = raw.filter(|raw| *raw != text);
    GridCell { text, raw, target: found.lookup_table.clone() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str, custom: bool, display: &str) -> TableInfo {
        TableInfo {
            logical_name: name.into(),
            entity_set: format!("{name}s"),
            display_name: Some(display.into()),
            primary_id: format!("{name}id"),
            primary_name: None,
            is_custom: custom,
            change_tracking: false,
        }
    }

    #[test]
    fn a_view_without_a_next_link_goes_on_with_its_fetchxml_and_the_cookie() {
        let fetch = "<fetch><entity name=\"account\"><attribute name=\"name\"/></entity></fetch>";
        let annotation = r#"<cookie pagenumber="3" pagingcookie="%253ccookie%2520page%253d%25222%2522%253e%253c%252fcookie%253e" istracking="False" />"#;
        let (page, target) = next_fetch_page("accounts", fetch, 2, Some(annotation), 5000).unwrap();
        assert_eq!(page, 3);
        let (set, query) = target.split_once("?fetchXml=").unwrap();
        assert_eq!(set, "accounts");
        let sent = percent_encoding::percent_decode_str(query).decode_utf8().unwrap();
        assert_eq!(
            sent,
            "<fetch page=\"3\" count=\"5000\" paging-cookie=\"&lt;cookie page=&quot;2&quot;&gt;&lt;/cookie&gt;\"><entity name=\"account\"><attribute name=\"name\"/></entity></fetch>"
        );
        // No cookie (an order on a linked column gives none): the next page by number.
        let (page, target) = next_fetch_page("accounts", fetch, 2, None, 50).unwrap();
        assert_eq!(page, 3);
        let sent = percent_encoding::percent_decode_str(&target).decode_utf8().unwrap().into_owned();
        assert!(sent.starts_with("accounts?fetchXml=<fetch page=\"3\" count=\"50\"><entity"), "{sent}");
        assert!(next_fetch_page("accounts", "<nope", 1, None, 50).is_err());
    }

    #[test]
    fn a_multi_select_choice_is_shown_with_its_options_and_contains_filters() {
        let column: ColumnInfo = serde_json::from_value(serde_json::json!({
            "logical_name": "cr0d1_channels", "display_name": "Channels", "attribute_type": "Virtual",
            "type_name": "MultiSelectPicklistType", "required": "None", "valid_for_create": true,
            "valid_for_update": true, "valid_for_read": true, "is_primary_id": false, "is_primary_name": false,
            "max_length": null, "precision": null, "min_value": null, "max_value": null, "date_only": false,
            "targets": [], "options": [{"value": 1, "label": "Email"}, {"value": 2, "label": "Web"}],
        }))
        .unwrap();
        assert!(showable(&column));
        let shown = grid_column(&column);
        assert!(shown.multi_select && shown.editable);
        assert_eq!(shown.options.len(), 2);
        // No equality on "1,3": "contains" is Dataverse's ContainValues.
        use FilterOperator::*;
        assert_eq!(shown.operators, [Contains, DoesNotContain, Null, NotNull]);
        let other = ColumnInfo { type_name: Some("VirtualType".into()), ..column };
        assert!(!showable(&other));
    }

    #[test]
    fn a_number_column_carries_its_range_as_text_and_the_places_the_core_allows() {
        let column = |kind: &str, precision: u32, source: u32| -> ColumnInfo {
            serde_json::from_value(serde_json::json!({
                "logical_name": "n", "display_name": null, "attribute_type": kind, "required": "None",
                "valid_for_create": true, "valid_for_update": true, "valid_for_read": true,
                "is_primary_id": false, "is_primary_name": false, "max_length": null, "precision": precision,
                "precision_source": source, "min_value": -922337203685477.0, "max_value": 922337203685477.0,
                "date_only": false, "targets": [], "options": [],
            }))
            .unwrap()
        };
        let own = grid_column(&column("Money", 2, 0));
        assert_eq!(
            (own.min_value.as_deref(), own.max_value.as_deref()),
            (Some("-922337203685477"), Some("922337203685477"))
        );
        assert_eq!(own.places, Some(2));
        // A currency's precision is the record's: four places, as money is stored.
        assert_eq!(grid_column(&column("Money", 2, 2)).places, Some(4));
        assert_eq!(grid_column(&column("Integer", 0, 0)).places, Some(0));
        assert_eq!(grid_column(&column("String", 0, 0)).places, None);
    }

    #[test]
    fn common_tables_come_first_then_custom_then_the_rest() {
        let sorted = tables_for_browsing(vec![
            table("team", false, "Team"),
            table("cr0d1_project", true, "Project"),
            table("contact", false, "Contact"),
            table("businessunit", false, "Business Unit"),
            table("account", false, "Account"),
            table("cr0d1_asset", true, "Asset"),
        ]);
        let names: Vec<&str> = sorted.iter().map(|t| t.logical_name.as_str()).collect();
        assert_eq!(names, ["account", "contact", "cr0d1_asset", "cr0d1_project", "businessunit", "team"]);
    }
}
