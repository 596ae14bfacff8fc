//! What a certificate connection keeps of its certificate in the profile: its public facts, never its key
//! (the key lives only in the keyring).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CertificateInfo {
    /// SHA-1 of the certificate's DER, in upper-case hex: the "Thumbprint" the Azure portal lists under
    /// Certificates & secrets, to tell which certificate this is.
    pub thumbprint: String,
    /// SHA-256 of the DER, in upper-case hex; sent base64url-encoded as the assertion's `x5t#S256`.
    pub thumbprint_sha256: String,
    /// The subject, as `CN=…, O=…`.
    pub subject: String,
    /// The validity, RFC 3339.
    pub not_before: String,
    pub not_after: String,
}
