//! The vault against a real Secret Service (gnome-keyring in the private D-Bus session that
//! `scripts/test-env.sh` starts; `make test-rust` runs these there) and real files.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

use std::path::PathBuf;

use d365_vault::{
    Cloud, ConnectionKind, EnvironmentTag, KEYRING_SERVICE, NewProfile, ProfileEdit, Secret, SecretKind,
    Vault, VaultError,
};

const SECRET: &str = "Zq88Q~a-very-secret-client-secret-value-42";

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("d365desk-vault-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn org(name: &str) -> NewProfile {
    NewProfile {
        name: name.into(),
        kind: ConnectionKind::Org,
        instance_url: "https://contoso.crm.dynamics.com".into(),
        tenant: Some("6c3a3f5e-2d1b-4c8e-9a57-0d365de5a000".into()),
        client_id: Some("2d7c9a41-6b3e-4f0a-9d8c-0d365de5a100".into()),
        cloud: Cloud::Public,
        authority: None,
        tag: Some(EnvironmentTag::Dev),
        read_only: None,
    }
}

/// Reads the keyring directly, not through the vault.
fn keyring_value(id: uuid::Uuid, kind: &str) -> Option<String> {
    match keyring::Entry::new(KEYRING_SERVICE, &format!("{id}/{kind}")).unwrap().get_password() {
        Ok(value) => Some(value),
        Err(keyring::Error::NoEntry) => None,
        Err(other) => panic!("the keyring failed: {other}"),
    }
}

#[test]
fn the_secret_goes_to_the_keyring_and_nowhere_else() {
    let dir = temp_dir();
    let vault = Vault::open(&dir);
    let profile = vault.add(org("Contoso Dev"), Some(Secret::new(SECRET))).unwrap();
    assert_eq!(keyring_value(profile.id, "client_secret").as_deref(), Some(SECRET));
    assert_eq!(vault.secret(&profile, SecretKind::ClientSecret).unwrap().unwrap().expose(), SECRET);
    let mut scanned = Vec::new();
    for file in std::fs::read_dir(&dir).unwrap() {
        let path = file.unwrap().path();
        let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
        assert!(!text.contains(SECRET), "{} holds the secret", path.display());
        scanned.push(path.file_name().unwrap().to_string_lossy().into_owned());
    }
    assert!(scanned.iter().any(|f| f == "profiles.json"), "the profiles file was scanned: {scanned:?}");
    assert!(!vault.export().unwrap().contains(SECRET));
    assert_eq!(vault.list().unwrap(), vec![profile.clone()]);
    assert!(!format!("{profile:?}").contains(SECRET));
    vault.remove(&profile.id.to_string()).unwrap();
}

#[test]
fn removing_wipes_the_keyring_and_the_file_and_can_be_repeated() {
    let vault = Vault::open(&temp_dir());
    let profile = vault.add(org("Short-lived"), Some(Secret::new(SECRET))).unwrap();
    let refresh = Secret::new("a-rotated-refresh-token");
    vault.store_token(&profile, SecretKind::RefreshToken, &refresh).unwrap();
    let revocation = vault.remove("short-LIVED").unwrap().expect("it existed");
    assert!(revocation.steps.iter().any(|s| s.contains("application user")), "{:?}", revocation.steps);
    assert_eq!(keyring_value(profile.id, "client_secret"), None);
    assert_eq!(keyring_value(profile.id, "refresh_token"), None, "every entry of the profile goes");
    assert!(vault.list().unwrap().is_empty());
    assert!(vault.remove("Short-lived").unwrap().is_none(), "deleting again is not an error");
}

