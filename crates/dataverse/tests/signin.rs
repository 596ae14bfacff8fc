//! User-level sign-in against the in-process sandbox. The "browser" here is a script that posts the
//! sandbox's forms over HTTP and follows the redirect to the loopback listener; the real browser
//! (Chromium through $BROWSER) runs in tests/browser.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

use d365_testkit::JsonValue;
use std::time::Duration;

use d365_dataverse::auth;
use d365_dataverse::signin::{SignIn, sign_in};
use d365_sandbox::{Sandbox, SandboxOptions};

mod common;
use common::{Checks, browse, checked_tasks};

async fn sandbox() -> Sandbox {
    Sandbox::bind("127.0.0.1:0", SandboxOptions { seed: 3, ..Default::default() }).await.unwrap()
}

fn request(sandbox: &Sandbox, timeout: Duration) -> SignIn<'_> {
    SignIn {
        authority: &sandbox.info().authority,
        client_id: &sandbox.info().public_client_id,
        resource: &sandbox.info().instance_url,
        login_hint: None,
        timeout,
    }
}

/// A browser that completes the sign-in with `decision`, first poking the listener as browsers and
/// attackers do (a favicon request, an empty connection, a forged callback), then checking the page the
/// listener shows. Its checks run in a task that `checks` races against the sign-in: a failing one fails
/// the test at once with its message.
fn scripted_browser(
    sandbox: &Sandbox,
    decision: &'static str,
) -> (impl FnOnce(&str) -> std::io::Result<()> + Send + 'static, Checks) {
    let (authority, username, password) =
        (sandbox.info().authority.clone(), sandbox.info().username.clone(), sandbox.info().password.clone());
    let (spawner, checks) = checked_tasks();
    let open = move |authorize: &str| {
        let authorize = authorize.to_owned();
        spawner.spawn(async move {
            let redirect = common::redirect_uri(&authorize);
            assert!(redirect.starts_with("http://localhost:") && redirect.ends_with('/'), "{redirect}");
            let port = url::Url::parse(&redirect).unwrap().port().unwrap();
            let plain = reqwest::Client::new();
            let favicon = plain.get(format!("http://127.0.0.1:{port}/favicon.ico")).send().await.unwrap();
            assert_eq!(favicon.status(), 404);
            drop(tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap());
            let forged =
                plain.get(format!("http://127.0.0.1:{port}/?code=stolen&state=forged")).send().await.unwrap();
            assert_eq!(forged.status(), 400, "a callback with the wrong state is refused");
            assert!(
                tokio::net::TcpStream::connect(("127.0.0.2", port)).await.is_err(),
                "bound to 127.0.0.1 only"
            );

            let location = browse(authorize, authority, username, password, decision).await;
            let landing = plain.get(location.replace("localhost", "127.0.0.1")).send().await.unwrap();
            assert_eq!(landing.status(), 200);
            let page = landing.text().await.unwrap();
            let expected = match decision {
                "accept" => "You are signed in to D365 Desk. You can close this tab",
                _ => "Sign-in did not complete",
            };
            assert!(page.contains(expected), "the landing page says how it went: {page}");
        });
        Ok(())
    };
    (open, checks)
}

#[tokio::test]
async fn the_browser_flow_returns_tokens_for_the_instance() {
    let sandbox = sandbox().await;
    let http = auth::http_client().unwrap();
    let (browser, checks) = scripted_browser(&sandbox, "accept");
    let tokens = checks
        .around(sign_in(&http, request(&sandbox, Duration::from_secs(30)), browser, std::future::pending()))
        .await
        .unwrap();
    assert!(tokens.refresh_token.is_some(), "offline_access gives a refresh token");
    assert!(!format!("{tokens:?}").contains(tokens.refresh_token.as_ref().unwrap().expose()));
    // The token opens the Web API as the user.
    let who: serde_json::Value = http
        .get(format!("{}WhoAmI", sandbox.info().web_api_url))
        .bearer_auth(tokens.access_token.secret())
        .json_value()
        .await;
    let user = sandbox.directory().user_by_upn(&sandbox.info().username).unwrap().org_user.unwrap();
    assert_eq!(who["UserId"], user.system_user_id.to_string());

    // The refresh token gives new tokens, and a new refresh token to keep.
    let old = tokens.refresh_token.unwrap();
    let info = sandbox.info();
    let (access, rotated) =
        auth::refresh(&http, &info.authority, &info.public_client_id, old.expose(), &info.instance_url)
            .await
            .unwrap();
    assert_ne!(access.secret(), tokens.access_token.secret());
    assert!(rotated.is_some_and(|r| r != old));
    let err = auth::refresh(
        &http,
        &info.authority,
        &info.public_client_id,
        "not-a-refresh-token",
        &info.instance_url,
    )
    .await
    .unwrap_err();
    assert!(err.kind.starts_with("auth."), "{err:?}");
}

