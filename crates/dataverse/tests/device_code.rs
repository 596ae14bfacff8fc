//! Device-code sign-in against the sandbox: the user (a script posting the sandbox's forms) enters the
//! code shown and signs in; the client, polling at the server's interval, gets the tokens or the refusal.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

use d365_dataverse::auth;
use d365_dataverse::device_code::{DeviceCodePrompt, sign_in_with_device_code};
use d365_dataverse::signin::UserTokens;
use d365_sandbox::{Sandbox, SandboxOptions};

mod common;
use common::{Checks, checked_tasks};

/// The person at another device: enters the code, signs in, and answers the consent page. Their steps run
/// in a task that the returned `Checks` races against the polling: a step that fails fails the test at once
/// (the client would otherwise poll until the code expires, 15 minutes).
fn person(sandbox: &Sandbox, decision: &'static str) -> (impl FnOnce(&DeviceCodePrompt), Checks) {
    let (authority, username, password) =
        (sandbox.info().authority.clone(), sandbox.info().username.clone(), sandbox.info().password.clone());
    let (spawner, checks) = checked_tasks();
    let enter = move |prompt: &DeviceCodePrompt| {
        assert!(
            prompt.message.contains(&prompt.user_code) && prompt.message.contains(&prompt.verification_uri)
        );
        let (uri, code) = (prompt.verification_uri.clone(), prompt.user_code.clone());
        spawner.spawn(async move {
            let client =
                reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
            let sign_in =
                client.post(&uri).form(&[("otc", code)]).send().await.unwrap().text().await.unwrap();
            let done =
                common::sign_in_and_consent(&client, &sign_in, &authority, username, password, decision)
                    .await;
            assert_eq!(done.status, 200, "the consent was answered");
            let page = done.html;
            let expected = if decision == "accept" { "You're signed in" } else { "Sign-in cancelled" };
            assert!(
                page.contains(&format!("id=\"deviceDone\">{expected}")),
                "the device-login end page: {page}"
            );
        });
    };
    (enter, checks)
}

/// A device-code sign-in against a new sandbox, the person answering the consent with `decision`.
async fn device_sign_in(decision: &'static str) -> (Sandbox, d365_dataverse::Result<UserTokens>) {
    let sandbox =
        Sandbox::bind("127.0.0.1:0", SandboxOptions { seed: 2, ..Default::default() }).await.unwrap();
    let info = sandbox.info().clone();
    let (person, checks) = person(&sandbox, decision);
    let http = auth::http_client().unwrap();
    let result = checks
        .around(sign_in_with_device_code(
            &http,
            &info.authority,
            &info.public_client_id,
            &info.instance_url,
            person,
            std::future::pending(),
        ))
        .await;
    (sandbox, result)
}

#[tokio::test]
async fn the_code_entered_elsewhere_signs_in_here() {
    let (sandbox, tokens) = device_sign_in("accept").await;
    let (info, http) = (sandbox.info(), auth::http_client().unwrap());
    let tokens = tokens.unwrap();
    assert!(tokens.refresh_token.is_some());
    let who = http
        .get(format!("{}WhoAmI", info.web_api_url))
        .bearer_auth(tokens.access_token.secret())
        .send()
        .await
        .unwrap();
    assert_eq!(who.status(), 200);
}

#[tokio::test]
async fn a_declined_sign_in_is_reported() {
    let (_sandbox, result) = device_sign_in("cancel").await;
    let err = result.unwrap_err();
    assert_eq!(err.kind, "signin.cancelled_in_browser", "{err:?}");
}

#[tokio::test]
async fn waiting_can_be_cancelled() {
    let sandbox =
        Sandbox::bind("127.0.0.1:0", SandboxOptions { seed: 2, ..Default::default() }).await.unwrap();
    let info = sandbox.info();
    let http = auth::http_client().unwrap();
    let nobody = |_: &DeviceCodePrompt| {};
    let cancel = tokio::time::sleep(std::time::Duration::from_millis(200));
    let err = sign_in_with_device_code(
        &http,
        &info.authority,
        &info.public_client_id,
        &info.instance_url,
        nobody,
        cancel,
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind, "signin.cancelled");
}

#[tokio::test]
async fn an_authority_that_cannot_be_reached_is_a_network_diagnosis_not_a_refused_sign_in() {
    // A port nothing listens on: bound, then closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let authority = format!("http://127.0.0.1:{port}/organizations");
    let http = auth::http_client().unwrap();
    let err = sign_in_with_device_code(
        &http,
        &authority,
        "51f81489-12ee-4a9e-aaae-a2591f45987d",
        "https://org.crm.dynamics.com",
        |_: &DeviceCodePrompt| panic!("no code can be shown"),
        std::future::pending(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind, "net.refused", "{err:?}");
    assert_eq!(err.category, d365_dataverse::Category::Network);
    assert!(err.message.contains("127.0.0.1"), "{}", err.message);
}
