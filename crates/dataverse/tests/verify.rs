//! Verify and its diagnoses, each provoked for real: against the in-process sandbox, or a local server
//! where the sandbox cannot produce the failure (an HTML page instead of an API, a closed port).
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

use std::io::{Read, Write};

use d365_dataverse::auth::{self, AccessToken};
use d365_dataverse::error::ENTRA_DIAGNOSES;
use d365_dataverse::input::{self, Instance};
use d365_dataverse::verify::{Credentials, Failed, Step, verify};
use d365_dataverse::{Cloud, DataverseError};
use d365_sandbox::directory::{EXPIRED_SECRET_CLIENT_ID, NO_APP_USER_CLIENT_ID};
use d365_sandbox::{Sandbox, SandboxOptions};

async fn sandbox(tls: bool) -> Sandbox {
    Sandbox::bind("127.0.0.1:0", SandboxOptions { seed: 5, tls, ..Default::default() }).await.unwrap()
}

fn instance_of(sandbox: &Sandbox) -> Instance {
    input::instance(&sandbox.info().instance_url, Cloud::Public, false).unwrap()
}

async fn verify_app(
    sandbox: &Sandbox,
    authority: &str,
    client_id: &str,
    secret: &str,
) -> Result<d365_dataverse::verify::Verified, Failed> {
    let http = auth::http_client().unwrap();
    verify(&http, &instance_of(sandbox), Credentials::App { authority, client_id, client_secret: secret })
        .await
}

fn failure(result: Result<d365_dataverse::verify::Verified, Failed>) -> (Step, DataverseError) {
    let failed = result.expect_err("the verification must fail");
    (failed.step, failed.error)
}

#[tokio::test]
async fn an_org_connection_verifies_with_org_user_and_version() {
    let sandbox = sandbox(false).await;
    let info = sandbox.info();
    let report =
        verify_app(&sandbox, &info.authority, &info.org_client_id, &info.org_client_secret).await.unwrap();
    assert_eq!(report.organization_name, "Contoso Sandbox");
    assert!(report.version.starts_with("9.2."));
    let app_user = sandbox.directory().app(&info.org_client_id).unwrap().application_user.unwrap();
    assert_eq!(report.user_id, app_user.system_user_id.to_string());
    assert_eq!(report.organization_id, sandbox.directory().organization_id.to_string());
    assert_eq!(report.dop_hint, Some(4));
    assert!(report.token_expires.ends_with('Z'));
}

#[tokio::test]
async fn entra_refusals_become_specific_diagnoses() {
    let sandbox = sandbox(false).await;
    let info = sandbox.info();
    let cases = [
        (
            info.authority.clone(),
            info.org_client_id.clone(),
            "wrong-secret".to_owned(),
            "auth.invalid_secret",
        ),
        (
            info.authority.clone(),
            EXPIRED_SECRET_CLIENT_ID.to_string(),
            info.org_client_secret.clone(),
            "auth.secret_expired",
        ),
        (
            info.authority.clone(),
            "00000000-0000-0000-0000-0000000000aa".to_owned(),
            info.org_client_secret.clone(),
            "auth.app_not_found",
        ),
        (
            format!("{}/nosuch.onmicrosoft.com", info.instance_url),
            info.org_client_id.clone(),
            info.org_client_secret.clone(),
            "auth.tenant_not_found",
        ),
        // A public (desktop) client given a secret: AADSTS700025.
        (
            info.authority.clone(),
            info.public_client_id.clone(),
            "a-secret-it-must-not-have".to_owned(),
            "auth.public_client_with_secret",
        ),
    ];
    for (authority, client_id, secret, kind) in cases {
        let (step, error) = failure(verify_app(&sandbox, &authority, &client_id, &secret).await);
        assert_eq!((step, error.kind), (Step::Token, kind), "{error:?}");
        assert!(error.hint.is_some(), "{kind} says what to do");
        assert!(!error.message.contains(&secret) || secret == "wrong-secret", "no secret in the message");
    }
}

