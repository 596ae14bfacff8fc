//! Secrets in the OS keyring: service `d365desk`, one entry per profile and secret kind
//! (`<profile id>/<kind>`). There is no other place a secret can go.

use uuid::Uuid;

use crate::error::{Result, from_keyring};
use crate::profile::SecretKind;
use d365_common::{Secret, SecretBytes};

pub const SERVICE: &str = "d365desk";

fn entry(profile: Uuid, kind: SecretKind) -> Result<keyring::Entry> {
    keyring::Entry::new(SERVICE, &format!("{profile}/{}", kind.as_str())).map_err(from_keyring)
}

pub fn store(profile: Uuid, kind: SecretKind, secret: &Secret) -> Result<()> {
    entry(profile, kind)?.set_password(secret.expose()).map_err(from_keyring)
}

pub fn load(profile: Uuid, kind: SecretKind) -> Result<Option<Secret>> {
    match entry(profile, kind)?.get_password() {
        Ok(value) => Ok(Some(Secret::new(value))),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(err) => Err(from_keyring(err)),
    }
}

/// Removes the entry; a missing one is fine (deleting is idempotent).
pub fn remove(profile: Uuid, kind: SecretKind) -> Result<()> {
    match entry(profile, kind)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(err) => Err(from_keyring(err)),
    }
}

/// Bytes (a certificate's key): the keyring's binary secret, so that it fits Windows' Credential Manager.
pub fn store_bytes(profile: Uuid, kind: SecretKind, secret: &SecretBytes) -> Result<()> {
    entry(profile, kind)?.set_secret(secret.expose()).map_err(from_keyring)
}

pub fn load_bytes(profile: Uuid, kind: SecretKind) -> Result<Option<SecretBytes>> {
    match entry(profile, kind)?.get_secret() {
        Ok(value) => Ok(Some(SecretBytes::new(value))),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(err) => Err(from_keyring(err)),
    }
}

/// Whether there is an entry, whatever it holds.
pub fn exists(profile: Uuid, kind: SecretKind) -> Result<bool> {
    Ok(load_bytes(profile, kind)?.is_some())
}
