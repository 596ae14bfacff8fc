//! Shared by the tests that run against the in-process sandbox: a client as its org-level application user.
#![allow(dead_code, clippy::unwrap_used)] // each test file uses its own subset; helpers fail loudly

use std::sync::Arc;

use d365_dataverse::client::{Client, ClientOptions};
use d365_dataverse::session::{Grant, Session};
use d365_dataverse::{Cloud, Secret, auth, input};
use d365_sandbox::Sandbox;

/// A client of `sandbox` signed in with client credentials as its application user.
pub fn app_client(sandbox: &Sandbox) -> Arc<Client> {
    let info = sandbox.info();
    let grant = Grant::App {
        authority: info.authority.clone(),
        client_id: info.org_client_id.clone(),
        client_secret: Secret::new(info.org_client_secret.clone()),
    };
    let instance = input::instance(&info.instance_url, Cloud::Public, false).unwrap();
    let session = Session::new(auth::http_client().unwrap(), instance, grant);
    Arc::new(Client::new(Arc::new(session), ClientOptions::default()))
}