/// `login_hint` goes to the authorize endpoint, and the sandbox's sign-in page comes with the user name
/// filled in (the password to type, focused), as Entra's does: what "Sign in again" relies on.
#[tokio::test]
async fn a_login_hint_fills_in_the_user_name_on_the_sign_in_page() {
    let sandbox = sandbox().await;
    let info = sandbox.info().clone();
    let http = auth::http_client().unwrap();
    let (spawner, checks) = checked_tasks();
    let hint = info.username.clone();
    let open = move |authorize: &str| {
        let authorize = authorize.to_owned();
        spawner.spawn(async move {
            let url = url::Url::parse(&authorize).unwrap();
            assert!(url.query_pairs().any(|(k, v)| k == "login_hint" && v == hint), "{authorize}");
            let client = d365_testkit::browser();
            let page = client.get(&authorize).send().await.unwrap().text().await.unwrap();
            assert!(
                page.contains(&format!(r#"value="{hint}" required>"#)),
                "the user name is filled in: {page}"
            );
            let done = d365_testkit::sign_in_and_consent(
                &client,
                &page,
                &info.authority,
                &hint,
                &info.password,
                "accept",
            )
            .await;
            let location = done.location.expect("back to the app");
            reqwest::Client::new().get(location.replace("localhost", "127.0.0.1")).send().await.unwrap();
        });
        Ok(())
    };
    let mut request = request(&sandbox, Duration::from_secs(30));
    let username = sandbox.info().username.clone();
    request.login_hint = Some(&username);
    let tokens = checks.around(sign_in(&http, request, open, std::future::pending())).await.unwrap();
    let facts = d365_dataverse::bearer::inspect(tokens.access_token.secret()).unwrap();
    assert_eq!(facts.subject, sandbox.info().username, "the token names whom to suggest next time");
}

/// A code someone else redeemed first: the client's exchange is refused with AADSTS54005. Here the
/// "browser" does it, as malware in it could: it swaps the client's PKCE challenge for one of its own
/// (RFC 7636's example pair), redeems the code itself, and only then lets the callback through.
#[tokio::test]
async fn a_code_redeemed_by_someone_else_first_is_reported_as_reused() {
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    let sandbox = sandbox().await;
    let info = sandbox.info().clone();
    let (spawner, checks) = checked_tasks();
    let open = move |authorize: &str| {
        let mut url = url::Url::parse(authorize).unwrap();
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert!(pairs.iter().any(|(k, v)| k == "code_challenge" && v != CHALLENGE), "the client sends PKCE");
        let redirect = pairs.iter().find(|(k, _)| k == "redirect_uri").unwrap().1.clone();
        url.query_pairs_mut().clear().extend_pairs(
            pairs
                .iter()
                .map(|(k, v)| (k.as_str(), if k == "code_challenge" { CHALLENGE } else { v.as_str() })),
        );
        spawner.spawn(async move {
            let location =
                browse(url.to_string(), info.authority.clone(), info.username, info.password, "accept").await;
            let code = url::Url::parse(&location)
                .unwrap()
                .query_pairs()
                .find(|(k, _)| k == "code")
                .unwrap()
                .1
                .into_owned();
            let form = [
                ("grant_type", "authorization_code"),
                ("client_id", info.public_client_id.as_str()),
                ("code", code.as_str()),
                ("redirect_uri", redirect.as_str()),
                ("code_verifier", VERIFIER),
            ];
            let token_url = format!("{}/oauth2/v2.0/token", info.authority);
            let stolen = reqwest::Client::new().post(token_url).form(&form).send().await.unwrap();
            assert_eq!(stolen.status(), 200, "the first redemption works: {}", stolen.text().await.unwrap());
            let landing = reqwest::get(location.replace("localhost", "127.0.0.1")).await.unwrap();
            assert_eq!(landing.status(), 200);
        });
        Ok(())
    };
    let http = auth::http_client().unwrap();
    let err = checks
        .around(sign_in(&http, request(&sandbox, Duration::from_secs(30)), open, std::future::pending()))
        .await
        .unwrap_err();
    assert_eq!(err.kind, "auth.code_reused", "{err:?}");
    assert!(err.message.starts_with("AADSTS54005: "), "{}", err.message);
    assert_eq!(err.hint.as_deref(), Some("The sign-in code was already used. Sign in again."));
}

#[tokio::test]
async fn cancel_in_the_browser_is_reported() {
    let sandbox = sandbox().await;
    let http = auth::http_client().unwrap();
    let (browser, checks) = scripted_browser(&sandbox, "cancel");
    let err = checks
        .around(sign_in(&http, request(&sandbox, Duration::from_secs(30)), browser, std::future::pending()))
        .await
        .unwrap_err();
    assert_eq!(err.kind, "signin.cancelled_in_browser");
}

#[tokio::test]
async fn the_wait_times_out_or_is_cancelled() {
    let sandbox = sandbox().await;
    let http = auth::http_client().unwrap();
    let nothing = |_: &str| Ok(());
    let err = sign_in(&http, request(&sandbox, Duration::from_millis(300)), nothing, std::future::pending())
        .await
        .unwrap_err();
    assert_eq!(err.kind, "signin.timeout");
    let cancel = tokio::time::sleep(Duration::from_millis(100));
    let err = sign_in(&http, request(&sandbox, Duration::from_secs(30)), nothing, cancel).await.unwrap_err();
    assert_eq!(err.kind, "signin.cancelled");
    let no_browser = |_: &str| Err(std::io::Error::other("no browser here"));
    let err = sign_in(&http, request(&sandbox, Duration::from_secs(30)), no_browser, std::future::pending())
        .await
        .unwrap_err();
    assert_eq!(err.kind, "signin.no_browser");
}

#[test]
fn aadsts_codes_are_read_from_descriptions() {
    assert_eq!(d365_dataverse::signin::aadsts_code("AADSTS65004: User declined"), Some(65004));
    assert_eq!(d365_dataverse::signin::aadsts_code("something else"), None);
}
