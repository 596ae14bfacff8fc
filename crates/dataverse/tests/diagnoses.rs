//! Diagnoses the other test files do not reach, each provoked for real against the in-process sandbox:
//! throttling (a wait too long to sit out, retries used up), a refused pasted token, unreadable answers,
//! a gateway timeout (504), a discovery answer that is not JSON, and an authority that is not an identity
//! provider. (A public client given a secret is in verify.rs; a code redeemed twice in signin.rs.)
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use d365_dataverse::auth::{self, AccessToken};
use d365_dataverse::client::{Client, ClientOptions, Request};
use d365_dataverse::data::read::{self, ReadOptions};
use d365_dataverse::retry::{ClientEvent, RetryPolicy, RetryReason};
use d365_dataverse::session::{Grant, Session};
use d365_dataverse::verify::{Credentials, Step, verify};
use d365_dataverse::{Cloud, discovery, input};
use d365_sandbox::{Fault, Limits, Sandbox, SandboxOptions};
use serde_json::json;

async fn sandbox(limits: Limits) -> Sandbox {
    Sandbox::bind("127.0.0.1:0", SandboxOptions { seed: 5, limits, ..Default::default() }).await.unwrap()
}

fn client(sandbox: &Sandbox, options: ClientOptions) -> Client {
    Client::new(Arc::new(common::app_session(sandbox)), options)
}

/// The policy's shape with short waits, so that giving up takes milliseconds.
fn quick() -> RetryPolicy {
    RetryPolicy {
        base_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(40),
        ..Default::default()
    }
}

fn recorder() -> (Arc<Mutex<Vec<ClientEvent>>>, ClientOptions) {
    let events: Arc<Mutex<Vec<ClientEvent>>> = Arc::default();
    let sink = {
        let events = events.clone();
        Arc::new(move |e: &ClientEvent| events.lock().unwrap().push(e.clone()))
    };
    (events, ClientOptions { policy: quick(), events: Some(sink), ..Default::default() })
}

#[tokio::test]
async fn a_retry_after_too_long_to_wait_is_reported_as_throttled_at_once() {
    // One request per ten minutes: the second gets 429 with Retry-After: 600, over the 300 s the policy
    // waits out.
    let sandbox = sandbox(Limits {
        requests: 1,
        window: Duration::from_secs(600),
        concurrent: 52,
        ..Limits::default()
    })
    .await;
    let (events, options) = recorder();
    let client = client(&sandbox, options);
    client.send(&Request::get("WhoAmI")).await.unwrap();
    let started = Instant::now();
    let err = client.send(&Request::get("WhoAmI")).await.unwrap_err();
    assert_eq!(err.kind, "api.throttled", "{err:?}");
    assert!(
        err.message.contains("service protection limits")
            && err.message.contains("exceeded the limit of 1 over time window of 600 seconds"),
        "{}",
        err.message
    );
    assert_eq!(err.hint.as_deref(), Some("Wait 600 s and try again."));
    assert!(started.elapsed() < Duration::from_secs(5), "not waited out: {:?}", started.elapsed());
    assert!(events.lock().unwrap().is_empty(), "no retry was announced");
}

#[tokio::test]
async fn throttling_beyond_the_tries_is_reported_as_throttled() {
    let sandbox =
        sandbox(Limits { requests: 1, window: Duration::from_secs(60), concurrent: 52, ..Limits::default() })
            .await;
    // Retry-After: 60 would be waited out; with one try in all there is no retry left to wait for.
    let policy = RetryPolicy { max_attempts: 1, ..quick() };
    let client = client(&sandbox, ClientOptions { policy, ..Default::default() });
    client.send(&Request::get("WhoAmI")).await.unwrap();
    let err = client.send(&Request::get("WhoAmI")).await.unwrap_err();
    assert_eq!(err.kind, "api.throttled", "{err:?}");
    assert!(err.message.ends_with("(gave up after 1 tries)"), "{}", err.message);
    assert!(err.hint.unwrap().contains("lower the parallelism"));
}

