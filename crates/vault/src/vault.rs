//! The vault: profiles in the profiles file, their secrets in the keyring, kept consistent.

use std::path::{Path, PathBuf};

use uuid::Uuid;

use crate::error::{Result, VaultError};
use crate::portable::{self, ImportReport, PortableProfile, Skipped};
use crate::profile::{ConnectionKind, NewProfile, Profile, ProfileEdit, SecretKind, Verification};
use crate::secrets;
use crate::store::ProfileFile;
use d365_common::{CertificateInfo, Secret, SecretBytes};

/// What to do elsewhere after deleting a connection, so its access is really gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    pub steps: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Vault {
    file: ProfileFile,
}

/// Where profiles live: `D365DESK_HOME` when set, else the OS's config directory for the app.
pub fn default_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("D365DESK_HOME").filter(|h| !h.is_empty()) {
        return PathBuf::from(home);
    }
    directories::ProjectDirs::from("dev", "d365desk", "D365 Desk")
        .map_or_else(|| std::env::temp_dir().join("d365desk"), |dirs| dirs.config_dir().to_owned())
}

/// Where cached data (metadata) lives: `$D365DESK_HOME/cache` when set, else the OS's cache directory.
pub fn cache_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("D365DESK_HOME").filter(|h| !h.is_empty()) {
        return PathBuf::from(home).join("cache");
    }
    directories::ProjectDirs::from("dev", "d365desk", "D365 Desk")
        .map_or_else(|| std::env::temp_dir().join("d365desk-cache"), |dirs| dirs.cache_dir().to_owned())
}

fn invalid(field: &'static str, message: impl Into<String>) -> VaultError {
    VaultError::Invalid { field, message: message.into() }
}

fn find<'a>(profiles: &'a mut [Profile], name_or_id: &str) -> Option<&'a mut Profile> {
    profiles.iter_mut().find(|p| p.name.eq_ignore_ascii_case(name_or_id) || p.id.to_string() == name_or_id)
}

fn check_name(profiles: &[Profile], name: &str, except: Option<Uuid>) -> Result<()> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(invalid("name", "A name needs 1 to 100 characters."));
    }
    if profiles.iter().any(|p| Some(p.id) != except && p.name.eq_ignore_ascii_case(name)) {
        return Err(VaultError::DuplicateName(name.to_owned()));
    }
    Ok(())
}

impl Vault {
    pub fn open(dir: &Path) -> Self {
        Self { file: ProfileFile::new(dir) }
    }

    pub fn profiles_path(&self) -> &Path {
        self.file.path()
    }

    pub fn list(&self) -> Result<Vec<Profile>> {
        self.file.read()
    }

    pub fn get(&self, name_or_id: &str) -> Result<Profile> {
        let mut profiles = self.file.read()?;
        find(&mut profiles, name_or_id).cloned().ok_or_else(|| VaultError::NotFound(name_or_id.to_owned()))
    }

    /// Saves a new connection with its secret. The secret goes to the keyring first: if the keyring is not
    /// available nothing is written at all; if the profile cannot be written the secret is taken back out.
    pub fn add(&self, new: NewProfile, secret: Option<Secret>) -> Result<Profile> {
        if new.kind == ConnectionKind::Certificate {
            return Err(invalid("certificate", "A certificate connection is added with its certificate."));
        }
        let needed = new.kind.secret_kinds().first().copied();
        match (needed, &secret) {
            (Some(_), None) => return Err(invalid("secret", "This kind of connection needs its secret.")),
            (None, Some(_)) => return Err(invalid("secret", "This kind of connection keeps no secret.")),
            (Some(_), Some(secret)) => check_secret(secret)?,
            _ => {}
        }
        self.save(new, None, |id| match (needed, &secret) {
            (Some(kind), Some(secret)) => secrets::store(id, kind, secret),
            _ => Ok(()),
        })
    }

