//! Certificate credentials, as Entra checks them: apps have certificates registered (their public part);
//! a client assertion (RFC 7523) names one by its thumbprint (`x5t#S256`, or SHA-1 `x5t`) and is signed with
//! its key (PS256 or RS256). Learn: "Microsoft identity platform application authentication certificate
//! credentials" (<https://learn.microsoft.com/entra/identity-platform/certificate-credentials>).
//!
//! The codes and texts: AADSTS700027 "Client assertion failed signature validation." (Learn's AADSTS error
//! list; its `[Reason - …]` details as Entra words them in its answers), 700024 "Client assertion is not
//! within its valid time range.", 700021 "Client assertion application identifier doesn't match
//! 'client_id' parameter.", 700023 "Client assertion audience claim does not match Realm issuer." (Learn:
//! "Troubleshoot Azure Identity authentication issues", ClientAssertionCredential), 50027 "Invalid JWT
//! token" (the error list). A `jti` is not checked against replays: Entra accepts an assertion again while
//! it is valid, and MSAL relies on that (it reuses one for up to ten minutes).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use rcgen::{CertificateParams, DnType, KeyPair, PKCS_RSA_SHA256};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};
use x509_parser::prelude::{FromDer, X509Certificate};

use super::errors::EntraError;
use crate::directory::AppRegistration;
use crate::error::{Result, SandboxError};

/// The form's `client_assertion_type` for a JWT (RFC 7523 section 2.2).
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How much clocks may differ (Entra allows five minutes of skew).
const SKEW: i64 = 300;

/// A certificate registered for an app: its public part only, as uploaded to Certificates & secrets.
#[derive(Debug, Clone)]
pub struct RegisteredCertificate {
    /// The certificate, PEM.
    pub pem: String,
    pub sha1: Vec<u8>,
    pub sha256: Vec<u8>,
    /// The RSA public key (PKCS#1 DER).
    public_key: Vec<u8>,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
}

fn cert_err(e: impl std::fmt::Display) -> SandboxError {
    SandboxError::SigningKey(format!("certificate: {e}"))
}

impl RegisteredCertificate {
    pub fn from_pem(pem: &str) -> Result<Self> {
        let block = pem::parse(pem).map_err(cert_err)?;
        let der = block.contents();
        let (_, cert) = X509Certificate::from_der(der).map_err(cert_err)?;
        let at = |t: i64| OffsetDateTime::from_unix_timestamp(t).map_err(cert_err);
        Ok(Self {
            pem: pem.to_owned(),
            sha1: <sha1::Sha1 as sha1::Digest>::digest(der).to_vec(),
            sha256: Sha256::digest(der).to_vec(),
            public_key: cert.tbs_certificate.subject_pki.subject_public_key.data.to_vec(),
            not_before: at(cert.validity().not_before.timestamp())?,
            not_after: at(cert.validity().not_after.timestamp())?,
        })
    }

    /// The thumbprint as the Azure portal shows it (SHA-1, upper-case hex).
    pub fn thumbprint(&self) -> String {
        self.sha1.iter().map(|b| format!("{b:02X}")).collect()
    }
}

/// A new 2048-bit RSA key, PKCS#8 PEM.
pub fn generate_key() -> Result<String> {
    Ok(KeyPair::generate_for(&PKCS_RSA_SHA256).map_err(cert_err)?.serialize_pem())
}

