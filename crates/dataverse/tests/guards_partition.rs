//! How a partitioned read cuts a table: ranges of creation time spread evenly between the first row's and
//! the last one's, and one part only when one is asked for. A local server (`common::local`) answers the
//! two probes for the first and the last creation time.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

mod common;

use common::local::{Answer, client_for, server};
use d365_dataverse::data::metadata::TableSchema;
use d365_dataverse::data::partition;
use d365_dataverse::data::query::{Comparison, Filter, Literal, Query};
use serde_json::json;
use time::macros::datetime;

fn accounts(with_created: bool) -> TableSchema {
    let column = |name: &str, kind: &str| {
        json!({
            "logical_name": name, "display_name": null, "attribute_type": kind, "required": "None",
            "valid_for_create": true, "valid_for_update": true, "valid_for_read": true,
            "is_primary_id": kind == "Uniqueidentifier", "is_primary_name": name == "name",
            "max_length": 100, "precision": null, "min_value": null, "max_value": null, "date_only": false,
            "targets": [], "options": [],
        })
    };
    let mut columns = vec![column("accountid", "Uniqueidentifier"), column("name", "String")];
    if with_created {
        columns.push(column("createdon", "DateTime"));
    }
    serde_json::from_value(json!({
        "table": { "logical_name": "account", "entity_set": "accounts", "display_name": null,
                   "primary_id": "accountid", "primary_name": "name", "is_custom": false, "change_tracking": false },
        "columns": columns, "keys": [],
    }))
    .unwrap()
}

/// A table whose first row was created at `first` and its last one at `last` (RFC 3339).
fn rows_created(first: &'static str, last: &'static str) -> (String, common::local::Seen) {
    server(move |_, line| {
        let at = if line.contains("desc") { last } else { first };
        Answer::json(json!({ "value": [{ "createdon": at }] }).to_string())
    })
}

fn four_days_of_rows() -> (String, common::local::Seen) {
    rows_created("2024-01-01T00:00:00Z", "2024-01-05T00:00:00Z")
}

fn created(comparison: Comparison, at: Literal) -> Filter {
    Filter::Compare("createdon".into(), comparison, at)
}

#[tokio::test]
async fn the_ranges_split_the_creation_times_evenly_from_the_first_row_to_the_last() {
    let (base, seen) = four_days_of_rows();
    let client = client_for(&base);
    let query = Query::new("account");
    let parts = partition::split(&client, &accounts(true), &query, 4).await.unwrap();
    let day = |d: u8| Literal::DateTime(datetime!(2024-01-01 00:00 UTC).replace_day(d).unwrap());
    let filters: Vec<Filter> = parts.into_iter().map(|p| p.filter.unwrap()).collect();
    assert_eq!(
        filters,
        [
            Filter::And(vec![created(Comparison::Ne, Literal::Null), created(Comparison::Lt, day(2))]),
            Filter::And(vec![created(Comparison::Ge, day(2)), created(Comparison::Lt, day(3))]),
            Filter::And(vec![created(Comparison::Ge, day(3)), created(Comparison::Lt, day(4))]),
            Filter::And(vec![created(Comparison::Ge, day(4))]),
            created(Comparison::Eq, Literal::Null),
        ]
    );
    assert_eq!(seen.requests().len(), 2, "one probe for the first creation time, one for the last");
}

#[tokio::test]
async fn one_part_asked_for_or_no_creation_time_is_the_query_itself_unprobed() {
    let (base, seen) = four_days_of_rows();
    let client = client_for(&base);
    let mut query = Query::new("account");
    query.filter = Some(Filter::Compare("name".into(), Comparison::Eq, Literal::Text("Contoso".into())));
    for (schema, parts) in [(accounts(true), 1), (accounts(true), 0), (accounts(false), 4)] {
        let split = partition::split(&client, &schema, &query, parts).await.unwrap();
        assert_eq!(split, [query.clone()], "{parts} parts asked for");
    }
    assert!(seen.requests().is_empty(), "{:?}", seen.requests());
}

#[tokio::test]
async fn rows_created_within_fewer_seconds_than_parts_get_no_empty_range() {
    let (base, _) = rows_created("2024-01-01T00:00:00Z", "2024-01-01T00:00:02Z");
    let client = client_for(&base);
    let parts = partition::split(&client, &accounts(true), &Query::new("account"), 4).await.unwrap();
    let second = Literal::DateTime(datetime!(2024-01-01 00:00:01 UTC));
    let filters: Vec<Filter> = parts.into_iter().map(|p| p.filter.unwrap()).collect();
    assert_eq!(
        filters,
        [
            Filter::And(vec![
                created(Comparison::Ne, Literal::Null),
                created(Comparison::Lt, second.clone())
            ]),
            Filter::And(vec![created(Comparison::Ge, second)]),
            created(Comparison::Eq, Literal::Null),
        ],
        "the ranges start after the first second, each bound once"
    );
}