    /// Saves a new certificate connection: its certificate's facts in the profile, its private key (PKCS#8
    /// DER) in the keyring, nowhere else.
    pub fn add_certificate(
        &self,
        new: NewProfile,
        certificate: CertificateInfo,
        key: &SecretBytes,
    ) -> Result<Profile> {
        if new.kind != ConnectionKind::Certificate {
            return Err(invalid("certificate", "Only a certificate connection keeps a certificate."));
        }
        check_key(key)?;
        self.save(new, Some(certificate), |id| secrets::store_bytes(id, SecretKind::CertificateKey, key))
    }

    /// The keyring first (nothing is written without it), then the profile; a profile that cannot be written
    /// takes its secret back out.
    fn save(
        &self,
        new: NewProfile,
        certificate: Option<CertificateInfo>,
        store: impl FnOnce(uuid::Uuid) -> Result<()>,
    ) -> Result<Profile> {
        let needed = new.kind.secret_kinds().first().copied();
        if new.kind.is_app() && (new.tenant.is_none() || new.client_id.is_none()) {
            return Err(invalid("tenant", "An org connection needs its tenant and client ID."));
        }
        check_name(&self.file.read()?, &new.name, None)?;
        let mut profile = new.into_profile();
        profile.certificate = certificate;
        store(profile.id)?;
        let saved = profile.clone();
        let written = self.file.update(|profiles| {
            check_name(profiles, &saved.name, None)?;
            profiles.push(saved);
            Ok(())
        });
        if let Err(err) = written {
            if let Some(kind) = needed {
                let _ = secrets::remove(profile.id, kind);
            }
            return Err(err);
        }
        Ok(profile)
    }

    /// Whether `name` may be given to a new connection (not empty, not too long, not taken), for a form that
    /// checks as the user types; [`Vault::add`] checks it again.
    pub fn check_new_name(&self, name: &str) -> Result<()> {
        check_name(&self.file.read()?, name, None)
    }

    /// The connection's secret of that kind, from the keyring.
    pub fn secret(&self, profile: &Profile, kind: SecretKind) -> Result<Option<Secret>> {
        if kind == SecretKind::CertificateKey {
            return Err(invalid("secret", "A certificate's key is read with certificate_key."));
        }
        secrets::load(profile.id, kind)
    }

    /// A certificate connection's private key (PKCS#8 DER), from the keyring.
    pub fn certificate_key(&self, profile: &Profile) -> Result<Option<SecretBytes>> {
        secrets::load_bytes(profile.id, SecretKind::CertificateKey)
    }

    /// Replaces a stored token (a rotated refresh token); credentials proper are never edited.
    pub fn store_token(&self, profile: &Profile, kind: SecretKind, token: &Secret) -> Result<()> {
        if matches!(kind, SecretKind::ClientSecret | SecretKind::CertificateKey) {
            return Err(invalid(
                "secret",
                "A client secret cannot be changed: delete and recreate the connection.",
            ));
        }
        secrets::store(profile.id, kind, token)
    }

    /// Renames, retags or toggles read-only. Credentials are not editable: delete and recreate.
    pub fn edit(&self, name_or_id: &str, edit: ProfileEdit) -> Result<Profile> {
        self.file.update(|profiles| {
            let id = find(profiles, name_or_id)
                .map(|p| p.id)
                .ok_or_else(|| VaultError::NotFound(name_or_id.to_owned()))?;
            if let Some(name) = &edit.name {
                check_name(profiles, name, Some(id))?;
            }
            let profile =
                find(profiles, &id.to_string()).ok_or_else(|| VaultError::NotFound(name_or_id.to_owned()))?;
            if let Some(name) = edit.name {
                profile.name = name.trim().to_owned();
            }
            if let Some(tag) = edit.tag {
                profile.tag = tag;
            }
            if let Some(read_only) = edit.read_only {
                profile.read_only = read_only;
            }
            Ok(profile.clone())
        })
    }

