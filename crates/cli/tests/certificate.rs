//! `d365 connection add org --certificate FILE` end to end: the real binary, the real keyring, and the
//! in-process sandbox, whose org app has the certificate of its config line registered.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use base64::Engine;
use common::{d365, d365_with, home, json, sandbox};
use d365_sandbox::Sandbox;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../dataverse/tests/fixtures/certificates").join(name)
}

fn add_args<'a>(sandbox: &'a Sandbox, name: &'a str, file: &'a str) -> Vec<&'a str> {
    let info = sandbox.info();
    vec![
        "--json",
        "connection",
        "add",
        "org",
        "--name",
        name,
        "--instance",
        &info.instance_url,
        "--tenant",
        &info.tenant_id,
        "--client-id",
        &info.org_client_id,
        "--authority",
        &info.authority,
        "--certificate",
        file,
    ]
}

fn keyring_key(profile_id: &str) -> Option<Vec<u8>> {
    match keyring::Entry::new("d365desk", &format!("{profile_id}/certificate_key")).unwrap().get_secret() {
        Ok(key) => Some(key),
        Err(keyring::Error::NoEntry) => None,
        Err(other) => panic!("keyring: {other}"),
    }
}

fn all(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// Base64 runs of a PEM key's body, as they would appear if the key leaked anywhere as text.
fn key_texts(key_pem: &str, der: &[u8]) -> Vec<String> {
    let body: String = key_pem.lines().filter(|l| !l.starts_with("-----")).collect();
    vec![body[40..100].to_owned(), base64::engine::general_purpose::STANDARD.encode(der)[40..100].to_owned()]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_connection_is_added_verified_listed_and_removed() {
    let sandbox = sandbox().await;
    let info = sandbox.info().clone();
    let home = home();
    let file = home.join("sandbox-org.pem");
    std::fs::write(&file, format!("{}{}", info.org_certificate_pem, info.org_certificate_key_pem)).unwrap();
    let path = file.to_string_lossy().into_owned();
    let trace = [("D365_LOG", "trace")];
    let added =
        tokio::task::block_in_place(|| d365_with(&home, &add_args(&sandbox, "Cert Org", &path), "", &trace));
    assert!(added.status.success(), "{}", all(&added));
    let profile = json(&added)["added"].clone();
    assert_eq!(profile["kind"], "certificate");
    assert_eq!(profile["certificate"]["thumbprint"], info.org_certificate_thumbprint.as_str());
    let id = profile["id"].as_str().unwrap().to_owned();
    let key = keyring_key(&id).expect("the key is in the keyring");
    assert_eq!(key[0], 0x30, "as PKCS#8 DER");

    let listed = tokio::task::block_in_place(|| d365(&home, &["connection", "list"], ""));
    let line = String::from_utf8_lossy(&listed.stdout).into_owned();
    assert!(line.contains("org (certificate)") && line.contains(&info.org_certificate_thumbprint), "{line}");
    assert!(line.contains(" until 20"), "the expiry is shown: {line}");
    let shown =
        tokio::task::block_in_place(|| d365(&home, &["--json", "connection", "show", "cert org"], ""));
    let shown = json(&shown)["connections"][0].clone();
    assert!(shown["certificate"]["not_after"].is_string() && shown["needs"].is_null(), "{shown}");

    let verified =
        tokio::task::block_in_place(|| d365_with(&home, &["connection", "verify", "Cert Org"], "", &trace));
    assert!(verified.status.success(), "{}", all(&verified));
    assert!(String::from_utf8_lossy(&verified.stdout).contains("organization  Contoso Sandbox"));

    let profiles = std::fs::read_to_string(home.join("profiles.json")).unwrap();
    assert!(profiles.contains(&info.org_certificate_thumbprint), "the profile names its certificate");
    for text in key_texts(&info.org_certificate_key_pem, &key) {
        assert!(!profiles.contains(&text), "no key in the profiles file");
        for output in [&added, &listed, &verified] {
            assert!(!all(output).contains(&text), "no output or log shows the key");
        }
    }

    let removed = tokio::task::block_in_place(|| d365(&home, &["connection", "remove", "Cert Org"], ""));
    assert!(removed.status.success(), "{}", all(&removed));
    assert!(
        String::from_utf8_lossy(&removed.stdout).contains(&info.org_certificate_thumbprint),
        "{}",
        all(&removed)
    );
    assert_eq!(keyring_key(&id), None, "removing wipes the key");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passwords_come_from_stdin_or_the_environment_and_an_unregistered_certificate_is_diagnosed() {
    let sandbox = sandbox().await;
    let home = home();
    let encrypted = fixture("encrypted.pem").to_string_lossy().into_owned();
    let mut args = add_args(&sandbox, "Encrypted", &encrypted);
    args.push("--certificate-password-stdin");
    let wrong = tokio::task::block_in_place(|| d365(&home, &args, "not-the-pass\n"));
    assert_eq!(wrong.status.code(), Some(2), "{}", all(&wrong));
    assert_eq!(json(&wrong)["error"]["kind"], "input.certificate_password");
    assert!(!all(&wrong).contains("not-the-pass"));
    let none = tokio::task::block_in_place(|| d365(&home, &add_args(&sandbox, "Encrypted", &encrypted), ""));
    assert_eq!(json(&none)["error"]["kind"], "input.certificate_password", "{}", all(&none));

    let added = tokio::task::block_in_place(|| d365(&home, &args, "fixture-pass\n"));
    assert!(added.status.success(), "{}", all(&added));
    let pfx = fixture("modern.pfx").to_string_lossy().into_owned();
    let env = [("D365_CERTIFICATE_PASSWORD", "fixture-pass")];
    let from_pfx =
        tokio::task::block_in_place(|| d365_with(&home, &add_args(&sandbox, "From PFX", &pfx), "", &env));
    assert!(from_pfx.status.success(), "{}", all(&from_pfx));

    // Not the org app's certificate: Entra's AADSTS700027, with what to do.
    let verified =
        tokio::task::block_in_place(|| d365(&home, &["--json", "connection", "verify", "Encrypted"], ""));
    assert_eq!(verified.status.code(), Some(3), "{}", all(&verified));
    let error = json(&verified)["error"].clone();
    assert_eq!(error["kind"], "auth.certificate_not_registered", "{error}");
    assert!(error["hint"].as_str().unwrap().contains("Upload certificate"), "{error}");

    let key_file = fixture("mismatch.pem").to_string_lossy().into_owned();
    let mismatch =
        tokio::task::block_in_place(|| d365(&home, &add_args(&sandbox, "Mismatch", &key_file), ""));
    assert_eq!(json(&mismatch)["error"]["kind"], "input.certificate_key_mismatch", "{}", all(&mismatch));
    for name in ["Encrypted", "From PFX"] {
        tokio::task::block_in_place(|| d365(&home, &["connection", "remove", name], ""));
    }
}

#[test]
fn a_certificate_is_read_only_from_a_file_within_256_kib() {
    let home = home();
    let large = home.join("huge.pem");
    std::fs::File::create(&large).unwrap().set_len(256 * 1024 + 1).unwrap();
    let tenant = "contoso.onmicrosoft.com";
    let client = "0b6f0b57-7e3f-4c1e-9d9e-6f0a1f2b3c4d";
    let add = |file: &str| {
        let args = [
            "--json",
            "connection",
            "add",
            "org",
            "--name",
            "Large",
            "--instance",
            "https://contoso.crm.dynamics.com",
            "--tenant",
            tenant,
            "--client-id",
            client,
            "--certificate",
            file,
        ];
        d365(&home, &args, "")
    };
    let refused = add(large.to_str().unwrap());
    assert_eq!(json(&refused)["error"]["kind"], "input.certificate_unreadable", "{}", all(&refused));
    assert!(all(&refused).contains("too large to be a certificate file"), "{}", all(&refused));
    let directory = add(home.to_str().unwrap());
    assert!(all(&directory).contains("is not a file"), "{}", all(&directory));
}