#[test]
fn names_are_unique_and_only_name_tag_and_read_only_change() {
    let vault = Vault::open(&temp_dir());
    let first = vault.add(org("Contoso"), Some(Secret::new(SECRET))).unwrap();
    let duplicate = vault.add(org("CONTOSO"), Some(Secret::new(SECRET))).unwrap_err();
    assert!(matches!(duplicate, VaultError::DuplicateName(_)), "{duplicate}");
    assert_eq!(duplicate.kind(), "vault.duplicate_name");

    let edited = vault
        .edit(
            "Contoso",
            ProfileEdit {
                name: Some("Contoso Prod".into()),
                tag: Some(Some(EnvironmentTag::Prod)),
                read_only: Some(true),
            },
        )
        .unwrap();
    assert_eq!(
        (edited.name.as_str(), edited.tag, edited.read_only),
        ("Contoso Prod", Some(EnvironmentTag::Prod), true)
    );
    assert_eq!(edited.id, first.id);
    let refused = vault.store_token(&edited, SecretKind::ClientSecret, &Secret::new("new")).unwrap_err();
    assert_eq!(refused.kind(), "vault.invalid_input", "credentials are not editable");

    let mut prod = org("Fabrikam Prod");
    prod.tag = Some(EnvironmentTag::Prod);
    assert!(vault.add(prod, Some(Secret::new(SECRET))).unwrap().read_only, "prod is read-only by default");
    for name in ["Contoso Prod", "Fabrikam Prod"] {
        vault.remove(name).unwrap();
    }
}

#[test]
fn bad_input_is_refused_before_anything_is_stored() {
    let vault = Vault::open(&temp_dir());
    for (profile, secret) in [
        (org(""), Some(Secret::new(SECRET))),
        (org("No secret"), None),
        (org("Spaces"), Some(Secret::new(" padded "))),
        (NewProfile { tenant: None, ..org("No tenant") }, Some(Secret::new(SECRET))),
        (
            NewProfile { kind: ConnectionKind::Sandbox, ..org("Sandbox with secret") },
            Some(Secret::new(SECRET)),
        ),
    ] {
        let name = profile.name.clone();
        let err = vault.add(profile, secret).unwrap_err();
        assert_eq!(err.kind(), "vault.invalid_input", "{name}: {err}");
    }
    assert!(!vault.profiles_path().exists(), "nothing was written");
}

#[test]
fn a_corrupt_file_is_reported_and_left_alone() {
    let dir = temp_dir();
    let vault = Vault::open(&dir);
    std::fs::write(vault.profiles_path(), "{ this is not json").unwrap();
    let err = vault.list().unwrap_err();
    assert_eq!(err.kind(), "vault.corrupt_profiles");
    assert!(err.hint().unwrap().contains(".bak"));
    let err = vault.add(org("Would overwrite"), Some(Secret::new(SECRET))).unwrap_err();
    assert_eq!(err.kind(), "vault.corrupt_profiles");
    assert_eq!(
        std::fs::read_to_string(vault.profiles_path()).unwrap(),
        "{ this is not json",
        "never overwritten"
    );

    std::fs::write(vault.profiles_path(), r#"{"format": 99, "profiles": []}"#).unwrap();
    assert_eq!(vault.list().unwrap_err().kind(), "vault.newer_format");
}

#[test]
fn the_previous_file_is_kept_as_a_backup() {
    let dir = temp_dir();
    let vault = Vault::open(&dir);
    let first = vault.add(org("First"), Some(Secret::new(SECRET))).unwrap();
    let second = vault.add(org("Second"), Some(Secret::new(SECRET))).unwrap();
    let backup: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("profiles.json.bak")).unwrap()).unwrap();
    assert_eq!(backup["profiles"].as_array().unwrap().len(), 1);
    assert_eq!(backup["format"], 1);
    for profile in [first, second] {
        vault.remove(&profile.name).unwrap();
    }
}

#[test]
fn concurrent_writers_keep_each_others_changes() {
    let dir = temp_dir();
    let writers: Vec<_> = (0..2)
        .map(|writer| {
            let dir = dir.clone();
            std::thread::spawn(move || {
                // Each writer has its own Vault, as the app and the CLI would.
                let vault = Vault::open(&dir);
                for n in 0..8 {
                    let new =
                        NewProfile { kind: ConnectionKind::Sandbox, ..org(&format!("Writer {writer} #{n}")) };
                    vault.add(new, None).unwrap();
                }
            })
        })
        .collect();
    for writer in writers {
        writer.join().unwrap();
    }
    assert_eq!(Vault::open(&dir).list().unwrap().len(), 16);
}

