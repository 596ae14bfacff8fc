//! Certificate credentials: a PEM (certificate + private key, the key optionally encrypted) or a PKCS#12/PFX
//! file read into the certificate's public facts and its RSA key as unencrypted PKCS#8, checked to belong
//! together. The key leaves here only as a [`Secret`] (for the keyring) or as a [`SigningKey`].
//!
//! Only RSA keys are taken: Entra's client assertions are signed PS256 (or RS256), both RSA (Learn:
//! "Microsoft identity platform application authentication certificate credentials",
//! <https://learn.microsoft.com/entra/identity-platform/certificate-credentials>).

use aws_lc_rs::digest;
use aws_lc_rs::signature::{KeyPair, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use d365_common::{CertificateInfo, Secret, SecretBytes};
use pkcs8::der::{Decode, Encode};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::error::{DataverseError, Result};

/// A certificate within this many days of its end is warned about.
pub const EXPIRY_WARNING_DAYS: i64 = 30;

const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
const FIELD: &str = "Certificate";

/// A certificate file read and checked: its facts, and its key for the keyring.
pub struct ParsedCertificate {
    pub info: CertificateInfo,
    /// The private key as unencrypted PKCS#8 DER: for the keyring only (as bytes: a PEM is too long for
    /// Windows' Credential Manager, which keeps 2560 bytes a credential).
    pub key: SecretBytes,
    /// The certificate's DER (public).
    pub der: Vec<u8>,
    pub not_after: OffsetDateTime,
}

impl std::fmt::Debug for ParsedCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParsedCertificate").field("info", &self.info).field("key", &self.key).finish()
    }
}

impl ParsedCertificate {
    /// "expires in 12 days" when the end is near (the certificate is still usable), else `None`.
    pub fn expiry_warning(&self) -> Option<String> {
        expiry_warning(self.not_after, OffsetDateTime::now_utc())
    }
}

/// The warning for a saved certificate's facts (its end is RFC 3339), as [`ParsedCertificate::expiry_warning`].
pub fn warning_for(info: &CertificateInfo) -> Option<String> {
    let not_after = OffsetDateTime::parse(&info.not_after, &Rfc3339).ok()?;
    expiry_warning(not_after, OffsetDateTime::now_utc())
}

fn expiry_warning(not_after: OffsetDateTime, now: OffsetDateTime) -> Option<String> {
    let days = (not_after - now).whole_days();
    (days < EXPIRY_WARNING_DAYS).then(|| {
        format!(
            "The certificate expires in {} (on {}): upload a new one to the app registration before then, and \
             make a new connection with it.",
            match days {
                0 => "less than a day".to_owned(),
                1 => "1 day".to_owned(),
                n => format!("{n} days"),
            },
            not_after.date()
        )
    })
}

fn refused(kind: &'static str, message: impl Into<String>, hint: &str) -> DataverseError {
    DataverseError::new(kind, message, Some(hint.to_owned())).on_field(FIELD)
}

fn wrong_password(what: &str) -> DataverseError {
    refused(
        "input.certificate_password",
        format!("the {what} is wrong (or missing)"),
        "Type the password the file was exported or encrypted with.",
    )
}

fn no_key() -> DataverseError {
    refused(
        "input.certificate_no_key",
        "the file holds no private key",
        "Use the file with the private key: a PEM with a PRIVATE KEY block after the certificate (cat cert.pem \
         key.pem > both.pem), or a .pfx exported with its private key. The .cer uploaded to Azure is only the \
         public part.",
    )
}

fn unsupported_key(what: &str) -> DataverseError {
    refused(
        "input.certificate_key_type",
        format!("its key is {what}; Entra ID's client assertions are signed with RSA keys (PS256)"),
        "Create an RSA certificate (2048 bits or more), e.g. openssl req -x509 -newkey rsa:2048 …, or New-\
         SelfSignedCertificate -KeyAlgorithm RSA -KeyLength 2048 on Windows.",
    )
}

/// Reads a certificate file: PEM or PFX by content. `password` is the PEM key's passphrase or the PFX's
/// password; it is used here and never kept. An expired or not yet valid certificate is refused: Entra ID
/// refuses it too (AADSTS700027, "the key used is expired"), so such a connection could never sign in.
pub fn parse(bytes: &[u8], password: Option<&Secret>) -> Result<ParsedCertificate> {
    parse_at(bytes, password, OffsetDateTime::now_utc())
}

