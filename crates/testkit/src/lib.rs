//! What a person does in the sandbox's sign-in pages, done over plain HTTP for tests: one copy for every
//! crate's tests (the client's, the CLI's, the sandbox's own). Dev-only: no product crate depends on it.
//!
//! Helpers panic with a message on anything unexpected: they run inside tests.
#![allow(clippy::unwrap_used)]

use reqwest::{Client, StatusCode, redirect};

/// A page the sandbox answered with: its status, where it redirects, and its HTML.
pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub html: String,
}

async fn page(response: reqwest::Response) -> Page {
    let status = response.status();
    let location = response.headers().get("location").map(|l| l.to_str().unwrap().to_owned());
    Page { status, location, html: response.text().await.unwrap() }
}

/// A request's JSON answer, whatever its status: `.json_value().await` instead of six lines of
/// `send`/`json` unwrapping.
pub trait JsonValue {
    fn json_value(self) -> impl std::future::Future<Output = serde_json::Value> + Send;
}

impl JsonValue for reqwest::RequestBuilder {
    async fn json_value(self) -> serde_json::Value {
        self.send().await.unwrap().json().await.unwrap()
    }
}

/// An HTTP client that does not follow redirects, so that a test sees where the sandbox sends the browser.
pub fn browser() -> Client {
    Client::builder().redirect(redirect::Policy::none()).build().unwrap()
}

/// The value of the hidden `ctx` input of a sign-in, consent or device-code page.
pub fn ctx(html: &str) -> String {
    let marker = "name=\"ctx\" value=\"";
    let start =
        html.find(marker).unwrap_or_else(|| panic!("no ctx field in the page: {html}")) + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// From a sign-in page: signs in as `username` and, when a consent page follows, answers it with `decision`
/// (`accept` or `cancel`). Returns the last page (no consent page comes when the app was consented before).
pub async fn sign_in_and_consent(
    client: &Client,
    sign_in_page: &str,
    authority: &str,
    username: &str,
    password: &str,
    decision: &str,
) -> Page {
    let form = [("ctx", ctx(sign_in_page)), ("login", username.to_owned()), ("passwd", password.to_owned())];
    let after_login = page(client.post(format!("{authority}/login")).form(&form).send().await.unwrap()).await;
    if !after_login.html.contains("name=\"decision\"") {
        return after_login;
    }
    let answer = [("ctx", ctx(&after_login.html)), ("decision", decision.to_owned())];
    page(client.post(format!("{authority}/consent")).form(&answer).send().await.unwrap()).await
}

/// Opens the authorize URL, signs in and answers consent; returns where the sandbox redirects the browser.
pub async fn browse(
    authorize: &str,
    authority: &str,
    username: &str,
    password: &str,
    decision: &str,
) -> String {
    let client = browser();
    let page = client.get(authorize).send().await.unwrap().text().await.unwrap();
    let done = sign_in_and_consent(&client, &page, authority, username, password, decision).await;
    let Page { status, location, html } = done;
    location.unwrap_or_else(|| panic!("the sandbox sent the browser nowhere ({status}): {html}"))
}

/// Completes a device-code sign-in as the user would in a browser: enters `code` at `verification_uri`,
/// signs in and accepts.
pub async fn approve_device_code(
    verification_uri: &str,
    code: &str,
    authority: &str,
    username: &str,
    password: &str,
) {
    let client = browser();
    let entered = client.post(verification_uri).form(&[("otc", code)]).send().await.unwrap();
    let code_page = entered.text().await.unwrap();
    let done = sign_in_and_consent(&client, &code_page, authority, username, password, "accept").await;
    assert!(done.status.is_success(), "the sign-in ended ({}): {}", done.status, done.html);
}
