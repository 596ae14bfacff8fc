//! The token goes only to its own environment, and a server's links cannot hold a read forever. These
//! servers misbehave on purpose, which the sandbox never does (`common::local`).
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

mod common;

use common::local::{Answer, client_for, server};
use d365_dataverse::client::Request;
use d365_dataverse::data::read::{self, ReadOptions};
use futures_util::TryStreamExt;

#[tokio::test]
async fn a_next_link_to_another_origin_is_not_followed_and_gets_no_token() {
    let (elsewhere, elsewhere_seen) = server(|_, _| Answer::json(r#"{"value": []}"#));
    let link = format!("{elsewhere}/api/data/v9.2/accounts?steal=1");
    let (base, seen) =
        server(move |_, _| Answer::json(format!(r#"{{"value": [], "@odata.nextLink": "{link}"}}"#)));
    let pages = read::pages(client_for(&base), "accounts".into(), ReadOptions::default());
    let err = pages.try_collect::<Vec<_>>().await.unwrap_err();
    assert_eq!(err.kind, "api.other_origin", "{err:?}");
    assert!(err.message.contains(&elsewhere), "{}", err.message);
    assert_eq!(seen.requests().len(), 1, "the first page only");
    assert_eq!(
        seen.requests()[0].authorization.as_deref(),
        Some("Bearer the-token"),
        "its own origin got it"
    );
    assert!(elsewhere_seen.requests().is_empty(), "the other origin got nothing");
}

#[tokio::test]
async fn https_to_http_and_another_port_are_other_origins() {
    let (base, seen) = server(|_, _| Answer::json("{}"));
    let client = client_for(&base);
    let port = base.rsplit(':').next().unwrap().parse::<u16>().unwrap();
    for target in [
        format!("http://127.0.0.1:{}/api/data/v9.2/WhoAmI", port.wrapping_add(1)),
        format!("https://127.0.0.1:{port}/api/data/v9.2/WhoAmI"),
        format!("http://localhost:{port}/api/data/v9.2/WhoAmI"),
    ] {
        let err = client.send(&Request::get(target.clone())).await.unwrap_err();
        assert_eq!(err.kind, "api.other_origin", "{target}: {err:?}");
    }
    assert!(seen.requests().is_empty(), "nothing was sent anywhere");
    client.send(&Request::get(format!("{base}/api/data/v9.2/WhoAmI"))).await.expect("its own origin is fine");
    // A path is no URL of its own, whatever its filter holds.
    let path = "accounts?$filter=websiteurl%20eq%20'https://contoso.example'";
    client.send(&Request::get(path)).await.expect("a path with :// in a value is still a path");
    assert_eq!(seen.requests().len(), 2);
}

#[tokio::test]
async fn a_next_link_that_points_to_itself_ends_the_read() {
    let (base, seen) = server(|own, _| {
        Answer::json(format!(
            r#"{{"value": [{{"name": "a"}}], "@odata.nextLink": "{own}/api/data/v9.2/accounts?$skiptoken=same"}}"#
        ))
    });
    let pages = read::pages(client_for(&base), "accounts".into(), ReadOptions::default());
    let err = pages.try_collect::<Vec<_>>().await.unwrap_err();
    assert_eq!(err.kind, "api.malformed_response", "{err:?}");
    assert!(err.message.contains("had sent before"), "{}", err.message);
    assert_eq!(seen.requests().len(), 2, "the first page and the link once: {:?}", seen.requests());
}
