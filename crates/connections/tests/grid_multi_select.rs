//! A multi-select choice in the grid against the in-process sandbox over real HTTP: shown with its labels,
//! its values exact, and filtered with "contains" as Dataverse's ContainValues query function.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

mod common;

use d365_connections::{FilterCondition, FilterOperator, Grid, GridRequest};
use d365_dataverse::data::cache::MetadataCache;
use d365_sandbox::{Sandbox, SandboxOptions};

async fn rows(cache: &MetadataCache, operator: FilterOperator) -> Vec<(String, Option<String>)> {
    let request = GridRequest {
        table: "cr0d1_project".into(),
        columns: vec!["cr0d1_channels".into()],
        conditions: vec![FilterCondition {
            column: "cr0d1_channels".into(),
            operator,
            value: Some("Web".into()),
        }],
        ..Default::default()
    };
    let (mut grid, view) = Grid::open(cache, &request).await.unwrap();
    assert!(view.columns[0].multi_select);
    while !grid.progress().complete {
        grid.load_more().await.unwrap();
    }
    grid.rows(0, 10_000)
        .into_iter()
        .map(|row| (row.cells[0].text.clone(), row.cells[0].raw.clone()))
        .collect()
}

#[tokio::test]
async fn a_multi_select_shows_its_labels_and_contains_filters_by_value() {
    let sandbox =
        Sandbox::bind("127.0.0.1:0", SandboxOptions { seed: 33, ..Default::default() }).await.unwrap();
    let cache = MetadataCache::open(common::app_client(&sandbox), None);
    let with = rows(&cache, FilterOperator::Contains).await;
    assert!(!with.is_empty());
    for (text, raw) in &with {
        assert!(text.split("; ").any(|label| label == "Web"), "{text}");
        assert!(raw.as_deref().unwrap().split(',').any(|v| v == "100000002"), "{raw:?}");
    }
    let without = rows(&cache, FilterOperator::DoesNotContain).await;
    assert!(!without.is_empty());
    assert!(without.iter().all(|(text, _)| !text.contains("Web")), "{without:?}");
    // An equality on its "1,3" text is not offered.
    let request = GridRequest {
        table: "cr0d1_project".into(),
        conditions: vec![FilterCondition {
            column: "cr0d1_channels".into(),
            operator: FilterOperator::Eq,
            value: Some("100000002".into()),
        }],
        ..Default::default()
    };
    let Err(err) = Grid::open(&cache, &request).await else { panic!("eq was taken") };
    assert!(err.to_string().contains("cannot be filtered"), "{err}");
}
