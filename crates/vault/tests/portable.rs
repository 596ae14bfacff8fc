//! Export and import: connections move between machines without their secrets, and arrive needing them
//! once. Against the real Secret Service that `scripts/test-env.sh` starts.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

use std::path::PathBuf;

use d365_vault::portable::{self, EXPORT_FORMAT};
use d365_vault::{Cloud, ConnectionKind, EnvironmentTag, NewProfile, Secret, SecretKind, Vault, VaultError};

const SECRET: &str = "Zq88Q~portable-client-secret-value-7";

fn vault() -> Vault {
    let dir: PathBuf = std::env::temp_dir().join(format!("d365desk-portable-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    Vault::open(&dir)
}

fn new(name: &str, kind: ConnectionKind) -> NewProfile {
    NewProfile {
        name: name.into(),
        kind,
        instance_url: "https://contoso.crm4.dynamics.com".into(),
        tenant: Some("6c3a3f5e-2d1b-4c8e-9a57-0d365de5a000".into()),
        client_id: Some("2d7c9a41-6b3e-4f0a-9d8c-0d365de5a100".into()),
        cloud: Cloud::Public,
        authority: None,
        tag: Some(EnvironmentTag::Uat),
        read_only: Some(true),
    }
}

#[test]
fn an_export_carries_settings_and_no_secret_and_imports_needing_it_once() {
    let source = vault();
    let org = source.add(new("Contoso UAT", ConnectionKind::Org), Some(Secret::new(SECRET))).unwrap();
    let user = source.add(new("Me on UAT", ConnectionKind::User), Some(Secret::new("refresh-abc"))).unwrap();
    source.add(new("Pasted", ConnectionKind::Bearer), Some(Secret::new("eyJ.pasted.token"))).unwrap();
    let exported = source.export().unwrap();
    for leaked in [SECRET, "refresh-abc", "eyJ.pasted.token", &org.id.to_string()] {
        assert!(!exported.contains(leaked), "the export holds {leaked}");
    }

    let target = vault();
    let report = target.import(portable::from_export(&exported).unwrap()).unwrap();
    let names: Vec<_> = report.imported.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Contoso UAT", "Me on UAT"]);
    assert_eq!(report.skipped.len(), 1);
    assert!(report.skipped[0].reason.contains("token does not travel"), "{:?}", report.skipped);

    let imported = target.get("Contoso UAT").unwrap();
    assert_ne!(imported.id, org.id, "a new identity on the new machine");
    assert_eq!(
        (imported.tag, imported.read_only, &imported.tenant, &imported.client_id),
        (Some(EnvironmentTag::Uat), true, &org.tenant, &org.client_id)
    );
    assert_eq!(target.missing_credential(&imported).unwrap(), Some(SecretKind::ClientSecret));
    assert_eq!(
        target.missing_credential(&target.get("Me on UAT").unwrap()).unwrap(),
        Some(SecretKind::RefreshToken)
    );
    assert_eq!(source.missing_credential(&user).unwrap(), None);

    target.set_client_secret("Contoso UAT", &Secret::new(SECRET)).unwrap();
    assert_eq!(target.missing_credential(&imported).unwrap(), None);
    let again = target.set_client_secret("Contoso UAT", &Secret::new("another-secret")).unwrap_err();
    assert!(again.to_string().contains("never changed"), "{again}");
    assert_eq!(target.secret(&imported, SecretKind::ClientSecret).unwrap().unwrap().expose(), SECRET);

    for vault in [&source, &target] {
        for profile in vault.list().unwrap() {
            vault.remove(&profile.id.to_string()).unwrap();
        }
    }
}

#[test]
fn importing_twice_skips_the_names_already_taken() {
    let target = vault();
    let file = format!(
        r#"{{"format":"{EXPORT_FORMAT}","version":1,"connections":[
            {{"name":"Sandbox","kind":"sandbox","instance_url":"sandbox://local"}},
            {{"name":"sandbox","kind":"sandbox","instance_url":"sandbox://local"}}]}}"#
    );
    let first = target.import(portable::from_export(&file).unwrap()).unwrap();
    assert_eq!(first.imported.len(), 1, "the second differs only in case: {first:?}");
    assert!(first.skipped[0].reason.contains("already exists"));
    let second = target.import(portable::from_export(&file).unwrap()).unwrap();
    assert!(second.imported.is_empty());
    assert_eq!(target.list().unwrap().len(), 1);
}

