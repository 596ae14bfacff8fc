//! How rows, records and columns look on the command line.

use std::io::Write;

use d365_dataverse::data::metadata::TableSchema;
use d365_dataverse::data::rows::Row;

use crate::args::RowFormat;

/// One record, a column per line: what the environment displays, and its ETag.
pub fn record(row: &Row) -> String {
    let width = row.cells.keys().map(String::len).max().unwrap_or(0);
    let mut lines: Vec<String> =
        row.cells.keys().map(|c| format!("{c:<width$}  {}", row.display(c))).collect();
    if let Some(etag) = &row.etag {
        lines.push(format!("{:<width$}  {etag}", "@odata.etag"));
    }
    lines.join("\n")
}

pub fn columns(schema: &TableSchema) -> String {
    let mut lines = vec![format!(
        "{} ({}), primary id {}, primary name {}",
        schema.table.logical_name,
        schema.table.entity_set,
        schema.table.primary_id,
        schema.table.primary_name.as_deref().unwrap_or("-")
    )];
    for c in &schema.columns {
        let mut facts = vec![format!("{:?}", c.required)];
        let valid: String = [(c.valid_for_create, 'C'), (c.valid_for_read, 'R'), (c.valid_for_update, 'U')]
            .iter()
            .map(|(ok, letter)| if *ok { *letter } else { '-' })
            .collect();
        facts.push(valid);
        if let Some(max) = c.max_length {
            facts.push(format!("max {max}"));
        }
        if !c.targets.is_empty() {
            facts.push(format!("→ {}", c.targets.join("|")));
        }
        if c.is_multi_select() {
            facts.push("multi-select".to_owned());
        }
        if let Some(behaviour) = c.date_behavior.as_deref().filter(|_| c.attribute_type == "DateTime") {
            facts.push(behaviour.to_owned());
        }
        if !c.options.is_empty() {
            // A status reason with the state it goes with; a state with its default status reason.
            let options: Vec<String> = c
                .options
                .iter()
                .map(|o| match (o.state, o.default_status) {
                    (Some(state), _) => format!("{}={} (state {state})", o.value, o.label),
                    (_, Some(status)) => format!("{}={} (default {status})", o.value, o.label),
                    _ => format!("{}={}", o.value, o.label),
                })
                .collect();
            facts.push(options.join(", "));
        }
        lines.push(format!("  {:<28} {:<16} {}", c.logical_name, c.attribute_type, facts.join("  ")));
    }
    for key in &schema.keys {
        lines.push(format!("  key {}: {}", key.name, key.columns.join(", ")));
    }
    lines.join("\n")
}

/// Writes pages of rows as they come: the columns are fixed by the first page (or the `$select`).
pub struct RowPrinter {
    format: RowFormat,
    primary_id: String,
    columns: Vec<String>,
    widths: Vec<usize>,
    started: bool,
}

const MAX_WIDTH: usize = 40;

impl RowPrinter {
    pub fn new(format: RowFormat, schema: &TableSchema, select: &[String]) -> Self {
        let columns = select
            .iter()
            .filter_map(|name| {
                let bare = name.strip_prefix('_').and_then(|n| n.strip_suffix("_value")).unwrap_or(name);
                schema.column(&bare.to_lowercase()).map(|c| c.read_name())
            })
            .collect();
        Self {
            format,
            primary_id: schema.table.primary_id.clone(),
            columns,
            widths: Vec::new(),
            started: false,
        }
    }

    fn settle_columns(&mut self, rows: &[Row]) {
        if self.columns.is_empty() {
            let mut names: Vec<String> = rows.iter().flat_map(|r| r.cells.keys().cloned()).collect();
            names.sort();
            names.dedup();
            names.retain(|n| n != &self.primary_id);
            names.insert(0, self.primary_id.clone());
            self.columns = names;
        } else if !self.columns.contains(&self.primary_id) {
            self.columns.insert(0, self.primary_id.clone());
        }
    }

    pub fn page(&mut self, out: &mut impl Write, rows: &[Row]) -> std::io::Result<()> {
        let first = !self.started;
        if first {
            self.started = true;
            self.settle_columns(rows);
        }
        match self.format {
            RowFormat::Table => {
                if first {
                    self.widths = self
                        .columns
                        .iter()
                        .map(|c| {
                            let widest = rows.iter().map(|r| r.display(c).chars().count()).max().unwrap_or(0);
                            widest.max(c.len()).min(MAX_WIDTH)
                        })
                        .collect();
                    self.table_line(out, &self.columns)?;
                }
                for row in rows {
                    let cells: Vec<String> = self.columns.iter().map(|c| row.display(c)).collect();
                    self.table_line(out, &cells)?;
                }
            }
            RowFormat::Json => {
                for row in rows {
                    writeln!(out, "{}", row.to_flat_json())?;
                }
            }
            RowFormat::Csv => {
                let mut writer = csv::WriterBuilder::new().from_writer(&mut *out);
                if first {
                    writer.write_record(&self.columns).map_err(std::io::Error::other)?;
                }
                for row in rows {
                    writer
                        .write_record(self.columns.iter().map(|c| row.display(c)))
                        .map_err(std::io::Error::other)?;
                }
                writer.flush()?;
            }
        }
        Ok(())
    }

    fn table_line(&self, out: &mut impl Write, cells: &[String]) -> std::io::Result<()> {
        let line: Vec<String> = cells
            .iter()
            .zip(&self.widths)
            .map(|(text, width)| {
                let text = text.replace(['\n', '\r', '\t'], " ");
                let shown: String = if text.chars().count() > *width {
                    text.chars().take(width.saturating_sub(1)).chain(['…']).collect()
                } else {
                    text
                };
                format!("{shown:<width$}")
            })
            .collect();
        writeln!(out, "{}", line.join("  ").trim_end())
    }
}