/// [`parse`] as of `now` (for tests of expiry).
pub fn parse_at(bytes: &[u8], password: Option<&Secret>, now: OffsetDateTime) -> Result<ParsedCertificate> {
    // A PEM may start with a byte order mark, or with the "Bag Attributes" `openssl pkcs12 -nodes` writes.
    let text = std::str::from_utf8(bytes).ok().map(|t| t.trim_start_matches('\u{feff}'));
    let (certs, key) = match text {
        Some(text) if text.contains("-----BEGIN ") => from_pem(text, password)?,
        _ => from_pfx(bytes, password)?,
    };
    let key = key.ok_or_else(no_key)?;
    let pair = signing_pair(&key)?;
    // The certificate is the one whose public key is the key's (a PEM or PFX may carry its chain too).
    let cert = certs
        .iter()
        .find(|der| public_key_of(der).is_some_and(|public| public == pair.public_key().as_ref()))
        .ok_or_else(|| {
            if certs.is_empty() {
                refused(
                    "input.certificate_missing",
                    "the file holds a private key but no certificate",
                    "Use a PEM with the CERTIFICATE block and the key together, or the .pfx.",
                )
            } else {
                refused(
                    "input.certificate_key_mismatch",
                    "the private key does not belong to the certificate in the file",
                    "Put the certificate together with its own key (the one it was created with).",
                )
            }
        })?;
    let (info, not_before, not_after) = facts(cert)?;
    if now > not_after {
        return Err(refused(
            "input.certificate_expired",
            format!("the certificate expired on {}", not_after.date()),
            "Entra ID refuses an expired certificate. Create a new one, upload its public part to the app \
             registration (Certificates & secrets → Certificates), and use it here.",
        ));
    }
    if now < not_before {
        return Err(refused(
            "input.certificate_not_yet_valid",
            format!("the certificate is valid only from {}", not_before.date()),
            "Wait until then, or check this computer's clock.",
        ));
    }
    Ok(ParsedCertificate { info, key: SecretBytes::new(key.to_vec()), der: cert.clone(), not_after })
}

/// The costs of deriving the key from the passphrase, read from the file: refused past what any tool
/// writes (OpenSSL: 2048 PBKDF2 iterations, scrypt N=2^14), since a hostile file could otherwise ask for
/// billions of iterations or terabytes of memory and hang or abort the app.
fn check_key_derivation(scheme: &pkcs8::pkcs5::EncryptionScheme) -> Result<()> {
    use pkcs8::pkcs5::pbes2::Kdf;
    let too_costly = match scheme.pbes2().map(|params| &params.kdf) {
        Some(Kdf::Pbkdf2(params)) => params.iteration_count > 10_000_000,
        Some(Kdf::Scrypt(params)) => {
            params.cost_parameter > 1 << 20
                || u32::from(params.block_size) * u32::from(params.parallelization) > 64
        }
        _ => false,
    };
    if too_costly {
        return Err(refused(
            "input.certificate_unreadable",
            "the encrypted key asks for a key derivation far costlier than any tool writes",
            "Export the key again with your usual tool (openssl pkcs8 -topk8), or as a PFX.",
        ));
    }
    Ok(())
}

/// Unencrypted PKCS#8 DER, wiped when dropped.
type KeyDer = zeroize::Zeroizing<Vec<u8>>;

fn from_pem(text: &str, password: Option<&Secret>) -> Result<(Vec<Vec<u8>>, Option<KeyDer>)> {
    // Not the parser's own message: it may quote a line of the block, and that line may be the key's.
    let blocks = pem::parse_many(text).map_err(|_| {
        refused(
            "input.certificate_unreadable",
            "the PEM cannot be read (a block is broken: a blank or damaged line inside it?)",
            "Check the file.",
        )
    })?;
    let mut certs = Vec::new();
    let mut key = None;
    for block in blocks {
        let contents = block.contents();
        match block.tag() {
            "CERTIFICATE" => certs.push(contents.to_vec()),
            "PRIVATE KEY" => key = Some(KeyDer::new(contents.to_vec())),
            "ENCRYPTED PRIVATE KEY" => {
                let password = password.ok_or_else(|| wrong_password("passphrase of the private key"))?;
                let encrypted = pkcs8::EncryptedPrivateKeyInfoRef::from_der(contents).map_err(|_| {
                    refused(
                        "input.certificate_unreadable",
                        "the encrypted key cannot be read",
                        "Check the file.",
                    )
                })?;
                check_key_derivation(&encrypted.encryption_algorithm)?;
                let document = encrypted
                    .decrypt(password.expose().as_bytes())
                    .map_err(|_| wrong_password("passphrase of the private key"))?;
                // A wrong passphrase may still decrypt with valid padding: the result is then no key.
                pkcs8::PrivateKeyInfoRef::from_der(document.as_bytes())
                    .map_err(|_| wrong_password("passphrase of the private key"))?;
                key = Some(KeyDer::new(document.as_bytes().to_vec()));
            }
            "RSA PRIVATE KEY" if block.headers().get("Proc-Type").is_some() => {
                return Err(refused(
                    "input.certificate_legacy_encryption",
                    "the key is encrypted in OpenSSL's old format (Proc-Type: 4,ENCRYPTED)",
                    "Convert it to PKCS#8 first: openssl pkcs8 -topk8 -in key.pem -out key-pkcs8.pem (and encrypt \
                     it there if you like), then use the PEM with the certificate.",
                ));
            }
            "RSA PRIVATE KEY" => key = Some(pkcs1_to_pkcs8(contents)?),
            "EC PRIVATE KEY" => return Err(unsupported_key("an elliptic-curve (ECDSA) key")),
            _ => {}
        }
    }
    Ok((certs, key))
}