#[tokio::test]
async fn dataverse_refusals_become_specific_diagnoses() {
    let sandbox = sandbox(false).await;
    let info = sandbox.info();
    let (step, error) = failure(
        verify_app(&sandbox, &info.authority, &NO_APP_USER_CLIENT_ID.to_string(), &info.org_client_secret)
            .await,
    );
    assert_eq!((step, error.kind), (Step::WhoAmI, "api.not_a_member"));
    assert!(error.hint.unwrap().contains("Application users"));

    // A token for another resource (here: global discovery) is refused by the org with 401.
    let http = auth::http_client().unwrap();
    let discovery = info.discovery_url.trim_end_matches("/api/discovery/v2.0/");
    let token = auth::client_credentials(
        &http,
        &info.authority,
        &info.org_client_id,
        &info.org_client_secret,
        discovery,
    )
    .await
    .unwrap();
    let (step, error) = failure(verify(&http, &instance_of(&sandbox), Credentials::Token(token)).await);
    assert_eq!((step, error.kind), (Step::WhoAmI, "api.wrong_audience"));
    assert!(error.message.contains(discovery));
}

#[tokio::test]
async fn an_instance_in_another_tenant_is_diagnosed_at_the_token() {
    let sandbox = sandbox(false).await;
    let info = sandbox.info();
    let http = auth::http_client().unwrap();
    let elsewhere = input::instance("https://fabrikam.crm4.dynamics.com", Cloud::Public, false).unwrap();
    let credentials = Credentials::App {
        authority: &info.authority,
        client_id: &info.org_client_id,
        client_secret: &info.org_client_secret,
    };
    let (step, error) = failure(verify(&http, &elsewhere, credentials).await);
    assert_eq!((step, error.kind), (Step::Token, "auth.org_not_in_tenant"));
}

/// A local server that answers every request with an HTML page, as a web site (not an API) would.
fn html_server() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let mut buffer = [0u8; 4096];
            let _ = stream.read(&mut buffer);
            let body = "<!doctype html><title>Sign in</title><p>Welcome</p>";
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    format!("http://{address}")
}

#[tokio::test]
async fn a_web_site_is_not_a_dataverse_org() {
    let site = input::instance(&html_server(), Cloud::Public, false).unwrap();
    let token = AccessToken::new("not.a.token".into(), time::OffsetDateTime::now_utc());
    let http = auth::http_client().unwrap();
    let (step, error) = failure(verify(&http, &site, Credentials::Token(token)).await);
    assert_eq!((step, error.kind), (Step::WhoAmI, "api.not_dataverse"));
}

#[tokio::test]
async fn network_failures_are_named() {
    let http = auth::http_client().unwrap();
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let instance = input::instance("https://contoso.crm.dynamics.com", Cloud::Public, false).unwrap();
    let cases = [
        (format!("http://127.0.0.1:{closed}/tenant"), "net.refused"),
        ("https://no-such-host.invalid/tenant".to_owned(), "net.dns"),
    ];
    for (authority, kind) in cases {
        let credentials = Credentials::App { authority: &authority, client_id: "c", client_secret: "s" };
        let (step, error) = failure(verify(&http, &instance, credentials).await);
        assert_eq!((step, error.kind), (Step::Token, kind), "{authority}: {error:?}");
    }

    // A certificate the system does not trust (the sandbox's own CA, in HTTPS mode).
    let tls = sandbox(true).await;
    let info = tls.info();
    let (step, error) =
        failure(verify_app(&tls, &info.authority, &info.org_client_id, &info.org_client_secret).await);
    assert_eq!((step, error.kind), (Step::Token, "net.tls"), "{error:?}");
}

/// A local server answering every token request as Entra does for `code` (for the refusals the sandbox's
/// client-credentials flow cannot produce: MFA, Conditional Access, consent, ...).
fn entra_refusing(code: u64) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let mut buffer = [0u8; 8192];
            let _ = stream.read(&mut buffer);
            let body = serde_json::json!({
                "error": "invalid_grant",
                "error_description": format!("AADSTS{code}: Refused for the test.\r\nTrace ID: 1\r\nCorrelation ID: 2\r\nTimestamp: 2026-11-23 05:00:00Z"),
                "error_codes": [code],
            })
            .to_string();
            let _ = write!(
                stream,
                "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    format!("http://{address}/tenant")
}

