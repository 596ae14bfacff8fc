//! Certificate connections: an app registration signing in with a certificate instead of a secret. The
//! file (PEM or PFX) is read once: its facts go to the profile, its key to the keyring, its password nowhere.

use d365_common::CertificateInfo;
use d365_dataverse::DataverseError;
use d365_dataverse::certificate::{self, ParsedCertificate};
use d365_vault::{ConnectionKind, NewProfile, Profile, Secret, Vault};
use serde::Serialize;

use crate::error::Result;
use crate::forms::{OrgForm, checked_org};

/// A certificate file as the form shows it before saving: its facts, and a warning when it ends soon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CertificateView {
    pub certificate: CertificateInfo,
    /// Set when it expires within 30 days (it is still accepted).
    pub expiry_warning: Option<String>,
}

impl From<&ParsedCertificate> for CertificateView {
    fn from(parsed: &ParsedCertificate) -> Self {
        Self { certificate: parsed.info.clone(), expiry_warning: parsed.expiry_warning() }
    }
}

/// Reads a certificate file (PEM or PFX, by its content) for the form: what it is, or why it cannot be used
/// (wrong password, no key, a key that is not the certificate's, expired, not RSA). Nothing is kept.
pub fn inspect_certificate(file: &[u8], password: Option<&Secret>) -> Result<CertificateView> {
    Ok(CertificateView::from(&certificate::parse(file, password)?))
}

/// Saves a certificate connection: the form's fields checked as an org connection's, the certificate's
/// facts in the profile, its key in the keyring. The warnings (an unusual instance host, a certificate that
/// ends soon) come back with it.
pub fn add_certificate(
    vault: &Vault,
    form: OrgForm,
    file: &[u8],
    password: Option<&Secret>,
) -> Result<(Profile, Vec<String>)> {
    let checked = checked_org(&form)?;
    let parsed = certificate::parse(file, password)?;
    let new = NewProfile {
        name: form.name,
        kind: ConnectionKind::Certificate,
        instance_url: checked.instance.resource(),
        tenant: Some(checked.tenant),
        client_id: Some(checked.client_id),
        cloud: form.cloud,
        authority: checked.authority,
        tag: form.tag,
        read_only: form.read_only,
    };
    let warnings = checked.instance.warning.clone().into_iter().chain(parsed.expiry_warning()).collect();
    Ok((vault.add_certificate(new, parsed.info, &parsed.key)?, warnings))
}

/// Gives an imported certificate connection its certificate, which must be the one it was made with when
/// the profile names one.
pub fn set_certificate(
    vault: &Vault,
    name_or_id: &str,
    file: &[u8],
    password: Option<&Secret>,
) -> Result<Profile> {
    let profile = vault.get(name_or_id)?;
    let parsed = certificate::parse(file, password)?;
    if let Some(expected) = &profile.certificate
        && expected.thumbprint_sha256 != parsed.info.thumbprint_sha256
    {
        return Err(DataverseError::new(
            "input.certificate_other",
            format!(
                "This is another certificate (thumbprint {}) than the connection's ({}).",
                parsed.info.thumbprint, expected.thumbprint
            ),
            Some("Use the connection's certificate, or delete and recreate the connection.".to_owned()),
        )
        .into());
    }
    Ok(vault.set_certificate(name_or_id, parsed.info, &parsed.key)?)
}
