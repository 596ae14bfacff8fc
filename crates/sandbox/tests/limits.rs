//! Service protection and injected faults over real HTTP: 429s with Retry-After and Dataverse's codes,
//! the rate-limit headers, and every kind of fault a client must survive.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

mod common;

use std::time::{Duration, Instant};

use common::*;
use d365_sandbox::{Fault, Limits, SandboxOptions};
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn the_request_window_answers_429_with_retry_after() {
    let limits = Limits { requests: 3, window: Duration::from_secs(60), concurrent: 52, ..Limits::default() };
    let sandbox = sandbox_with(SandboxOptions { seed: 2, limits, ..Default::default() }).await;
    let token = org_app_token(&sandbox).await;
    let who_am_i = format!("{}WhoAmI", sandbox.info().web_api_url);
    for remaining in [2, 1, 0] {
        let response = http().get(&who_am_i).bearer_auth(&token).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()["x-ms-ratelimit-burst-remaining-xrm-requests"],
            remaining.to_string().as_str()
        );
    }
    let response = http().get(&who_am_i).bearer_auth(&token).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"]["code"], "0x80072322");
    assert_eq!(
        error["error"]["message"],
        "Number of requests exceeded the limit of 3 over time window of 60 seconds."
    );
    // The scheme is case-insensitive, for protection as for authentication: the same user is throttled.
    let lowercase =
        http().get(&who_am_i).header("Authorization", format!("bearer {token}")).send().await.unwrap();
    assert_eq!(lowercase.status(), StatusCode::TOO_MANY_REQUESTS);

    // Limits are per user: another principal is not throttled.
    let tokens = user_tokens(
        &sandbox,
        &sandbox.info().username,
        &format!("{}/user_impersonation", sandbox.info().instance_url),
    )
    .await;
    let response =
        http().get(&who_am_i).bearer_auth(tokens["access_token"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn requests_that_take_too_long_together_get_429_with_the_execution_time_code() {
    let limits = Limits {
        window: Duration::from_secs(60),
        execution: Duration::from_millis(500),
        ..Limits::default()
    };
    let slow = Fault::parse("latency=300,path=*WhoAmI").unwrap();
    let sandbox =
        sandbox_with(SandboxOptions { seed: 2, limits, faults: vec![slow], ..Default::default() }).await;
    let token = org_app_token(&sandbox).await;
    let who_am_i = format!("{}WhoAmI", sandbox.info().web_api_url);
    let first = http().get(&who_am_i).bearer_auth(&token).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(first.headers()["x-ms-ratelimit-time-remaining-xrm-requests"], "500.00", "none spent yet");
    let second = http().get(&who_am_i).bearer_auth(&token).send().await.unwrap();
    assert_eq!(second.status(), StatusCode::OK);
    let left = second.headers()["x-ms-ratelimit-time-remaining-xrm-requests"].to_str().unwrap().to_owned();
    let left: f64 = left.replace(',', "").parse().unwrap();
    assert!(left <= 200.0, "the first request's 300 ms are spent: {left}");
    // 600 ms spent of 500: the next request is refused until enough of that time leaves the window.
    let refused = http().get(&who_am_i).bearer_auth(&token).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((55..=60).contains(&retry_after), "{retry_after}");
    let error: Value = refused.json().await.unwrap();
    assert_eq!(error["error"]["code"], "0x80072321");
    assert!(
        error["error"]["message"].as_str().unwrap().starts_with(
            "Combined execution time of incoming requests exceeded limit of 500 milliseconds over time window of 60 seconds."
        ),
        "{error}"
    );
}

#[tokio::test]
async fn too_many_concurrent_requests_get_429() {
    let limits =
        Limits { requests: 1000, window: Duration::from_secs(60), concurrent: 1, ..Limits::default() };
    let slow = Fault::parse("latency=1000,path=*WhoAmI").unwrap();
    let sandbox =
        sandbox_with(SandboxOptions { seed: 2, limits, faults: vec![slow], ..Default::default() }).await;
    let token = org_app_token(&sandbox).await;
    let url = format!("{}WhoAmI", sandbox.info().web_api_url);
    // Both at once: whichever is admitted first holds the only slot for the injected second (the latency
    // happens inside the admitted request), so the other, sent at the same moment, is refused.
    let (a, b) = tokio::join!(
        http().get(&url).bearer_auth(&token).send(),
        http().get(&url).bearer_auth(&token).send()
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    let mut statuses = [a.status(), b.status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::TOO_MANY_REQUESTS]);
    let refused = if a.status() == StatusCode::OK { b } else { a };
    assert_eq!(refused.headers()["retry-after"], "1");
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "0x80072326", "the concurrency limit's code: {body}");
}

#[tokio::test]
async fn faults_fire_on_matching_paths_every_nth_time() {
    let sandbox = sandbox_with(SandboxOptions { seed: 2, ..Default::default() }).await;
    let token = org_app_token(&sandbox).await;
    let base = sandbox.info().web_api_url.clone();
    let get = |path: &str| http().get(format!("{base}{path}")).bearer_auth(&token).send();

    sandbox.set_faults(vec![Fault::parse("status=503,retry-after=2,path=*/accounts,every=2").unwrap()]);
    assert_eq!(get("accounts").await.unwrap().status(), StatusCode::OK);
    let failed = get("accounts").await.unwrap();
    assert_eq!(failed.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(failed.headers()["retry-after"], "2");
    assert_eq!(get("WhoAmI").await.unwrap().status(), StatusCode::OK, "other paths are untouched");

    sandbox.set_faults(vec![Fault::parse("latency=300,path=*WhoAmI").unwrap()]);
    let started = Instant::now();
    assert_eq!(get("WhoAmI").await.unwrap().status(), StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(300));

    sandbox.set_faults(vec![Fault::parse("reset,path=*WhoAmI").unwrap()]);
    let reset = async { get("WhoAmI").await?.bytes().await }.await;
    assert!(reset.is_err(), "the connection breaks mid-response");

    sandbox.set_faults(vec![Fault::parse("truncate,path=*/accounts").unwrap()]);
    let text = get("accounts?$select=name").await.unwrap().text().await.unwrap();
    assert!(text.starts_with("{\"@odata.context\"") && serde_json::from_str::<Value>(&text).is_err());

    sandbox.set_faults(vec![Fault::parse("malformed,path=*").unwrap()]);
    let text = get("WhoAmI").await.unwrap().text().await.unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err());

    sandbox.set_faults(Vec::new());
    assert_eq!(get("WhoAmI").await.unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn a_request_whose_client_went_away_frees_its_concurrency_slot() {
    let limits =
        Limits { requests: 1000, window: Duration::from_secs(60), concurrent: 1, ..Limits::default() };
    let slow = Fault::parse("latency=2000,path=*WhoAmI").unwrap();
    let sandbox =
        sandbox_with(SandboxOptions { seed: 2, limits, faults: vec![slow], ..Default::default() }).await;
    let token = org_app_token(&sandbox).await;
    let who_am_i = format!("{}WhoAmI", sandbox.info().web_api_url);
    // The client gives up (its timeout) while the sandbox is still in the request.
    let impatient = reqwest::Client::builder().timeout(Duration::from_millis(300)).build().unwrap();
    assert!(impatient.get(&who_am_i).bearer_auth(&token).send().await.is_err());
    // Its slot is free again once the server sees the connection gone; before, it stayed taken for good.
    let organizations = format!("{}organizations?$select=name", sandbox.info().web_api_url);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let status = http().get(&organizations).bearer_auth(&token).send().await.unwrap().status();
        if status == StatusCode::OK {
            break;
        }
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert!(Instant::now() < deadline, "the slot of the abandoned request was never freed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