/// A PKCS#1 `RSAPrivateKey` wrapped as PKCS#8 (rsaEncryption, NULL parameters).
fn pkcs1_to_pkcs8(pkcs1: &[u8]) -> Result<KeyDer> {
    let algorithm = pkcs8::spki::AlgorithmIdentifierRef {
        oid: pkcs8::ObjectIdentifier::new_unwrap(RSA_ENCRYPTION),
        parameters: Some(pkcs8::der::asn1::AnyRef::NULL),
    };
    let octets = pkcs8::der::asn1::OctetStringRef::new(pkcs1).map_err(|_| no_key())?;
    let info = pkcs8::PrivateKeyInfoRef::new(algorithm, octets);
    Ok(KeyDer::new(info.to_der().map_err(|_| no_key())?))
}

fn from_pfx(bytes: &[u8], password: Option<&Secret>) -> Result<(Vec<Vec<u8>>, Option<KeyDer>)> {
    let password = password.map_or("", Secret::expose);
    let archive = p12_keystore::Pkcs12Archive::from_pkcs12(bytes, password).map_err(|err| match err {
        p12_keystore::error::Error::MacError(_)
        | p12_keystore::error::Error::UnpadError
        | p12_keystore::error::Error::Pkcs5Error(_) => wrong_password("password of the PFX file"),
        p12_keystore::error::Error::UnsupportedEncryptionScheme
        | p12_keystore::error::Error::UnsupportedMacAlgorithm => refused(
            "input.certificate_unreadable",
            "the PFX file is protected with an algorithm D365 Desk does not read",
            "Export it again with AES-256 (Windows: 'AES256-SHA256'; OpenSSL 3's default), or as a PEM.",
        ),
        _ => refused(
            "input.certificate_unreadable",
            "the file is neither a PEM nor a PKCS#12 (.pfx/.p12) file",
            "Use the PEM with the certificate and its private key, or the .pfx exported with its private key.",
        ),
    })?;
    let certs = archive.certs.iter().map(|bag| bag.cert.as_der().to_vec()).collect();
    let key = archive.keys.first().map(|bag| KeyDer::new(bag.key.as_der().to_vec()));
    Ok((certs, key))
}

/// The RSA key pair of a PKCS#8 DER key; any other key type is refused by name.
fn signing_pair(pkcs8_der: &[u8]) -> Result<RsaKeyPair> {
    let info = pkcs8::PrivateKeyInfoRef::from_der(pkcs8_der).map_err(|_| no_key())?;
    let oid = info.algorithm.oid.to_string();
    match oid.as_str() {
        RSA_ENCRYPTION => {}
        "1.2.840.10045.2.1" => return Err(unsupported_key("an elliptic-curve (ECDSA) key")),
        "1.3.101.112" => return Err(unsupported_key("an Ed25519 key")),
        "1.2.840.113549.1.1.10" => return Err(unsupported_key("an RSA-PSS-only key")),
        other => return Err(unsupported_key(&format!("of the type {other}"))),
    }
    RsaKeyPair::from_pkcs8(pkcs8_der).map_err(|e| {
        refused(
            "input.certificate_key_type",
            format!("its RSA key cannot be used ({e}); keys of 2048 to 8192 bits are"),
            "Create an RSA certificate of 2048 bits or more.",
        )
    })
}

