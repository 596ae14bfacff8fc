//! HTTPS for clients that refuse plain HTTP (MSAL requires an `https` authority): a CA made for this run,
//! and a certificate it signs for `127.0.0.1` and `localhost`. Clients trust the CA through their normal
//! settings (`verify=` in Python, `NODE_EXTRA_CA_CERTS` in Node); its PEM is in the config line.

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose, SanType};

use crate::error::{Result, SandboxError};

pub struct TlsIdentity {
    /// The CA certificate clients should trust, PEM.
    pub ca_pem: String,
    /// The server's certificate chain (leaf, CA), PEM.
    pub chain_pem: String,
    /// The server's private key, PEM.
    pub key_pem: String,
}

pub fn generate() -> Result<TlsIdentity> {
    let err = |e: rcgen::Error| SandboxError::Tls(e.to_string());
    let ca_key = KeyPair::generate().map_err(err)?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
    ca_params.distinguished_name.push(DnType::CommonName, "D365 Desk Sandbox CA (this run only)");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca = ca_params.self_signed(&ca_key).map_err(err)?;
    let issuer = rcgen::Issuer::new(ca_params, ca_key);

    let key = KeyPair::generate().map_err(err)?;
    let mut params = CertificateParams::new(vec!["localhost".to_owned()]).map_err(err)?;
    params.subject_alt_names.push(SanType::IpAddress(std::net::Ipv4Addr::LOCALHOST.into()));
    params.distinguished_name.push(DnType::CommonName, "D365 Desk Sandbox");
    let leaf = params.signed_by(&key, &issuer).map_err(err)?;
    Ok(TlsIdentity {
        ca_pem: ca.pem(),
        chain_pem: format!("{}{}", leaf.pem(), ca.pem()),
        key_pem: key.serialize_pem(),
    })
}