/// A token with the org's audience and a broken signature: what a revoked or tampered token looks like.
async fn tampered_token(sandbox: &Sandbox) -> AccessToken {
    let valid = common::app_session(sandbox).token().await.unwrap();
    let (head, _) = valid.secret().rsplit_once('.').unwrap();
    AccessToken::new(format!("{head}.AAAA"), valid.expires_at)
}

#[tokio::test]
async fn a_refused_pasted_token_is_unauthorized_with_the_servers_challenge() {
    let sandbox = sandbox(Limits::default()).await;
    let instance = input::instance(&sandbox.info().instance_url, Cloud::Public, false).unwrap();
    let session = Session::new(
        auth::http_client().unwrap(),
        instance.clone(),
        Grant::Fixed(tampered_token(&sandbox).await),
    );
    let client = Client::new(Arc::new(session), ClientOptions::default());
    let err = client.send(&Request::get("WhoAmI")).await.unwrap_err();
    assert_eq!(err.kind, "api.unauthorized", "a pasted token is not refreshed: {err:?}");
    let hint = err.hint.unwrap();
    assert!(
        hint.starts_with("Sign in again. The environment asks for: Bearer authorization_uri=")
            && hint.contains(&sandbox.info().authority),
        "{hint}"
    );

    let http = auth::http_client().unwrap();
    let failed =
        verify(&http, &instance, Credentials::Token(tampered_token(&sandbox).await)).await.unwrap_err();
    assert_eq!((failed.step, failed.error.kind), (Step::WhoAmI, "api.unauthorized"));
}

#[tokio::test]
async fn unreadable_answers_are_malformed_responses() {
    let sandbox = sandbox(Limits::default()).await;
    let client = client(&sandbox, ClientOptions { policy: quick(), ..Default::default() });

    // A write's answer (the created record) that is not JSON or cut in half: not repeated, and said to be
    // uncertain. (A connection broken off instead is a network failure, tested with the retries in read.rs.)
    let create = Request::post("accounts", json!({ "name": "Lost" }))
        .header(reqwest::header::HeaderName::from_static("prefer"), "return=representation");
    for spec in ["malformed,path=*/accounts", "truncate,path=*/accounts"] {
        sandbox.set_faults(vec![Fault::parse(spec).unwrap()]);
        let err = client.send(&create).await.unwrap_err();
        assert_eq!(err.kind, "api.malformed_response", "{spec}: {err:?}");
        assert!(err.message.contains("may or may not have been applied"), "{spec}: {}", err.message);
        assert!(err.hint.unwrap().starts_with("Reload the record"), "{spec}");
    }

    // A read that never comes back readable: retried, then given up.
    sandbox.set_faults(vec![Fault::parse("malformed,path=*/accounts").unwrap()]);
    let err = read::page(&client, "accounts?$select=name", &ReadOptions::default()).await.unwrap_err();
    assert_eq!(err.kind, "api.malformed_response", "{err:?}");
    assert!(
        err.message.starts_with("The environment's answer could not be read (not valid JSON).")
            && err.message.ends_with("(gave up after 6 tries)"),
        "{}",
        err.message
    );

    // JSON, but not a page of rows.
    sandbox.set_faults(Vec::new());
    let err = read::page(&client, "WhoAmI", &ReadOptions::default()).await.unwrap_err();
    assert_eq!(err.kind, "api.malformed_response", "{err:?}");
    assert!(err.message.contains("no rows ('value')"), "{}", err.message);
}

