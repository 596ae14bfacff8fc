//! A fast full read: the table cut into `createdon` ranges (plus rows without one), each paged as usual,
//! several at a time. The ranges are disjoint and cover everything whatever order the server keeps, so the
//! rows are exactly those of one sequential read (in another order). How many run at once is bounded by
//! the caller and, below that, by the environment's `x-ms-dop-hint` (the client's limit).
//!
//! Why `createdon` and not the primary key: Dataverse orders GUIDs as SQL Server does (last bytes first)
//! and often makes them sequential, so even GUID ranges are not even row counts; creation times of a table
//! are spread much like its rows.

use std::sync::Arc;

use futures_util::{Stream, StreamExt, TryStreamExt};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::metadata::TableSchema;
use super::query::{Comparison, Filter, Literal, Query};
use super::read::{self, Page, ReadOptions};
use crate::client::{Client, Request};
use crate::error::{DataverseError, Result};

const CREATED: &str = "createdon";

/// The most parts read at once, whatever is asked: the client's requests in flight are bounded by the
/// environment's `x-ms-dop-hint` anyway (at most 64), and each part costs requests against its limits.
pub const MAX_PARALLEL: usize = 64;

/// How many parts to cut a read in for `parallel` at once (four each, for an even spread), within bounds.
pub fn part_count(parallel: usize) -> usize {
    parallel.clamp(1, MAX_PARALLEL) * 4
}

/// The queries that together read what `query` reads: at most `parts` ranges of creation time, and the
/// rows without one. A table without `createdon`, or with rows all created in the same second, is one part.
pub async fn split(client: &Client, schema: &TableSchema, query: &Query, parts: usize) -> Result<Vec<Query>> {
    if query.top.is_some() || !query.order_by.is_empty() {
        return Err(DataverseError::new(
            "query.not_partitionable",
            "A partitioned read covers the whole table: it takes no $top or $orderby.",
            Some("Drop --top/--orderby, or read without partitions.".to_owned()),
        ));
    }
    let parts = parts.min(part_count(MAX_PARALLEL));
    let has_created = schema.column(CREATED).is_some_and(|c| c.attribute_type == "DateTime");
    if !has_created || parts <= 1 {
        return Ok(vec![query.clone()]);
    }
    let (Some(first), Some(last)) =
        (edge(client, schema, query, false).await?, edge(client, schema, query, true).await?)
    else {
        return Ok(vec![query.clone()]);
    };
    let (start, end) = (first.unix_timestamp(), last.unix_timestamp());
    let span = (end - start).max(0) as i128;
    let mut bounds: Vec<i64> = (1..parts as i128)
        .map(|i| start + (span * i / parts as i128) as i64)
        .filter(|b| *b > start)
        .collect();
    bounds.dedup();
    let at = |unix: i64| Literal::DateTime(OffsetDateTime::from_unix_timestamp(unix).unwrap_or(first));
    let mut ranges: Vec<Filter> = Vec::new();
    let mut lower: Option<i64> = None;
    for bound in bounds.iter().copied().map(Some).chain([None]) {
        let mut parts = Vec::new();
        match lower {
            Some(lower) => parts.push(Filter::Compare(CREATED.into(), Comparison::Ge, at(lower))),
            None => parts.push(Filter::Compare(CREATED.into(), Comparison::Ne, Literal::Null)),
        }
        if let Some(bound) = bound {
            parts.push(Filter::Compare(CREATED.into(), Comparison::Lt, at(bound)));
        }
        ranges.push(Filter::And(parts));
        lower = bound;
    }
    ranges.push(Filter::Compare(CREATED.into(), Comparison::Eq, Literal::Null));
    Ok(ranges
        .into_iter()
        .map(|range| {
            let mut part = query.clone();
            part.filter = Some(match &query.filter {
                Some(filter) => Filter::And(vec![filter.clone(), range]),
                None => range,
            });
            part
        })
        .collect())
}

/// The earliest (or latest) creation time among the rows `query` reads.
async fn edge(
    client: &Client,
    schema: &TableSchema,
    query: &Query,
    latest: bool,
) -> Result<Option<OffsetDateTime>> {
    let mut probe = Query::new(&query.table);
    probe.select = vec![CREATED.into()];
    let has_value = Filter::Compare(CREATED.into(), Comparison::Ne, Literal::Null);
    probe.filter = Some(match &query.filter {
        Some(filter) => Filter::And(vec![filter.clone(), has_value]),
        None => has_value,
    });
    probe.order_by = vec![(CREATED.into(), latest)];
    probe.top = Some(1);
    let body = client.send(&Request::get(probe.to_path(schema)?)).await?.json()?;
    Ok(body["value"][0][CREATED].as_str().and_then(|text| OffsetDateTime::parse(text, &Rfc3339).ok()))
}

/// Every page of every part, `parallel` parts at a time, in no particular order. Dropping the stream
/// cancels what is in flight.
pub fn pages(
    client: Arc<Client>,
    schema: &TableSchema,
    parts: &[Query],
    options: ReadOptions,
    parallel: usize,
) -> Result<impl Stream<Item = Result<Page>> + use<>> {
    let paths = parts.iter().map(|q| q.to_path(schema)).collect::<Result<Vec<_>>>()?;
    let streams =
        paths.into_iter().map(move |path| read::pages(client.clone(), path, options.clone()).boxed());
    Ok(futures_util::stream::iter(streams).flatten_unordered(parallel.clamp(1, MAX_PARALLEL)))
}

/// Every row `query` reads, collected (`parallel` parts at a time, cut in four times as many).
pub async fn read_all(
    client: Arc<Client>,
    schema: &TableSchema,
    query: &Query,
    options: ReadOptions,
    parallel: usize,
) -> Result<Vec<super::rows::Row>> {
    let parts = split(&client, schema, query, part_count(parallel)).await?;
    let pages: Vec<Page> = pages(client, schema, &parts, options, parallel)?.try_collect().await?;
    Ok(pages.into_iter().flat_map(|p| p.rows).collect())
}

#[cfg(test)]
mod tests {
    use super::{MAX_PARALLEL, part_count};

    #[test]
    fn any_parallelism_asked_for_stays_within_bounds() {
        assert_eq!(part_count(0), 4);
        assert_eq!(part_count(3), 12);
        assert_eq!(part_count(100_000_000), MAX_PARALLEL * 4, "no 4 GiB of ranges");
        assert_eq!(part_count(usize::MAX), MAX_PARALLEL * 4, "no overflow");
    }
}
