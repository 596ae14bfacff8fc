//! Metadata cached per connection, in memory and in a file (the app's cache folder): the table list shows
//! at once from the file and is refreshed behind it; a table's columns are fetched once. A change of schema
//! is noticed two ways: a refreshed table list that differs drops the schemas it invalidates, and a name that
//! the cache does not know makes the caller refetch before saying it does not exist. Metadata only: no token
//! or secret is ever written here.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use super::metadata::{self, TableInfo, TableSchema};
use super::names::suggestion;
use super::query::Query;
use crate::client::Client;
use crate::error::{DataverseError, Result};

/// 2: table schemas carry the tables related to them (one-to-many).
/// 3: money columns carry their precision source.
/// 4: status reasons carry their state, states their default status; date-times their behaviour; multi-selects.
const FORMAT: u32 = 4;

#[derive(Debug, Default, Serialize, Deserialize)]
struct CacheDoc {
    format: u32,
    /// The Web API the metadata is from (or another key naming the environment, see
    /// [`MetadataCache::open_keyed`]): a cache file never serves another environment.
    instance: String,
    tables: Option<Vec<TableInfo>>,
    schemas: BTreeMap<String, TableSchema>,
}

pub struct MetadataCache {
    client: Arc<Client>,
    file: Option<PathBuf>,
    doc: Mutex<CacheDoc>,
}

impl MetadataCache {
    /// The cache for the client's environment, from `file` when it holds this environment's metadata (a
    /// missing, unreadable or foreign file is simply not used).
    pub fn open(client: Arc<Client>, file: Option<PathBuf>) -> Self {
        let instance = client.instance().web_api();
        Self::open_keyed(client, file, instance)
    }

    /// The cache for an environment that `key` names better than its URL: the built-in sandbox is the same
    /// organisation (its data file) whatever loopback port it listens on.
    pub fn open_keyed(client: Arc<Client>, file: Option<PathBuf>, key: String) -> Self {
        let instance = key;
        let doc = file
            .as_ref()
            .and_then(|path| std::fs::read(path).ok())
            .and_then(|bytes| serde_json::from_slice::<CacheDoc>(&bytes).ok())
            .filter(|doc| doc.format == FORMAT && doc.instance == instance)
            .unwrap_or(CacheDoc { format: FORMAT, instance, ..Default::default() });
        Self { client, file, doc: Mutex::new(doc) }
    }

    pub fn client(&self) -> &Arc<Client> {
        &self.client
    }

    /// The table list as cached, without a request (for showing it at once).
    pub async fn cached_tables(&self) -> Option<Vec<TableInfo>> {
        self.doc.lock().await.tables.clone()
    }

    /// The table list: cached, or fetched once.
    pub async fn tables(&self) -> Result<Vec<TableInfo>> {
        match self.cached_tables().await {
            Some(tables) => Ok(tables),
            None => Ok(self.refresh_tables().await?.0),
        }
    }

    /// Fetches the table list; says whether it changed, and forgets the columns of tables that did.
    pub async fn refresh_tables(&self) -> Result<(Vec<TableInfo>, bool)> {
        let fresh = metadata::fetch_tables(&self.client).await?;
        let mut doc = self.doc.lock().await;
        let changed = doc.tables.as_ref() != Some(&fresh);
        if changed {
            doc.schemas
                .retain(|name, schema| fresh.iter().any(|t| &t.logical_name == name && *t == schema.table));
            doc.tables = Some(fresh.clone());
            self.save(&doc);
        }
        Ok((fresh, changed))
    }

    /// A table by logical name or entity set name. An unknown name refreshes the list once before it is
    /// refused, with the nearest name as a suggestion.
    pub async fn table(&self, name: &str) -> Result<TableInfo> {
        let find = |tables: &[TableInfo]| {
            tables
                .iter()
                .find(|t| {
                    t.logical_name.eq_ignore_ascii_case(name) || t.entity_set.eq_ignore_ascii_case(name)
                })
                .cloned()
        };
        if let Some(table) = find(&self.tables().await?) {
            return Ok(table);
        }
        let (tables, _) = self.refresh_tables().await?;
        find(&tables).ok_or_else(|| {
            let near = suggestion(name, tables.iter().map(|t| t.logical_name.as_str()));
            DataverseError::new(
                "query.unknown_table",
                match near {
                    Some(near) => format!("There is no table '{name}'; did you mean '{near}'?"),
                    None => format!("There is no table '{name}'."),
                },
                Some("Check the name against the environment's list of tables.".to_owned()),
            )
        })
    }

    /// A table's columns and keys: cached, or fetched once.
    pub async fn schema(&self, name: &str) -> Result<TableSchema> {
        let table = self.table(name).await?;
        if let Some(schema) = self.doc.lock().await.schemas.get(&table.logical_name) {
            return Ok(schema.clone());
        }
        self.refresh_schema(&table.logical_name).await
    }

    /// Fetches a table's columns and keys again (a name the cached schema does not know).
    pub async fn refresh_schema(&self, name: &str) -> Result<TableSchema> {
        let table = self.table(name).await?;
        let schema = metadata::fetch_schema(&self.client, table).await?;
        let mut doc = self.doc.lock().await;
        doc.schemas.insert(schema.table.logical_name.clone(), schema.clone());
        self.save(&doc);
        Ok(schema)
    }

    /// The query's table schema and the path to request (`accounts?$select=...`), checked against it. A
    /// column the cached schema does not know makes it fetch the schema again once (the column may be new)
    /// before the query is refused.
    pub async fn check(&self, query: &Query) -> Result<(TableSchema, String)> {
        self.checked(query, |query, schema| query.to_path(schema)).await
    }

    /// [`Self::check`] for one record of the query's table, by id or alternate key (`accounts(<id>)?...`).
    pub async fn check_record(&self, query: &Query, key: &str) -> Result<(TableSchema, String)> {
        self.checked(query, |query, schema| query.record_path(schema, key)).await
    }

    async fn checked(
        &self,
        query: &Query,
        path: impl Fn(&Query, &TableSchema) -> Result<String>,
    ) -> Result<(TableSchema, String)> {
        let schema = self.schema(&query.table).await?;
        match path(query, &schema) {
            Err(err) if err.kind == "query.unknown_column" => {
                let schema = self.refresh_schema(&query.table).await?;
                let path = path(query, &schema)?;
                Ok((schema, path))
            }
            checked => Ok((schema, checked?)),
        }
    }

    /// Writes the cache file atomically and privately, with a temporary name of its own (the app and the
    /// CLI may write at once); a cache that cannot be written only costs requests next time.
    fn save(&self, doc: &CacheDoc) {
        let Some(path) = &self.file else { return };
        let written = serde_json::to_vec(doc)
            .map_err(std::io::Error::other)
            .and_then(|bytes| d365_common::files::write_private(path, &bytes));
        if let Err(err) = written {
            tracing::warn!(path = %path.display(), %err, "metadata cache not written");
        }
    }
}
