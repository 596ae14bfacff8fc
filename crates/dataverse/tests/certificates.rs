//! Certificate files as OpenSSL writes them (tests/fixtures/certificates, made as its README says): each
//! accepted form gives the same certificate and key; each refusal says what is wrong; the assertion has the
//! shape Learn's certificate credentials page gives.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use d365_dataverse::Secret;
use d365_dataverse::certificate::{self, SigningKey};
use time::macros::datetime;

const SHA1: &str = "0624158BE44BA63FD750D2EB9F933E50CDDAE753";
const SHA256: &str = "58E7FBC611C5415ADD3E9F62F5B396156109455CE17E90AE13F9B61C8E0191D3";
const PASSWORD: &str = "fixture-pass";

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/fixtures/certificates/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn password(text: &str) -> Option<Secret> {
    Some(Secret::new(text))
}

#[test]
fn every_accepted_form_gives_the_certificate_and_its_key() {
    let plain = certificate::parse(&fixture("plain.pem"), None).unwrap();
    assert_eq!(plain.info.thumbprint, SHA1);
    assert_eq!(plain.info.thumbprint_sha256, SHA256);
    assert_eq!(plain.info.subject, "CN=D365 Desk Fixture");
    assert!(plain.info.not_after.starts_with("2126-"), "{:?}", plain.info);
    assert_eq!(plain.key.expose()[0], 0x30, "unencrypted PKCS#8 DER");
    assert_eq!(plain.expiry_warning(), None);
    let cases = [
        ("encrypted.pem", password(PASSWORD)),
        ("pkcs1.pem", None),
        ("modern.pfx", password(PASSWORD)),
        ("legacy.pfx", password(PASSWORD)),
    ];
    for (file, password) in cases {
        let parsed = certificate::parse(&fixture(file), password.as_ref())
            .unwrap_or_else(|e| panic!("{file}: {e} ({:?})", e.hint));
        assert_eq!(parsed.info, plain.info, "{file}");
        assert_eq!(parsed.key.expose(), plain.key.expose(), "{file}: the same key, as PKCS#8");
    }
    // A passphrase given for a key that has none is not needed, and not an error.
    assert!(certificate::parse(&fixture("plain.pem"), password("unused").as_ref()).is_ok());
}

#[test]
fn each_refusal_says_what_is_wrong() {
    let refused = |file: &str, password: Option<Secret>| {
        certificate::parse(&fixture(file), password.as_ref()).expect_err(file)
    };
    let cases = [
        (refused("encrypted.pem", password("wrong")), "input.certificate_password", "passphrase"),
        (refused("encrypted.pem", None), "input.certificate_password", "passphrase"),
        (refused("modern.pfx", password("wrong")), "input.certificate_password", "PFX"),
        (refused("legacy.pfx", None), "input.certificate_password", "PFX"),
        (refused("cert.pem", None), "input.certificate_no_key", "no private key"),
        (refused("mismatch.pem", None), "input.certificate_key_mismatch", "does not belong"),
        (refused("ec.pem", None), "input.certificate_key_type", "elliptic-curve"),
    ];
    for (error, kind, words) in cases {
        assert_eq!(error.kind, kind, "{error}");
        assert!(error.message.contains(words), "{error}");
        assert_eq!(error.field, Some("Certificate"));
        assert!(error.hint.is_some(), "{error}");
        assert!(!error.to_string().contains(PASSWORD), "{error}");
    }
    let junk = certificate::parse(b"not a certificate at all", None).unwrap_err();
    assert_eq!(junk.kind, "input.certificate_unreadable", "{junk}");
}

#[test]
fn an_expired_certificate_is_refused_and_one_near_its_end_warned_about() {
    let expired =
        certificate::parse_at(&fixture("plain.pem"), None, datetime!(2127-01-01 0:00 UTC)).unwrap_err();
    assert_eq!(expired.kind, "input.certificate_expired", "{expired}");
    assert!(expired.message.contains("2126-11-07"), "{expired}");
    let early =
        certificate::parse_at(&fixture("plain.pem"), None, datetime!(2020-01-01 0:00 UTC)).unwrap_err();
    assert_eq!(early.kind, "input.certificate_not_yet_valid", "{early}");
}

#[test]
fn nothing_printed_shows_the_key() {
    let parsed = certificate::parse(&fixture("plain.pem"), None).unwrap();
    let printed = format!("{parsed:?}");
    let bytes = format!("{:?}", &parsed.key.expose()[..8]);
    assert!(!printed.contains(&bytes[1..bytes.len() - 1]) && printed.contains(SHA1), "{printed}");
    assert!(printed.contains("<redacted>"), "{printed}");
    let body = base64::engine::general_purpose::STANDARD.encode(parsed.key.expose());
    let key = SigningKey::new(&parsed.key, &parsed.info.thumbprint_sha256).unwrap();
    assert!(!format!("{key:?}").contains(&body));
}

fn decode(part: &str) -> serde_json::Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