#[cfg(unix)]
#[test]
fn the_profiles_file_its_backup_lock_and_folder_are_this_user_s_only() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    let dir = temp_dir().join("new-folder");
    let vault = Vault::open(&dir);
    let first = vault.add(org("First"), Some(Secret::new(SECRET))).unwrap();
    let second = vault.add(org("Second"), Some(Secret::new(SECRET))).unwrap();
    for file in ["profiles.json", "profiles.json.bak", "profiles.lock"] {
        assert_eq!(mode(&dir.join(file)), 0o600, "{file}");
    }
    assert_eq!(mode(&dir), 0o700, "the folder the vault created");
    for profile in [first, second] {
        vault.remove(&profile.id.to_string()).unwrap();
    }
}

#[test]
fn a_format_number_too_large_for_32_bits_is_a_newer_format_not_a_wrapped_one() {
    let dir = temp_dir();
    // 2^32 + 1 would wrap to format 1, which this version reads.
    std::fs::write(dir.join("profiles.json"), r#"{"format": 4294967297, "profiles": []}"#).unwrap();
    match Vault::open(&dir).list() {
        Err(VaultError::NewerFormat { found, .. }) => assert_eq!(found, u32::MAX),
        other => panic!("expected a newer format, got {other:?}"),
    }
}

#[test]
fn a_profiles_file_that_cannot_be_read_is_an_error_not_an_empty_list() {
    let vault = Vault::open(&temp_dir());
    // A folder where the file should be: reading it fails, and not as "no file yet".
    std::fs::create_dir(vault.profiles_path()).unwrap();
    let err = vault.list().unwrap_err();
    assert_eq!(err.kind(), "vault.io", "{err}");
    let err = vault.add(org("Would replace it"), Some(Secret::new(SECRET))).unwrap_err();
    assert_eq!(err.kind(), "vault.io", "{err}");
    assert!(vault.profiles_path().is_dir(), "left as it was");
}

#[test]
fn names_have_one_to_a_hundred_characters() {
    let vault = Vault::open(&temp_dir());
    let longest = "é".repeat(100); // characters, not bytes
    let too_long = "é".repeat(101);
    assert!(vault.check_new_name(&longest).is_ok());
    assert_eq!(vault.check_new_name(&too_long).unwrap_err().kind(), "vault.invalid_input");
    assert_eq!(vault.check_new_name("   ").unwrap_err().kind(), "vault.invalid_input");
    let kept = vault.add(NewProfile { kind: ConnectionKind::Sandbox, ..org(&longest) }, None).unwrap();
    let refused =
        vault.add(NewProfile { kind: ConnectionKind::Sandbox, ..org(&too_long) }, None).unwrap_err();
    assert_eq!(refused.kind(), "vault.invalid_input");
    assert_eq!(vault.list().unwrap(), vec![kept]);
}

#[test]
fn a_new_name_is_checked_against_the_names_taken() {
    let vault = Vault::open(&temp_dir());
    vault.add(NewProfile { kind: ConnectionKind::Sandbox, ..org("Contoso Dev") }, None).unwrap();
    let taken = vault.check_new_name("  contoso DEV ").unwrap_err();
    assert!(matches!(taken, VaultError::DuplicateName(ref name) if name == "contoso DEV"), "{taken:?}");
    assert!(vault.check_new_name("Contoso Test").is_ok());
}

#[test]
fn a_verification_is_recorded_on_its_profile() {
    let vault = Vault::open(&temp_dir());
    let profile = vault.add(NewProfile { kind: ConnectionKind::Sandbox, ..org("Checked") }, None).unwrap();
    assert_eq!(profile.last_verification, None);
    let verification = d365_vault::Verification {
        at: time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000),
        ok: false,
        summary: "auth.invalid_secret".into(),
        category: None,
    };
    vault.record_verification("checked", verification.clone()).unwrap();
    assert_eq!(vault.get("Checked").unwrap().last_verification, Some(verification.clone()));
    let reread = Vault::open(vault.profiles_path().parent().unwrap()).list().unwrap();
    assert_eq!(reread[0].last_verification, Some(verification.clone()), "written to the file");
    let missing = vault.record_verification("Nobody", verification).unwrap_err();
    assert_eq!(missing.kind(), "vault.not_found");
}

