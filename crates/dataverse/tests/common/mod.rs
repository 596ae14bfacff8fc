//! Shared by the client's tests: a session as the sandbox's application user, and the sandbox's sign-in
//! pages, answered over plain HTTP as a person would.
#![allow(dead_code, clippy::unwrap_used)] // each test file uses its own subset; helpers fail loudly

use std::time::Duration;

use d365_dataverse::session::{Grant, Session};
use d365_dataverse::signin::{SignIn, UserTokens, sign_in};
use d365_dataverse::{Cloud, auth, input};
use d365_sandbox::Sandbox;

/// A session as the sandbox's org-level application user (client credentials).
pub fn app_session(sandbox: &Sandbox) -> Session {
    let info = sandbox.info();
    let grant = Grant::App {
        authority: info.authority.clone(),
        client_id: info.org_client_id.clone(),
        client_secret: info.org_client_secret.clone(),
    };
    let instance = input::instance(&info.instance_url, Cloud::Public, false).unwrap();
    Session::new(auth::http_client().unwrap(), instance, grant)
}

pub fn ctx(html: &str) -> String {
    let start = html.find("name=\"ctx\" value=\"").unwrap() + "name=\"ctx\" value=\"".len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// From a sign-in page: signs in and answers the consent page with `decision`; returns the last response.
pub async fn sign_in_and_consent(
    client: &reqwest::Client,
    sign_in_page: &str,
    authority: &str,
    username: String,
    password: String,
    decision: &str,
) -> reqwest::Response {
    let consent = client
        .post(format!("{authority}/login"))
        .form(&[("ctx", ctx(sign_in_page)), ("login", username), ("passwd", password)])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    client
        .post(format!("{authority}/consent"))
        .form(&[("ctx", ctx(&consent).as_str()), ("decision", decision)])
        .send()
        .await
        .unwrap()
}

/// Opens the authorize URL, signs in and answers consent; returns where the sandbox redirects the browser.
pub async fn browse(
    authorize: String,
    authority: String,
    username: String,
    password: String,
    decision: &str,
) -> String {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = client.get(&authorize).send().await.unwrap().text().await.unwrap();
    let done = sign_in_and_consent(&client, &page, &authority, username, password, decision).await;
    done.headers()["location"].to_str().unwrap().to_owned()
}

/// A user sign-in with the sandbox's admin, consent accepted.
pub async fn signed_in(sandbox: &Sandbox) -> UserTokens {
    let info = sandbox.info();
    let (authority, username, password) =
        (info.authority.clone(), info.username.clone(), info.password.clone());
    let browser = move |authorize: &str| {
        let authorize = authorize.to_owned();
        tokio::spawn(async move {
            let location = browse(authorize, authority, username, password, "accept").await;
            reqwest::get(location.replace("localhost", "127.0.0.1")).await.unwrap();
        });
        Ok(())
    };
    let request = SignIn {
        authority: &info.authority,
        client_id: &info.public_client_id,
        resource: &info.instance_url,
        login_hint: None,
        timeout: Duration::from_secs(30),
    };
    sign_in(&auth::http_client().unwrap(), request, browser, std::future::pending()).await.unwrap()
}