#[test]
fn an_org_connection_without_its_tenant_or_its_client_id_is_skipped() {
    let target = vault();
    let org = |name: &str, extra: &str| {
        format!(
            r#"{{"name":"{name}","kind":"org","instance_url":"https://contoso.crm.dynamics.com"{extra}}}"#
        )
    };
    let tenant = r#","tenant":"contoso.onmicrosoft.com""#;
    let client = r#","client_id":"2d7c9a41-6b3e-4f0a-9d8c-0d365de5a100""#;
    let connections = [
        org("No client ID", tenant),
        org("No tenant", client),
        org("Neither", ""),
        org("Both", &format!("{tenant}{client}")),
    ];
    let file =
        format!(r#"{{"format":"{EXPORT_FORMAT}","version":1,"connections":[{}]}}"#, connections.join(","));
    let report = target.import(portable::from_export(&file).unwrap()).unwrap();
    let imported: Vec<&str> = report.imported.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(imported, ["Both"]);
    let skipped: Vec<&str> = report.skipped.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(skipped, ["No client ID", "No tenant", "Neither"]);
    assert!(report.skipped.iter().all(|s| s.reason == "An org connection needs its tenant and client ID."));
    assert_eq!(target.list().unwrap().len(), 1);
}

#[test]
fn anything_but_an_export_file_is_refused_whole() {
    let profiles_file = r#"{"format":1,"profiles":[]}"#;
    let other_format = r#"{"format":"something.else","version":1,"connections":[]}"#;
    let newer = format!(r#"{{"format":"{EXPORT_FORMAT}","version":9,"connections":[]}}"#);
    let stray_field = format!(
        r#"{{"format":"{EXPORT_FORMAT}","version":1,"connections":[
            {{"name":"X","kind":"org","instance_url":"https://x.crm.dynamics.com","client_secret":"s"}}]}}"#
    );
    for (text, expect) in [
        ("not json", "not an export file"),
        (profiles_file, "not an export file"),
        (other_format, "something.else"),
        (&newer, "version 9"),
        (&stray_field, "client_secret"),
    ] {
        let err = portable::from_export(text).unwrap_err();
        assert!(matches!(err, VaultError::Invalid { field: "import", .. }), "{err:?}");
        assert!(err.to_string().contains(expect), "{text}: {err}");
    }
}

#[test]
fn an_imported_connection_keeps_whom_it_signed_in_as_in_the_same_write() {
    let target = vault();
    let file = format!(
        r#"{{"format":"{EXPORT_FORMAT}","version":1,"connections":[
            {{"name":"Me","kind":"user","instance_url":"https://contoso.crm.dynamics.com"}},
            {{"name":"Taken","kind":"user","instance_url":"https://contoso.crm.dynamics.com"}}]}}"#
    );
    let mut connections = portable::from_export(&file).unwrap().into_iter();
    let me = connections.next().unwrap();
    let report = target.import_with_usernames(vec![(me, Some("megan@contoso.com".into()))]).unwrap();
    assert_eq!(report.imported[0].username.as_deref(), Some("megan@contoso.com"));
    assert_eq!(target.get("Me").unwrap().username.as_deref(), Some("megan@contoso.com"));
    let taken = connections.next().unwrap();
    let skipped = target
        .import_with_usernames(vec![(
            portable::PortableProfile { name: "me".into(), ..taken },
            Some("x".into()),
        )])
        .unwrap();
    assert!(skipped.imported.is_empty(), "a name taken is skipped, its username with it: {skipped:?}");
    assert_eq!(target.get("Me").unwrap().username.as_deref(), Some("megan@contoso.com"));
}