/// Every code of the client's table, answered by a local Entra stand-in (most of them — Conditional
/// Access, MFA, a redirect URI — the sandbox cannot produce for client credentials; those it can are provoked
/// for real in the tests above), and a code the table does not know.
#[tokio::test]
async fn every_aadsts_code_in_the_table_has_its_diagnosis() {
    let http = auth::http_client().unwrap();
    let instance = input::instance("https://contoso.crm.dynamics.com", Cloud::Public, false).unwrap();
    // Written out here, not read from the table: a code given the wrong kind there must turn this red.
    let cases = [
        (7000215, "auth.invalid_secret"),
        (7000222, "auth.secret_expired"),
        (7000218, "auth.secret_missing"),
        (700016, "auth.app_not_found"),
        (90002, "auth.tenant_not_found"),
        (65001, "auth.consent_required"),
        (50011, "auth.redirect_uri_mismatch"),
        (70011, "auth.invalid_scope"),
        (1002012, "auth.invalid_scope"),
        (500011, "auth.org_not_in_tenant"),
        (53003, "auth.blocked_by_conditional_access"),
        (50076, "auth.mfa_required"),
        (50079, "auth.mfa_required"),
        (700082, "auth.session_expired"),
        (70008, "auth.session_expired"),
        (54005, "auth.code_reused"),
        (700025, "auth.public_client_with_secret"),
        (700027, "auth.certificate_rejected"),
        (700024, "auth.assertion_time"),
        (700021, "auth.assertion_client_mismatch"),
        (700023, "auth.assertion_audience"),
        (50027, "auth.assertion_malformed"),
        (424242, "auth.failed"),
    ];
    // And every code of the table is among them: a code added there needs its line here.
    let listed: Vec<u64> = ENTRA_DIAGNOSES.iter().flat_map(|d| d.codes.iter().copied()).collect();
    for code in &listed {
        assert!(cases.iter().any(|(c, _)| c == code), "AADSTS{code} of the table is tested");
    }
    for (code, kind) in cases {
        let authority = entra_refusing(code);
        let credentials = Credentials::App { authority: &authority, client_id: "c", client_secret: "s" };
        let (step, error) = failure(verify(&http, &instance, credentials).await);
        assert_eq!((step, error.kind), (Step::Token, kind), "AADSTS{code}");
        assert!(
            error.message.starts_with(&format!("AADSTS{code}: ")),
            "the message keeps Entra's first line: {}",
            error.message
        );
        assert!(!error.message.contains("Trace ID"), "but not the trace lines");
        assert!(error.hint.as_deref().is_some_and(|h| !h.is_empty()), "AADSTS{code} says what to do");
    }
}

#[tokio::test]
async fn a_server_that_never_answers_is_a_timeout() {
    // Accepts connections and reads, but never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    let http = auth::http_client_with_timeout(std::time::Duration::from_millis(500)).unwrap();
    let instance = input::instance("https://contoso.crm.dynamics.com", Cloud::Public, false).unwrap();
    let authority = format!("http://{address}/tenant");
    let credentials = Credentials::App { authority: &authority, client_id: "c", client_secret: "s" };
    let (step, error) = failure(verify(&http, &instance, credentials).await);
    assert_eq!((step, error.kind), (Step::Token, "net.timeout"), "{error:?}");
}

#[tokio::test]
async fn an_application_user_without_a_role_is_diagnosed() {
    let sandbox = sandbox(false).await;
    let info = sandbox.info();
    let no_role = d365_sandbox::directory::NO_ROLE_CLIENT_ID.to_string();
    let (step, error) =
        failure(verify_app(&sandbox, &info.authority, &no_role, &info.org_client_secret).await);
    assert_eq!((step, error.kind), (Step::Organization, "api.missing_privilege"), "{error:?}");
    assert!(error.message.contains("is missing prvReadOrganization privilege"), "{}", error.message);
    assert!(error.hint.unwrap().contains("security role"));
}