    /// Keeps whom a user connection signed in as (see [`Profile::username`]).
    pub fn record_username(&self, name_or_id: &str, username: Option<String>) -> Result<Profile> {
        self.file.update(|profiles| {
            let profile =
                find(profiles, name_or_id).ok_or_else(|| VaultError::NotFound(name_or_id.to_owned()))?;
            profile.username = username;
            Ok(profile.clone())
        })
    }

    pub fn record_verification(&self, name_or_id: &str, verification: Verification) -> Result<()> {
        self.file.update(|profiles| {
            let profile =
                find(profiles, name_or_id).ok_or_else(|| VaultError::NotFound(name_or_id.to_owned()))?;
            profile.last_verification = Some(verification);
            Ok(())
        })
    }

    /// Deletes the connection and every keyring entry it has, at once. Deleting one that is not there is
    /// not an error (`None`); the revocation steps say what to do in Entra ID and Dataverse.
    pub fn remove(&self, name_or_id: &str) -> Result<Option<Revocation>> {
        let profile = match self.get(name_or_id) {
            Ok(profile) => profile,
            Err(VaultError::NotFound(_)) => return Ok(None),
            Err(err) => return Err(err),
        };
        for kind in SecretKind::ALL {
            secrets::remove(profile.id, kind)?;
        }
        self.file.update(|profiles| {
            profiles.retain(|p| p.id != profile.id);
            Ok(())
        })?;
        Ok(Some(revocation(&profile)))
    }

    /// The profiles as JSON without any secret, for moving connections between machines.
    pub fn export(&self) -> Result<String> {
        portable::to_export(&self.list()?)
    }

    /// Adds the connections of an export file in one write. Each arrives without its secret (see
    /// [`Vault::missing_credential`]); pasted-token connections and names already taken are skipped, with why.
    pub fn import(&self, connections: Vec<PortableProfile>) -> Result<ImportReport> {
        self.import_with_usernames(connections.into_iter().map(|c| (c, None)).collect())
    }

    /// [`Vault::import`], each connection with whom it signed in as elsewhere (see [`Profile::username`]),
    /// kept in the same write.
    pub fn import_with_usernames(
        &self,
        connections: Vec<(PortableProfile, Option<String>)>,
    ) -> Result<ImportReport> {
        self.file.update(|profiles| {
            let mut report = ImportReport::default();
            for (connection, username) in connections {
                let name = connection.name.clone();
                let skip = |reason: String| Skipped { name: name.clone(), reason };
                if connection.kind == ConnectionKind::Bearer {
                    report
                        .skipped
                        .push(skip("A pasted token does not travel; add the connection again.".into()));
                    continue;
                }
                if let Err(err) = check_name(profiles, &connection.name, None) {
                    report.skipped.push(skip(err.to_string()));
                    continue;
                }
                if connection.kind.is_app() && (connection.tenant.is_none() || connection.client_id.is_none())
                {
                    report.skipped.push(skip("An org connection needs its tenant and client ID.".into()));
                    continue;
                }
                let certificate = connection.certificate.clone();
                let mut profile = NewProfile::from(connection).into_profile();
                profile.certificate = certificate;
                profile.username = username;
                profiles.push(profile.clone());
                report.imported.push(profile);
            }
            Ok(report)
        })
    }

    /// The credential a connection still lacks: an imported org connection's client secret, or the refresh
    /// token of a user connection that was imported or whose token was lost.
    pub fn missing_credential(&self, profile: &Profile) -> Result<Option<SecretKind>> {
        for &kind in profile.kind.secret_kinds() {
            if !secrets::exists(profile.id, kind)? {
                return Ok(Some(kind));
            }
        }
        Ok(None)
    }