#[test]
fn a_verification_category_this_version_does_not_know_reads_as_none() {
    let dir = temp_dir();
    let file = r#"{"format": 1, "profiles": [{"id": "6c3a3f5e-2d1b-4c8e-9a57-0d365de5a0aa", "name": "Newer",
        "kind": "org", "instance_url": "https://contoso.crm.dynamics.com", "created": "2026-01-01T00:00:00Z",
        "last_verification": {"at": "2026-01-02T00:00:00Z", "ok": false, "summary": "x.y", "category": "from_the_future"}}]}"#;
    std::fs::write(dir.join("profiles.json"), file).unwrap();
    let profiles = Vault::open(&dir).list().expect("a newer category does not make the file unreadable");
    assert_eq!(profiles[0].last_verification.as_ref().unwrap().category, None);
}

fn certificate_info() -> d365_vault::CertificateInfo {
    d365_vault::CertificateInfo {
        thumbprint: "0624158BE44BA63FD750D2EB9F933E50CDDAE753".into(),
        thumbprint_sha256: "58E7FBC611C5415ADD3E9F62F5B396156109455CE17E90AE13F9B61C8E0191D3".into(),
        subject: "CN=D365 Desk Fixture".into(),
        not_before: "2026-12-01T18:00:41Z".into(),
        not_after: "2126-11-07T18:00:41Z".into(),
    }
}

/// Reads a binary keyring entry directly.
fn keyring_bytes(id: uuid::Uuid, kind: &str) -> Option<Vec<u8>> {
    match keyring::Entry::new(KEYRING_SERVICE, &format!("{id}/{kind}")).unwrap().get_secret() {
        Ok(value) => Some(value),
        Err(keyring::Error::NoEntry) => None,
        Err(other) => panic!("the keyring failed: {other}"),
    }
}

#[test]
fn a_certificate_s_key_goes_to_the_keyring_its_facts_to_the_profile_and_delete_wipes_it() {
    let dir = temp_dir();
    let vault = Vault::open(&dir);
    // A stand-in for PKCS#8 DER: a SEQUENCE with a recognisable body.
    let mut der = vec![0x30, 0x40];
    der.extend(b"MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC-key-material");
    let key = d365_vault::SecretBytes::new(der.clone());
    let new = NewProfile { kind: ConnectionKind::Certificate, ..org("Contoso Cert") };
    assert!(vault.add(new.clone(), Some(Secret::new(SECRET))).is_err(), "not through add");
    let profile = vault.add_certificate(new, certificate_info(), &key).unwrap();
    assert_eq!(profile.certificate, Some(certificate_info()));
    assert_eq!(keyring_bytes(profile.id, "certificate_key"), Some(der.clone()));
    assert_eq!(vault.certificate_key(&profile).unwrap().unwrap().expose(), der.as_slice());
    assert_eq!(vault.missing_credential(&profile).unwrap(), None);
    let file = std::fs::read_to_string(dir.join("profiles.json")).unwrap();
    assert!(
        file.contains("\"kind\": \"certificate\"") && file.contains(&certificate_info().thumbprint),
        "{file}"
    );
    assert!(
        !file.contains("key-material") && !file.contains("MIIEvQ"),
        "no key in the profiles file: {file}"
    );
    assert!(!format!("{profile:?}{key:?}").contains("key-material"));
    assert!(vault.set_certificate("Contoso Cert", certificate_info(), &key).is_err(), "never replaced");
    assert!(
        vault.add_certificate(org("Not a cert"), certificate_info(), &key).is_err(),
        "an org connection keeps no certificate"
    );
    let revocation = vault.remove("Contoso Cert").unwrap().unwrap();
    assert!(
        revocation.steps.iter().any(|s| s.contains(&certificate_info().thumbprint)),
        "{:?}",
        revocation.steps
    );
    assert_eq!(keyring_bytes(profile.id, "certificate_key"), None, "deleting wipes the key");
}