#[tokio::test]
async fn a_gateway_timeout_is_retried_and_then_reported_as_unavailable() {
    let sandbox = sandbox(Limits::default()).await;
    let (events, options) = recorder();
    let client = client(&sandbox, options);

    // Every second request times out at the gateway: the read retries once and succeeds.
    sandbox.set_faults(vec![Fault::parse("status=504,path=*/accounts,every=2").unwrap()]);
    client.send(&Request::get("accounts?$select=name&$top=1")).await.unwrap();
    let page = read::page(&client, "accounts?$select=name", &ReadOptions::default()).await.unwrap();
    assert_eq!(page.rows.len(), 5);
    let retried: Vec<RetryReason> =
        events.lock().unwrap().iter().map(|ClientEvent::Retrying { reason, .. }| reason.clone()).collect();
    assert_eq!(retried, [RetryReason::Unavailable { status: 504 }]);

    // Always 504: given up after the policy's tries.
    sandbox.set_faults(vec![Fault::parse("status=504,path=*/accounts").unwrap()]);
    let err = read::page(&client, "accounts?$select=name", &ReadOptions::default()).await.unwrap_err();
    assert_eq!(err.kind, "api.unavailable", "{err:?}");
    assert_eq!(err.message, "The environment answered HTTP 504 Gateway Timeout. (gave up after 6 tries)");
    assert!(err.hint.unwrap().contains("maintenance or overloaded"));
    assert_eq!(events.lock().unwrap().len(), 1 + 5, "five retries of the six tries announced");

    // A POST is not repeated on a 504: the error is reported as the server gave it.
    let err = client.send(&Request::post("accounts", json!({ "name": "Maybe" }))).await.unwrap_err();
    assert_eq!(err.kind, "api.error", "{err:?}");
    assert!(err.message.starts_with("HTTP 504 Gateway Timeout: "), "{}", err.message);
    assert_eq!(events.lock().unwrap().len(), 6, "no retry of the POST");
}

#[tokio::test]
async fn a_discovery_answer_that_is_not_json_is_not_discovery() {
    let sandbox = sandbox(Limits::default()).await;
    let info = sandbox.info();
    let resource = info.discovery_url.trim_end_matches("/api/discovery/v2.0/").to_owned();
    let http = auth::http_client().unwrap();
    let token = auth::client_credentials(
        &http,
        &info.authority,
        &info.org_client_id,
        &info.org_client_secret,
        &resource,
    )
    .await
    .unwrap();
    // The same call answers when the service is healthy (so what follows is the fault's doing)...
    discovery::environments(&http, &resource, &token).await.unwrap();
    // ...and a gateway's garbage in its place is not taken for an empty list.
    sandbox.set_faults(vec![Fault::parse("malformed,path=/api/discovery/*").unwrap()]);
    let err = discovery::environments(&http, &resource, &token).await.unwrap_err();
    assert_eq!(err.kind, "api.not_discovery", "{err:?}");
    assert_eq!(
        err.message,
        format!("{resource}/api/discovery/v2.0/Instances did not answer with JSON (HTTP 200 OK).")
    );
}

#[tokio::test]
async fn an_authority_that_is_not_an_identity_provider_is_diagnosed() {
    let sandbox = sandbox(Limits::default()).await;
    let info = sandbox.info();
    let http = auth::http_client().unwrap();
    let instance = input::instance(&info.instance_url, Cloud::Public, false).unwrap();
    let token_with = |authority: String| {
        let (http, instance) = (http.clone(), instance.clone());
        let (client_id, secret) = (info.org_client_id.clone(), info.org_client_secret.clone());
        async move {
            let credentials =
                Credentials::App { authority: &authority, client_id: &client_id, client_secret: &secret };
            verify(&http, &instance, credentials).await.unwrap_err()
        }
    };
    // The org's URL typed where the authority goes: the Web API answers, but not as Entra does.
    let failed = token_with(info.instance_url.clone()).await;
    assert_eq!((failed.step, failed.error.kind), (Step::Token, "auth.not_an_identity_provider"));
    assert!(
        failed.error.message.starts_with(&format!("{}/oauth2/v2.0/token answered HTTP 4", info.instance_url)),
        "{}",
        failed.error.message
    );
    // A gateway in front of the real token endpoint answering 503 with its own body.
    sandbox.set_faults(vec![Fault::parse("status=503,path=*/oauth2/v2.0/token").unwrap()]);
    let failed = token_with(info.authority.clone()).await;
    assert_eq!((failed.step, failed.error.kind), (Step::Token, "auth.not_an_identity_provider"));
    assert!(
        failed.error.message.contains("answered HTTP 503 Service Unavailable"),
        "{}",
        failed.error.message
    );
    assert_eq!(failed.error.hint.as_deref(), Some("Check the tenant and the authority URL."));
}