    /// Gives an org connection that has none (an imported one) its client secret. Set once, like at creation:
    /// a secret already there is never replaced.
    pub fn set_client_secret(&self, name_or_id: &str, secret: &Secret) -> Result<Profile> {
        let profile = self.get(name_or_id)?;
        if profile.kind != ConnectionKind::Org {
            return Err(invalid("secret", "Only an org connection has a client secret."));
        }
        check_secret(secret)?;
        if secrets::load(profile.id, SecretKind::ClientSecret)?.is_some() {
            return Err(invalid(
                "secret",
                "This connection already has its client secret; credentials are never changed. Delete and \
                 recreate the connection to use another.",
            ));
        }
        secrets::store(profile.id, SecretKind::ClientSecret, secret)?;
        Ok(profile)
    }

    /// Gives a certificate connection that has none (an imported one) its certificate and key, once: a key
    /// already there is never replaced.
    pub fn set_certificate(
        &self,
        name_or_id: &str,
        certificate: CertificateInfo,
        key: &SecretBytes,
    ) -> Result<Profile> {
        let profile = self.get(name_or_id)?;
        if profile.kind != ConnectionKind::Certificate {
            return Err(invalid("certificate", "Only a certificate connection has a certificate."));
        }
        check_key(key)?;
        if secrets::exists(profile.id, SecretKind::CertificateKey)? {
            return Err(invalid(
                "certificate",
                "This connection already has its certificate; credentials are never changed. Delete and \
                 recreate the connection to use another.",
            ));
        }
        secrets::store_bytes(profile.id, SecretKind::CertificateKey, key)?;
        self.file.update(|profiles| {
            let saved = find(profiles, &profile.id.to_string())
                .ok_or_else(|| VaultError::NotFound(name_or_id.to_owned()))?;
            saved.certificate = Some(certificate);
            Ok(saved.clone())
        })
    }
}

/// A PKCS#8 key is a DER SEQUENCE; anything else (a PEM's text, nothing) is a caller's mistake.
fn check_key(key: &SecretBytes) -> Result<()> {
    if key.expose().first() != Some(&0x30) {
        return Err(invalid("certificate", "The certificate's key must be PKCS#8 DER."));
    }
    Ok(())
}

fn check_secret(secret: &Secret) -> Result<()> {
    if secret.expose().is_empty() || secret.expose().trim() != secret.expose() {
        return Err(invalid("secret", "The secret is empty or has spaces around it."));
    }
    Ok(())
}

fn revocation(profile: &Profile) -> Revocation {
    let steps = match profile.kind {
        ConnectionKind::Org => vec![
            format!(
                "In Dataverse (Power Platform admin center → Environments → {} → Settings → Users + permissions → \
                 Application users), delete the application user of client ID {}.",
                profile.instance_url,
                profile.client_id.as_deref().unwrap_or("?")
            ),
            "In the Azure portal (Microsoft Entra ID → App registrations → the app → Certificates & secrets), \
             delete the client secret you used here."
                .into(),
        ],
        ConnectionKind::Certificate => vec![
            format!(
                "In Dataverse (Power Platform admin center → Environments → {} → Settings → Users + permissions → \
                 Application users), delete the application user of client ID {}.",
                profile.instance_url,
                profile.client_id.as_deref().unwrap_or("?")
            ),
            format!(
                "In the Azure portal (Microsoft Entra ID → App registrations → the app → Certificates & secrets → \
                 Certificates), delete the certificate with thumbprint {}, and the certificate file wherever you \
                 keep it.",
                profile.certificate.as_ref().map_or("?", |c| c.thumbprint.as_str())
            ),
        ],
        ConnectionKind::User => vec![
            "Remove D365 Desk's access to your account: https://myapps.microsoft.com → your profile → \
             Permissions (or https://account.microsoft.com/privacy/app-access for personal accounts)."
                .into(),
        ],
        ConnectionKind::Bearer => vec!["The pasted token stays valid until it expires; nothing else to revoke.".into()],
        ConnectionKind::Sandbox => vec!["Nothing to revoke: the sandbox is local.".into()],
    };
    Revocation { steps }
}
