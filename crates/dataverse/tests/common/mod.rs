//! Shared by the client's tests: a session as the sandbox's application user, and the sandbox's sign-in
//! pages, answered over plain HTTP as a person would.
#![allow(dead_code, clippy::unwrap_used)] // each test file uses its own subset; helpers fail loudly

pub mod local;

use std::future::Future;
use std::time::Duration;

use d365_dataverse::session::{Grant, Session};
use d365_dataverse::signin::{SignIn, UserTokens, sign_in};
use d365_dataverse::{Cloud, Secret, auth, input};
use d365_sandbox::Sandbox;

/// A session as the sandbox's org-level application user (client credentials).
pub fn app_session(sandbox: &Sandbox) -> Session {
    let info = sandbox.info();
    let grant = Grant::App {
        authority: info.authority.clone(),
        client_id: info.org_client_id.clone(),
        client_secret: Secret::new(info.org_client_secret.clone()),
    };
    let instance = input::instance(&info.instance_url, Cloud::Public, false).unwrap();
    Session::new(auth::http_client().unwrap(), instance, grant)
}

/// From a sign-in page: signs in and answers the consent page with `decision`; returns the last response.
pub async fn sign_in_and_consent(
    client: &reqwest::Client,
    sign_in_page: &str,
    authority: &str,
    username: String,
    password: String,
    decision: &str,
) -> d365_testkit::Page {
    d365_testkit::sign_in_and_consent(client, sign_in_page, authority, &username, &password, decision).await
}

/// Opens the authorize URL, signs in and answers consent; returns where the sandbox redirects the browser.
pub async fn browse(
    authorize: String,
    authority: String,
    username: String,
    password: String,
    decision: &str,
) -> String {
    d365_testkit::browse(&authorize, &authority, &username, &password, decision).await
}

/// The `redirect_uri` an authorize URL names (`http://localhost:<port>/`).
pub fn redirect_uri(authorize: &str) -> String {
    let url = url::Url::parse(authorize).unwrap();
    url.query_pairs().find(|(k, _)| k == "redirect_uri").unwrap().1.into_owned()
}

/// The port of the sign-in's loopback listener, from the authorize URL.
pub fn redirect_port(authorize: &str) -> u16 {
    url::Url::parse(&redirect_uri(authorize)).unwrap().port().unwrap()
}

/// What a scripted browser or person does, started from a callback the client calls (the browser opener, the
/// device-code prompt) and run as its own task. [`Checks::around`] races those tasks against the sign-in, so
/// an assertion that fails in them fails the test at once with its own message, rather than as the
/// sign-in's timeout much later.
#[derive(Clone)]
pub struct Spawner(tokio::sync::mpsc::UnboundedSender<tokio::task::JoinHandle<()>>);

pub struct Checks(tokio::sync::mpsc::UnboundedReceiver<tokio::task::JoinHandle<()>>);

pub fn checked_tasks() -> (Spawner, Checks) {
    let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
    (Spawner(sender), Checks(receiver))
}

impl Spawner {
    pub fn spawn(&self, task: impl Future<Output = ()> + Send + 'static) {
        self.0.send(tokio::spawn(task)).expect("the test is still running");
    }
}

impl Checks {
    /// Runs `work` (the sign-in) while the spawned tasks run. A task that panics fails the test at once,
    /// with its panic; once `work` is done, the tasks must finish too (within 10 s), their checks passed.
    pub async fn around<T>(mut self, work: impl Future<Output = T>) -> T {
        use futures_util::StreamExt;
        let mut work = std::pin::pin!(work);
        let mut running = futures_util::stream::FuturesUnordered::new();
        let output = loop {
            tokio::select! {
                output = &mut work => break output,
                Some(task) = self.0.recv() => running.push(task),
                Some(done) = running.next() => propagate(done),
            }
        };
        while let Ok(task) = self.0.try_recv() {
            running.push(task);
        }
        let finish = async {
            while let Some(done) = running.next().await {
                propagate(done);
            }
        };
        tokio::time::timeout(Duration::from_secs(10), finish)
            .await
            .expect("the browser's steps did not finish after the sign-in ended");
        output
    }
}

fn propagate(done: Result<(), tokio::task::JoinError>) {
    if let Err(failure) = done {
        match failure.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(failure) => panic!("a browser task did not complete: {failure}"),
        }
    }
}

/// A user sign-in with the sandbox's admin, consent accepted.
pub async fn signed_in(sandbox: &Sandbox) -> UserTokens {
    let info = sandbox.info();
    let (authority, username, password) =
        (info.authority.clone(), info.username.clone(), info.password.clone());
    let (spawner, checks) = checked_tasks();
    let browser = move |authorize: &str| {
        let authorize = authorize.to_owned();
        spawner.spawn(async move {
            let location = browse(authorize, authority, username, password, "accept").await;
            let landing = reqwest::get(location.replace("localhost", "127.0.0.1")).await.unwrap();
            assert_eq!(landing.status(), 200, "the listener took the callback");
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
    checks
        .around(sign_in(&auth::http_client().unwrap(), request, browser, std::future::pending()))
        .await
        .unwrap()
}