/// The RSA public key (PKCS#1 `RSAPublicKey` DER) a certificate certifies.
fn public_key_of(der: &[u8]) -> Option<Vec<u8>> {
    let (_, cert) = X509Certificate::from_der(der).ok()?;
    let spki = &cert.tbs_certificate.subject_pki;
    (spki.algorithm.algorithm.to_id_string() == RSA_ENCRYPTION).then(|| spki.subject_public_key.data.to_vec())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

fn facts(der: &[u8]) -> Result<(CertificateInfo, OffsetDateTime, OffsetDateTime)> {
    let unreadable =
        || refused("input.certificate_unreadable", "the certificate cannot be read", "Check the file.");
    let (_, cert) = X509Certificate::from_der(der).map_err(|_| unreadable())?;
    let validity = cert.validity();
    let at = |t: i64| OffsetDateTime::from_unix_timestamp(t).map_err(|_| unreadable());
    let (not_before, not_after) = (at(validity.not_before.timestamp())?, at(validity.not_after.timestamp())?);
    let rfc = |t: OffsetDateTime| t.format(&Rfc3339).unwrap_or_default();
    let info = CertificateInfo {
        thumbprint: hex(digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, der).as_ref()),
        thumbprint_sha256: hex(digest::digest(&digest::SHA256, der).as_ref()),
        subject: cert.subject().to_string(),
        not_before: rfc(not_before),
        not_after: rfc(not_after),
    };
    Ok((info, not_before, not_after))
}

/// A key ready to sign client assertions, with the thumbprint it names its certificate by.
pub struct SigningKey {
    pair: RsaKeyPair,
    /// `x5t#S256`: the certificate's SHA-256, base64url.
    x5t_s256: String,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey").field("x5t#S256", &self.x5t_s256).finish_non_exhaustive()
    }
}

impl SigningKey {
    /// The keyring's PKCS#8 DER and the profile's SHA-256 thumbprint (hex).
    pub fn new(key: &SecretBytes, thumbprint_sha256: &str) -> Result<Self> {
        let unusable = || {
            DataverseError::new(
                "vault.certificate_key_unusable",
                "The certificate's private key in the keyring cannot be read.",
                Some("Delete and recreate the connection with the certificate file.".to_owned()),
            )
        };
        let pair = signing_pair(key.expose()).map_err(|_| unusable())?;
        let digest = (0..thumbprint_sha256.len())
            .step_by(2)
            .map(|i| thumbprint_sha256.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
            .collect::<Option<Vec<u8>>>()
            .filter(|d| d.len() == 32)
            .ok_or_else(unusable)?;
        Ok(Self { pair, x5t_s256: URL_SAFE_NO_PAD.encode(digest) })
    }

    /// A signed client assertion (RFC 7523) for `token_endpoint`, as Learn's certificate credentials page
    /// describes it: header `alg` PS256, `typ` JWT, `x5t#S256`; claims `aud` the token endpoint, `iss` and
    /// `sub` the client ID, a fresh GUID as `jti`, and `nbf`/`iat`/`exp` for ten minutes (MSAL's lifetime).
    pub fn assertion(&self, token_endpoint: &str, client_id: &str) -> Result<Secret> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let header = serde_json::json!({ "alg": "PS256", "typ": "JWT", "x5t#S256": self.x5t_s256 });
        let claims = serde_json::json!({
            "aud": token_endpoint,
            "iss": client_id,
            "sub": client_id,
            "jti": uuid::Uuid::new_v4().to_string(),
            "nbf": now,
            "iat": now,
            "exp": now + 600,
        });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut signature = vec![0; self.pair.public_modulus_len()];
        self.pair
            .sign(
                &aws_lc_rs::signature::RSA_PSS_SHA256,
                &aws_lc_rs::rand::SystemRandom::new(),
                signing_input.as_bytes(),
                &mut signature,
            )
            .map_err(|_| {
                DataverseError::new("auth.signing_failed", "The client assertion could not be signed.", None)
            })?;
        Ok(Secret::new(format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))))
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::expiry_warning;

    #[test]
    fn a_certificate_near_its_end_is_warned_about_in_days() {
        let now = datetime!(2026-12-01 12:00 UTC);
        assert_eq!(expiry_warning(datetime!(2027-06-01 0:00 UTC), now), None);
        let soon = expiry_warning(datetime!(2026-12-13 13:00 UTC), now).expect("a warning");
        assert!(soon.contains("in 12 days") && soon.contains("2026-12-13"), "{soon}");
        assert!(
            expiry_warning(datetime!(2026-12-02 13:00 UTC), now).is_some_and(|w| w.contains("in 1 day "))
        );
        assert!(
            expiry_warning(datetime!(2026-12-01 13:00 UTC), now).is_some_and(|w| w.contains("less than"))
        );
    }
}