#[test]
fn the_assertion_has_learn_s_header_and_claims() {
    let parsed = certificate::parse(&fixture("plain.pem"), None).unwrap();
    let key = SigningKey::new(&parsed.key, &parsed.info.thumbprint_sha256).unwrap();
    let endpoint = "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token";
    let client = "2d7c9a41-6b3e-4f0a-9d8c-0d365de5a100";
    let first = key.assertion(endpoint, client).unwrap();
    let parts: Vec<&str> = first.expose().split('.').collect();
    assert_eq!(parts.len(), 3);
    let header = decode(parts[0]);
    assert_eq!(header["alg"], "PS256");
    assert_eq!(header["typ"], "JWT");
    let x5t = URL_SAFE_NO_PAD.decode(header["x5t#S256"].as_str().unwrap()).unwrap();
    let hex: String = x5t.iter().map(|b| format!("{b:02X}")).collect();
    assert_eq!(hex, SHA256, "x5t#S256 is the certificate's SHA-256, base64url");
    let claims = decode(parts[1]);
    assert_eq!((claims["aud"].as_str(), claims["iss"].as_str()), (Some(endpoint), Some(client)));
    assert_eq!(claims["sub"], client);
    let (nbf, iat, exp) =
        (claims["nbf"].as_i64().unwrap(), claims["iat"].as_i64().unwrap(), claims["exp"].as_i64().unwrap());
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    assert!((nbf - now).abs() < 5 && iat == nbf && exp - nbf == 600, "{claims}");
    assert!(uuid::Uuid::parse_str(claims["jti"].as_str().unwrap()).is_ok(), "jti is a GUID");
    let second = key.assertion(endpoint, client).unwrap();
    assert_ne!(
        decode(second.expose().split('.').nth(1).unwrap())["jti"],
        claims["jti"],
        "a fresh jti each time"
    );
}

mod against_the_sandbox {
    use d365_dataverse::auth;
    use d365_dataverse::certificate::{self, SigningKey};
    use d365_dataverse::session::{Grant, Session};
    use d365_dataverse::{Cloud, input};
    use d365_sandbox::directory::EXPIRED_SECRET_CLIENT_ID;
    use d365_sandbox::identity::certificates::RegisteredCertificate;
    use d365_sandbox::{Sandbox, SandboxOptions};

    use super::fixture;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02X}")).collect()
    }

    async fn session(sandbox: &Sandbox, client_id: &str, key: SigningKey) -> Session {
        let info = sandbox.info();
        let grant =
            Grant::Certificate { authority: info.authority.clone(), client_id: client_id.to_owned(), key };
        let instance = input::instance(&info.instance_url, Cloud::Public, false).unwrap();
        Session::new(auth::http_client().unwrap(), instance, grant)
    }

    #[tokio::test]
    async fn the_org_app_s_certificate_signs_in_and_others_are_diagnosed() {
        let sandbox =
            Sandbox::bind("127.0.0.1:0", SandboxOptions { seed: 5, ..Default::default() }).await.unwrap();
        let info = sandbox.info();
        let file = format!("{}{}", info.org_certificate_pem, info.org_certificate_key_pem);
        let parsed = certificate::parse(file.as_bytes(), None).unwrap();
        assert_eq!(parsed.info.thumbprint, info.org_certificate_thumbprint);
        let key = SigningKey::new(&parsed.key, &parsed.info.thumbprint_sha256).unwrap();
        let org = session(&sandbox, &info.org_client_id, key).await;
        let (who, _) = org.get("WhoAmI").await.unwrap();
        assert!(who["UserId"].is_string(), "{who}");
        assert_eq!(org.token_requests(), 1);

        // A certificate the app does not have.
        let other = certificate::parse(&fixture("plain.pem"), None).unwrap();
        let key = SigningKey::new(&other.key, &other.info.thumbprint_sha256).unwrap();
        let error = session(&sandbox, &info.org_client_id, key).await.token().await.unwrap_err();
        assert_eq!(error.kind, "auth.certificate_not_registered", "{error}");
        assert!(error.message.starts_with("AADSTS700027: ") && error.hint.is_some(), "{error}");

        // The key of a certificate Entra has as expired.
        let client = EXPIRED_SECRET_CLIENT_ID.to_string();
        let expired = &sandbox.directory().app(&client).unwrap().certificates[0];
        let expired = RegisteredCertificate::from_pem(&expired.pem).unwrap();
        let key = SigningKey::new(&parsed.key, &hex(&expired.sha256)).unwrap();
        let error = session(&sandbox, &client, key).await.token().await.unwrap_err();
        assert_eq!(error.kind, "auth.certificate_expired", "{error}");
    }
}

#[test]
fn a_broken_pem_is_refused_without_quoting_its_lines_and_a_bom_is_no_obstacle() {
    // A blank line inside the key's block: the PEM parser's own message would quote the key's first line.
    let plain = String::from_utf8(fixture("plain.pem")).unwrap();
    let at = plain.find("-----BEGIN PRIVATE KEY-----").unwrap();
    let line_end = at + plain[at..].find('\n').unwrap() + 1;
    let key_line = plain[line_end..].lines().next().unwrap().to_owned();
    let broken = format!("{}{}\n\n{}", &plain[..line_end], key_line, &plain[line_end + key_line.len() + 1..]);
    let error = certificate::parse(broken.as_bytes(), None).unwrap_err();
    let said = format!("{} {:?} {error:?}", error.message, error.hint);
    assert_eq!(error.kind, "input.certificate_unreadable");
    assert!(!said.contains(&key_line[..40]), "the key's line is not repeated: {said}");
    // A byte order mark before the PEM (Windows editors write one) is read past.
    let marked = [b"\xef\xbb\xbf".as_slice(), plain.as_bytes()].concat();
    assert!(certificate::parse(&marked, None).is_ok());
}