/// A self-signed certificate for `key_pem`, valid from `not_before` to `not_after`, PEM.
pub fn self_signed(
    key_pem: &str,
    subject: &str,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> Result<String> {
    let key = KeyPair::from_pem(key_pem).map_err(cert_err)?;
    let mut params = CertificateParams::new(Vec::<String>::new()).map_err(cert_err)?;
    params.distinguished_name.push(DnType::CommonName, subject);
    params.not_before = not_before;
    params.not_after = not_after;
    Ok(params.self_signed(&key).map_err(cert_err)?.pem())
}

#[derive(Deserialize)]
struct AssertionClaims {
    #[serde(default)]
    aud: serde_json::Value,
    #[serde(default)]
    iss: Option<String>,
    #[serde(default)]
    sub: Option<String>,
    /// NumericDate: seconds, which may have a fraction (RFC 7519 section 2; MSAL for Python sends floats).
    #[serde(default)]
    exp: Option<f64>,
    #[serde(default)]
    nbf: Option<f64>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// Checks a client assertion for `app` in Entra's order: its form, the certificate its thumbprint names
/// (registered, not expired), the signature, who it is from, for whom, and when. `audience_ok` says whether
/// an `aud` is this tenant's token endpoint.
pub fn verify_assertion(
    app: &AppRegistration,
    assertion: &str,
    audience_ok: &dyn Fn(&str) -> bool,
) -> std::result::Result<(), EntraError> {
    let header = jsonwebtoken::decode_header(assertion).map_err(|_| EntraError::invalid_jwt())?;
    if !matches!(header.alg, Algorithm::RS256 | Algorithm::PS256) {
        return Err(EntraError::invalid_jwt());
    }
    // base64url with or without its padding: MSAL pads (`urlsafe_b64encode`), and Entra takes it.
    let decode = |thumbprint: &Option<String>| {
        thumbprint.as_deref().and_then(|t| URL_SAFE_NO_PAD.decode(t.trim_end_matches('=')).ok())
    };
    let (sha256, sha1) = (decode(&header.x5t_s256), decode(&header.x5t));
    let client_id = app.client_id.to_string();
    let used = sha256.as_deref().or(sha1.as_deref()).map(hex).unwrap_or_default();
    let certificate = app
        .certificates
        .iter()
        .find(|c| Some(&c.sha256) == sha256.as_ref() || Some(&c.sha1) == sha1.as_ref())
        .ok_or_else(|| EntraError::key_not_found(&used, &client_id))?;
    let now = OffsetDateTime::now_utc();
    if now > certificate.not_after || now < certificate.not_before {
        return Err(EntraError::key_expired(&used, certificate.not_before, certificate.not_after));
    }
    let mut validation = Validation::new(header.alg);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.set_required_spec_claims::<&str>(&[]);
    let key = DecodingKey::from_rsa_der(&certificate.public_key);
    let claims = jsonwebtoken::decode::<AssertionClaims>(assertion, &key, &validation)
        .map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::InvalidSignature => {
                EntraError::invalid_signature(&used, &client_id)
            }
            _ => EntraError::invalid_jwt(),
        })?
        .claims;
    if claims.iss.as_deref() != Some(client_id.as_str()) || claims.sub.as_deref() != Some(client_id.as_str())
    {
        return Err(EntraError::assertion_client_mismatch());
    }
    if !claims.aud.as_str().is_some_and(audience_ok) {
        return Err(EntraError::assertion_audience());
    }
    let now = now.unix_timestamp();
    let (exp, nbf) = (claims.exp.map(|t| t as i64), claims.nbf.map(|t| t as i64));
    // Saturating: the times are the caller's numbers (`"exp": 1e300`).
    let expired = exp.is_none_or(|exp| now > exp.saturating_add(SKEW));
    if expired || nbf.is_some_and(|nbf| nbf > now.saturating_add(SKEW)) {
        return Err(EntraError::assertion_time(now, nbf, exp));
    }
    Ok(())
}

/// The org app's certificate and key, and an expired certificate of the same key (for the app whose
/// credentials have expired), as the sandbox registers them.
pub struct SandboxCertificates {
    pub key_pem: String,
    pub certificate: RegisteredCertificate,
    pub expired: RegisteredCertificate,
}

impl SandboxCertificates {
    /// From the key and certificate kept with the data; the expired one is made anew (never used to sign in).
    pub fn new(key_pem: String, certificate_pem: &str) -> Result<Self> {
        let now = OffsetDateTime::now_utc();
        let expired = self_signed(
            &key_pem,
            "D365 Desk Sandbox (expired)",
            now - Duration::days(400),
            now - Duration::days(3),
        )?;
        Ok(Self {
            certificate: RegisteredCertificate::from_pem(certificate_pem)?,
            expired: RegisteredCertificate::from_pem(&expired)?,
            key_pem,
        })
    }
}

impl std::fmt::Debug for SandboxCertificates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxCertificates")
            .field("certificate", &self.certificate.thumbprint())
            .finish_non_exhaustive()
    }
}
