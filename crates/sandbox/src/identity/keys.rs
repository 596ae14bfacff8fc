//! The RSA key that signs every token, published as a JWKS, and the access token's claims.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey};
use rsa::traits::PublicKeyParts;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::error::{Result, SandboxError};

/// Claims of a v1.0 access token, the version Dataverse is issued (its resource does not ask for v2).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AccessClaims {
    pub aud: String,
    pub iss: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub appid: String,
    /// "0" public client, "1" client secret, "2" certificate.
    pub appidacr: String,
    pub oid: String,
    pub sub: String,
    pub tid: String,
    pub uti: String,
    pub ver: String,
    /// Delegated tokens: the granted scopes (`user_impersonation`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scp: Option<String>,
    /// App-only tokens: `app`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idtyp: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unique_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Claims already verified earlier in the same request (by service protection), so the Web API's
/// extractor does not check the signature a second time.
#[derive(Debug, Clone)]
pub struct VerifiedToken(pub AccessClaims);

fn key_err(e: &dyn std::fmt::Display) -> SandboxError {
    SandboxError::SigningKey(e.to_string())
}

pub struct SigningKeys {
    kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    jwk: Value,
}

impl SigningKeys {
    /// A fresh 2048-bit key. Tokens signed with another key are not valid, as after a key rollover.
    pub fn generate() -> Result<Self> {
        Self::from_der(&Self::generate_der()?)
    }

    /// A fresh 2048-bit key as PKCS#1 DER, to keep (with a data file, the sandbox keeps its key, so tokens
    /// signed before a restart still verify after it).
    pub fn generate_der() -> Result<Vec<u8>> {
        let private = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).map_err(|e| key_err(&e))?;
        Ok(private.to_pkcs1_der().map_err(|e| key_err(&e))?.as_bytes().to_vec())
    }

    /// The key kept as PKCS#1 DER.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let private = rsa::RsaPrivateKey::from_pkcs1_der(der).map_err(|e| key_err(&e))?;
        let der = private.to_pkcs1_der().map_err(|e| key_err(&e))?;
        let n = URL_SAFE_NO_PAD.encode(private.n().to_bytes_be());
        let e = URL_SAFE_NO_PAD.encode(private.e().to_bytes_be());
        let kid = URL_SAFE_NO_PAD.encode(&Sha256::digest(n.as_bytes())[..20]);
        Ok(Self {
            encoding: EncodingKey::from_rsa_der(der.as_bytes()),
            decoding: DecodingKey::from_rsa_components(&n, &e).map_err(|e| key_err(&e))?,
            jwk: json!({ "kty": "RSA", "use": "sig", "kid": kid, "n": n, "e": e, "alg": "RS256" }),
            kid,
        })
    }

    /// The `keys` document served at `discovery/v2.0/keys`, with the issuer Entra adds to each key.
    pub fn jwks(&self, issuer: &str) -> Value {
        let mut jwk = self.jwk.clone();
        jwk["issuer"] = Value::String(issuer.to_owned());
        json!({ "keys": [jwk] })
    }

    pub fn sign<T: Serialize>(&self, claims: &T) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        header.typ = Some("JWT".into());
        // Signing serialisable claims with a valid RSA key cannot fail.
        jsonwebtoken::encode(&header, claims, &self.encoding).unwrap_or_default()
    }

    /// Checks the signature and the expiry of an access token (audience and issuer are the caller's
    /// business, so that it can say which one is wrong).
    pub fn verify(&self, token: &str) -> std::result::Result<AccessClaims, jsonwebtoken::errors::Error> {
        let mut validation = Validation::new(Algorithm::RS256);
        validation.leeway = 0;
        validation.validate_aud = false;
        validation.set_required_spec_claims(&["exp", "aud", "iss"]);
        jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &validation).map(|data| data.claims)
    }
}
