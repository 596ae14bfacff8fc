//! A view's grid read to its end against the in-process sandbox over real HTTP, whichever way the
//! environment pages the view: by next links, or (as Dataverse may) only by FetchXML's paging cookie, the
//! grid going on with the view's FetchXML.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

mod common;

use d365_connections::{Grid, GridRequest, ViewKind, ViewRef};
use d365_dataverse::client::Request;
use d365_dataverse::data::cache::MetadataCache;
use d365_sandbox::{Sandbox, SandboxOptions, ViewPaging};

async fn read_view_to_its_end(view_paging: ViewPaging) {
    let options = SandboxOptions { seed: 5600, view_paging, ..Default::default() };
    let sandbox = Sandbox::bind("127.0.0.1:0", options).await.unwrap();
    let client = common::app_client(&sandbox);
    let views = client
        .send(&Request::get("savedqueries?$select=savedqueryid&$filter=name eq 'Active Accounts'"))
        .await
        .unwrap()
        .json()
        .unwrap();
    let id = views["value"][0]["savedqueryid"].as_str().unwrap().to_owned();
    let cache = MetadataCache::open(client.clone(), None);
    // The same rows by the view's filter ($count stops at 5000): a plain grid read with next links.
    let plain = GridRequest {
        table: "account".into(),
        columns: vec!["name".into()],
        filter: Some("statecode eq 0".into()),
        ..Default::default()
    };
    let (mut all, _) = Grid::open(&cache, &plain).await.unwrap();
    while !all.progress().complete {
        all.load_more().await.unwrap();
    }
    let active = all.progress().loaded;
    assert!(active > 5000, "more than a page: {active}");
    let request = GridRequest {
        table: "account".into(),
        columns: vec!["name".into()],
        view: Some(ViewRef { kind: ViewKind::System, id }),
        ..Default::default()
    };
    let (mut grid, view) = Grid::open(&cache, &request).await.unwrap();
    assert!(!view.progress.complete, "{:?}", view.progress);
    let mut progress = view.progress;
    for _ in 0..5 {
        if progress.complete {
            break;
        }
        progress = grid.load_more().await.unwrap();
    }
    assert!(progress.complete, "{progress:?}");
    assert_eq!(progress.loaded, active);
    let ids: std::collections::HashSet<String> = grid.rows(0, 10_000).into_iter().map(|r| r.id).collect();
    assert_eq!(ids.len() as u64, active, "every row once");
}

#[tokio::test]
async fn a_view_paged_by_next_links_is_read_to_its_end() {
    read_view_to_its_end(ViewPaging::NextLink).await;
}

#[tokio::test]
async fn a_view_paged_only_by_its_cookie_is_read_to_its_end_with_its_fetchxml() {
    read_view_to_its_end(ViewPaging::Cookie).await;
}
