//! The session's token cache against the sandbox: one refresh in flight, refresh ahead of expiry, one
//! refresh-and-retry on a 401, rotated refresh tokens kept, and a clear "sign in again" when refused.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use d365_dataverse::auth::{self, AccessToken};
use d365_dataverse::session::{Grant, Session};
use d365_dataverse::{Cloud, input};
use d365_sandbox::{Sandbox, SandboxOptions};

use common::app_session;

async fn sandbox(token_lifetime: Duration) -> Sandbox {
    Sandbox::bind("127.0.0.1:0", SandboxOptions { seed: 2, token_lifetime, ..Default::default() })
        .await
        .unwrap()
}

#[tokio::test]
async fn concurrent_callers_share_one_token_request() {
    let sandbox = sandbox(Duration::from_secs(3599)).await;
    let session = Arc::new(app_session(&sandbox));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let session = session.clone();
        tasks.spawn(async move { session.token().await.unwrap().secret().to_owned() });
    }
    let tokens: Vec<String> = tasks.join_all().await;
    assert!(tokens.windows(2).all(|w| w[0] == w[1]), "everyone got the same token");
    assert_eq!(session.token_requests(), 1, "one request for ten callers");
    assert_eq!(
        session.get("WhoAmI").await.unwrap().0["OrganizationId"],
        sandbox.directory().organization_id.to_string()
    );
    assert_eq!(session.token_requests(), 1, "the cached token is used");
}

#[tokio::test]
async fn tokens_are_replaced_before_they_expire() {
    let sandbox = sandbox(Duration::from_secs(3)).await;
    let session = app_session(&sandbox).with_margin(Duration::from_secs(2));
    let first = session.token().await.unwrap();
    assert_eq!(session.token().await.unwrap().secret(), first.secret(), "still fresh");
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let second = session.token().await.unwrap();
    assert_ne!(second.secret(), first.secret(), "replaced inside the margin, before expiry");
    assert_eq!(session.token_requests(), 2);
}

#[tokio::test]
async fn a_refused_token_gets_one_refresh_and_retry() {
    let sandbox = sandbox(Duration::from_secs(3599)).await;
    let valid = app_session(&sandbox).token().await.unwrap();
    // Same audience and expiry, broken signature: what a revoked or tampered token looks like to the API.
    let (head, _) = valid.secret().rsplit_once('.').unwrap();
    let broken = AccessToken::new(format!("{head}.AAAA"), valid.expires_at);
    let session = app_session(&sandbox).with_token(broken).await;
    let (who, _) = session.get("WhoAmI").await.unwrap();
    assert!(who["UserId"].is_string());
    assert_eq!(session.token_requests(), 1, "exactly one refresh after the 401");
}

#[tokio::test]
async fn user_sessions_keep_rotated_refresh_tokens_and_ask_to_sign_in_again_when_refused() {
    let sandbox = sandbox(Duration::from_secs(3599)).await;
    let info = sandbox.info();
    let tokens = common::signed_in(&sandbox).await;
    let kept: Arc<Mutex<Vec<String>>> = Arc::default();
    let keep = {
        let kept = kept.clone();
        Box::new(move |token: &d365_dataverse::Secret| {
            kept.lock().unwrap().push(token.expose().to_owned());
            Ok(())
        })
    };
    let original = tokens.refresh_token.unwrap();
    let grant = Grant::User {
        authority: info.authority.clone(),
        client_id: info.public_client_id.clone(),
        refresh_token: tokio::sync::Mutex::new(original.clone()),
        keep,
    };
    let instance = input::instance(&info.instance_url, Cloud::Public, false).unwrap();
    let session = Session::new(auth::http_client().unwrap(), instance.clone(), grant);
    session.get("WhoAmI").await.unwrap();
    let kept_now = kept.lock().unwrap().clone();
    assert_eq!(kept_now.len(), 1, "the rotated refresh token was handed back to be kept");
    assert_ne!(kept_now[0], original.expose());

    let refused = Grant::User {
        authority: info.authority.clone(),
        client_id: info.public_client_id.clone(),
        refresh_token: tokio::sync::Mutex::new(d365_dataverse::Secret::new("no-longer-valid")),
        keep: Box::new(|_| Ok(())),
    };
    let err = Session::new(auth::http_client().unwrap(), instance.clone(), refused)
        .get("WhoAmI")
        .await
        .unwrap_err();
    assert_eq!(err.kind, "auth.sign_in_again", "{err:?}");

    let expired = Grant::Fixed(AccessToken::new(
        "x.y.z".into(),
        time::OffsetDateTime::now_utc() - time::Duration::minutes(1),
    ));
    let err = Session::new(auth::http_client().unwrap(), instance, expired).token().await.unwrap_err();
    assert_eq!(err.kind, "auth.token_expired");
}
