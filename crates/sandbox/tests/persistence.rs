//! A sandbox on a data file remembers its identity with its rows: signing key, org secret, users' password,
//! consents and refresh tokens survive a restart, so a sign-in made before it still works after it. In
//! memory, every run is new.

mod common;

use common::{authorize_url, desktop_params, http, pkce, post_form, query_of, token_url};
use d365_sandbox::{Sandbox, SandboxOptions, Storage};
use reqwest::StatusCode;
use serde_json::Value;

fn data_file(name: &str) -> std::path::PathBuf {
    let unique =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_nanos();
    let dir = std::env::temp_dir().join(format!("d365desk-persist-{}-{unique}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    dir.join(name)
}

fn on_file(file: &std::path::Path) -> SandboxOptions {
    SandboxOptions { storage: Storage::File(file.to_owned()), seed: 20, ..Default::default() }
}

/// A browser sign-in as the admin with the sandbox's own password, redeemed: the token response.
async fn user_tokens(sandbox: &Sandbox) -> Value {
    let info = sandbox.info();
    let scope = format!("{}/user_impersonation offline_access", info.instance_url);
    let pkce = pkce();
    let authorize = authorize_url(sandbox, &desktop_params(sandbox, &scope, &pkce));
    let back =
        d365_testkit::browse(&authorize, &info.authority, &info.username, &info.password, "accept").await;
    let code = query_of(&back)["code"].clone();
    let (status, body) = post_form(
        &token_url(sandbox),
        &[
            ("grant_type", "authorization_code"),
            ("client_id", info.public_client_id.as_str()),
            ("code", code.as_str()),
            ("redirect_uri", "http://localhost:51234/"),
            ("code_verifier", pkce.verifier.as_str()),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn refresh(sandbox: &Sandbox, refresh_token: &str) -> (StatusCode, Value) {
    let scope = format!("{}/user_impersonation offline_access", sandbox.info().instance_url);
    post_form(
        &token_url(sandbox),
        &[
            ("grant_type", "refresh_token"),
            ("client_id", sandbox.info().public_client_id.as_str()),
            ("refresh_token", refresh_token),
            ("scope", scope.as_str()),
        ],
    )
    .await
}

async fn who_am_i(sandbox: &Sandbox, token: &str) -> StatusCode {
    let url = format!("{}WhoAmI", sandbox.info().web_api_url);
    http().get(url).bearer_auth(token).send().await.expect("WhoAmI answers").status()
}

#[tokio::test]
async fn a_sign_in_survives_a_restart_on_the_same_data_file() {
    let file = data_file("sandbox.sqlite3");
    let first = Sandbox::bind("127.0.0.1:0", on_file(&file)).await.expect("started");
    let address = first.info().instance_url.trim_start_matches("http://").to_owned();
    let (secret, password) = (first.info().org_client_secret.clone(), first.info().password.clone());
    let tokens = user_tokens(&first).await;
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let refresh_token = tokens["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(who_am_i(&first, &access).await, StatusCode::OK);
    first.shutdown().await.expect("stopped");

    let stored = std::fs::read(&file).unwrap();
    let clear = |text: &str| stored.windows(text.len()).any(|w| w == text.as_bytes());
    assert!(!clear(&refresh_token), "refresh tokens are kept by their hash only");

    let second = Sandbox::bind(&address, on_file(&file)).await.expect("started again on the same port");
    assert_eq!(second.info().org_client_secret, secret, "the org secret is the data file's");
    assert_eq!(second.info().password, password, "so is the users' password");
    assert_eq!(who_am_i(&second, &access).await, StatusCode::OK, "a token signed before still verifies");
    let (status, body) = refresh(&second, &refresh_token).await;
    assert_eq!(status, StatusCode::OK, "the refresh token is still good (and the consent kept): {body}");
    let fresh = body["access_token"].as_str().unwrap();
    assert_eq!(who_am_i(&second, fresh).await, StatusCode::OK);
    let rotated = body["refresh_token"].as_str().unwrap();
    assert_ne!(rotated, refresh_token, "a new refresh token each time");
    let (status, body) = refresh(&second, rotated).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = refresh(&second, "not-a-token-it-issued").await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")));
    second.shutdown().await.expect("stopped");
}

#[tokio::test]
async fn explicit_secrets_win_and_memory_forgets() {
    let file = data_file("sandbox.sqlite3");
    let given = SandboxOptions {
        org_client_secret: Some(common::SECRET.into()),
        user_password: Some(d365_sandbox::directory::DEMO_PASSWORD.into()),
        ..on_file(&file)
    };
    let sandbox = Sandbox::bind("127.0.0.1:0", given).await.expect("started");
    assert_eq!(sandbox.info().org_client_secret, common::SECRET);
    assert_eq!(sandbox.info().password, d365_sandbox::directory::DEMO_PASSWORD);
    sandbox.shutdown().await.unwrap();
    let own = Sandbox::bind("127.0.0.1:0", on_file(&file)).await.expect("started");
    assert_ne!(own.info().org_client_secret, common::SECRET, "the file keeps its own random secret");
    assert_ne!(own.info().password, d365_sandbox::directory::DEMO_PASSWORD);
    own.shutdown().await.unwrap();

    let memory = || SandboxOptions { seed: 20, ..Default::default() };
    let one = Sandbox::bind("127.0.0.1:0", memory()).await.expect("started");
    let two = Sandbox::bind("127.0.0.1:0", memory()).await.expect("started");
    assert_ne!(one.info().org_client_secret, two.info().org_client_secret, "each run in memory is new");
    let tokens = user_tokens(&one).await;
    let (status, _) = refresh(&two, tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "another run knows nothing of it");
    assert_eq!(who_am_i(&two, tokens["access_token"].as_str().unwrap()).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_file_of_the_layout_before_gains_the_identity_tables_and_keeps_its_rows() {
    let file = data_file("sandbox.sqlite3");
    let sandbox = Sandbox::bind("127.0.0.1:0", on_file(&file)).await.expect("started");
    sandbox.shutdown().await.unwrap();
    {
        // What a version 3 file looks like: the same rows, no identity tables.
        let conn = rusqlite::Connection::open(&file).unwrap();
        conn.execute_batch(
            "DROP TABLE sandbox_identity; DROP TABLE sandbox_consents; DROP TABLE sandbox_refresh_tokens;
             UPDATE sandbox_meta SET value = 3 WHERE key = 'schema_version';
             UPDATE account SET name = 'Kept across the upgrade' WHERE rowid = 1;",
        )
        .unwrap();
    }
    let again = Sandbox::bind("127.0.0.1:0", on_file(&file)).await.expect("a version 3 file opens");
    let tokens = user_tokens(&again).await;
    let url = format!(
        "{}accounts?$filter=name eq 'Kept across the upgrade'&$select=name",
        again.info().web_api_url
    );
    let token = tokens["access_token"].as_str().unwrap();
    let found: Value = http().get(url).bearer_auth(token).send().await.unwrap().json().await.unwrap();
    assert_eq!(found["value"].as_array().map(Vec::len), Some(1), "{found}");
    again.shutdown().await.unwrap();

    let conn = rusqlite::Connection::open(&file).unwrap();
    conn.execute_batch("UPDATE sandbox_meta SET value = 2 WHERE key = 'schema_version';").unwrap();
    drop(conn);
    let refused =
        Sandbox::bind("127.0.0.1:0", on_file(&file)).await.err().expect("an older layout is refused");
    assert!(refused.to_string().contains("layout version 2"), "{refused}");
}
