//! Connections brought over from XrmToolBox and the Power Platform CLI: the sample files under
//! tests/fixtures/import (see its README for where each structure comes from) previewed and imported into a
//! real vault (scripts/test-env.sh gives it a keyring), never with a secret.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use d365_connections::import::{self, sha256_of};
use d365_connections::{ImportItem, ImportKind, ImportPreview, ImportSource};
use d365_vault::{ConnectionKind, NewProfile, SecretKind, Vault};

fn vault() -> (Vault, PathBuf) {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("d365desk-import-{}-{n}", std::process::id()));
    (Vault::open(&dir), dir)
}

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import").join(path)).unwrap()
}

fn preview(vault: &Vault, source: ImportSource, bytes: &[u8]) -> d365_connections::Result<ImportPreview> {
    import::preview(vault, source, bytes, false)
}

/// Imports the picked connections of a file as previewed (its hash the preview's).
fn import(
    vault: &Vault,
    source: ImportSource,
    bytes: &[u8],
    picked: &[u32],
) -> d365_connections::Result<d365_vault::ImportReport> {
    import::import(vault, source, bytes, picked, &sha256_of(bytes), false)
}

fn by_source<'a>(preview: &'a ImportPreview, name: &str) -> &'a ImportItem {
    preview.items.iter().find(|i| i.source_name == name).unwrap_or_else(|| panic!("no {name}: {preview:#?}"))
}

fn mentions(lines: &[String], text: &str) -> bool {
    lines.iter().any(|l| l.contains(text))
}

#[test]
fn an_xrmtoolbox_file_previews_each_kind_with_what_it_leaves_behind() {
    let (vault, _) = vault();
    let preview = preview(&vault, ImportSource::XrmToolBox, &fixture("xrmtoolbox/Contoso.xml")).unwrap();
    assert_eq!(preview.items.len(), 8);
    assert_eq!(preview.items.iter().map(|i| i.number).collect::<Vec<_>>(), (1..=8).collect::<Vec<_>>());

    let dev = by_source(&preview, "Contoso Dev");
    assert_eq!((dev.kind, dev.importable), (ImportKind::OrgSecret, true));
    assert_eq!(dev.instance_url, "https://contoso-dev.crm4.dynamics.com");
    assert!(mentions(&dev.what_is_not, "client secret (saved encrypted in the file)"), "{dev:?}");

    let cert = by_source(&preview, "Contoso Test (certificate)");
    assert_eq!((cert.kind, cert.importable), (ImportKind::OrgCertificate, true));
    assert!(
        mentions(
            &cert.what_is_not,
            "a certificate in the Windows certificate store (thumbprint A1B2C3D4E5F60718293A4B5C6D7E8F9012345678, CN=contoso-automation)"
        ),
        "{cert:?}"
    );
    assert!(mentions(&cert.what_is_not, "export it with its private key as a PFX"));

    let prod = by_source(&preview, "Contoso Prod");
    assert_eq!((prod.kind, prod.importable), (ImportKind::User, true));
    assert!(mentions(&prod.what_is_imported, "megan@contoso.onmicrosoft.com"));
    assert!(mentions(&prod.what_is_not, "refresh token"), "{prod:?}");

    let uat = by_source(&preview, "Contoso UAT (password)");
    assert_eq!((uat.kind, uat.importable), (ImportKind::User, true));
    assert!(mentions(&uat.what_is_not, "the password: D365 Desk signs you in in the browser"), "{uat:?}");

    let string_secret = by_source(&preview, "Fabrikam (connection string)");
    assert_eq!((string_secret.kind, string_secret.importable), (ImportKind::OrgSecret, true));
    assert!(mentions(&string_secret.what_is_not, "client secret in its connection string"));
    let string_user = by_source(&preview, "Fabrikam (user string)");
    assert_eq!((string_user.kind, string_user.importable), (ImportKind::User, true));
    assert!(mentions(&string_user.what_is_not, "the password"));

    for on_premises in ["On-premises CRM", "Contoso IFD"] {
        let item = by_source(&preview, on_premises);
        assert_eq!((item.kind, item.importable), (ImportKind::Other, false), "{item:?}");
        assert!(item.reason.as_deref().unwrap().contains("on-premises"), "{item:?}");
        assert!(item.what_is_imported.is_empty());
    }
    let ifd = by_source(&preview, "Contoso IFD");
    assert!(ifd.reason.as_deref().unwrap().contains("IFD"));
}

#[test]
fn a_pac_profiles_file_previews_users_and_applications_and_refuses_what_it_cannot_use() {
    let (vault, _) = vault();
    let preview = preview(&vault, ImportSource::Pac, &fixture("pac/authprofiles_v2.json")).unwrap();
    assert_eq!(preview.items.len(), 5);
    let dev = by_source(&preview, "contoso-dev");
    assert_eq!((dev.kind, dev.importable), (ImportKind::User, true));
    assert_eq!(dev.instance_url, "https://contoso-dev.crm4.dynamics.com");
    assert!(mentions(&dev.what_is_not, "pac's sign-in"));
    let ci = by_source(&preview, "contoso-ci");
    assert_eq!((ci.kind, ci.importable), (ImportKind::OrgSecret, true));
    assert!(mentions(&ci.what_is_not, "pac.spn.cache.dat"), "{ci:?}");
    // An unnamed profile goes by its environment's friendly name.
    assert_eq!(by_source(&preview, "Fabrikam").kind, ImportKind::User);
    let no_environment = by_source(&preview, "admin-only");
    assert!(!no_environment.importable);
    assert!(no_environment.reason.as_deref().unwrap().contains("pac env select"));
    let unknown = by_source(&preview, "pipeline");
    assert_eq!((unknown.kind, unknown.importable), (ImportKind::Other, false));
    assert!(unknown.reason.as_deref().unwrap().contains("ProfileType 5"), "{unknown:?}");
}

#[test]
fn names_that_clash_get_a_suffix_and_imports_keep_it() {
    let (vault, _) = vault();
    let existing = NewProfile {
        name: "contoso dev".into(),
        kind: ConnectionKind::Sandbox,
        instance_url: "http://127.0.0.1:1".into(),
        tenant: None,
        client_id: None,
        cloud: Default::default(),
        authority: None,
        tag: None,
        read_only: None,
    };
    vault.add(existing, None).unwrap();
    let xrm = fixture("xrmtoolbox/Contoso.xml");
    let preview = preview(&vault, ImportSource::XrmToolBox, &xrm).unwrap();
    assert_eq!(by_source(&preview, "Contoso Dev").name, "Contoso Dev (2)");
    let report = import(&vault, ImportSource::XrmToolBox, &xrm, &[1]).unwrap();
    assert_eq!(report.imported.len(), 1);
    assert_eq!(report.imported[0].name, "Contoso Dev (2)");
    // Importing the same again: a third name, never a clash.
    let again = import(&vault, ImportSource::XrmToolBox, &xrm, &[1]).unwrap();
    assert_eq!(again.imported[0].name, "Contoso Dev (3)");
}

#[test]
fn imported_connections_wait_for_their_credentials_and_no_secret_is_kept() {
    let (vault, dir) = vault();
    let xrm = fixture("xrmtoolbox/Contoso.xml");
    let report = import(&vault, ImportSource::XrmToolBox, &xrm, &[1, 2, 3, 4, 5, 6, 7]).unwrap();
    let names: Vec<&str> = report.imported.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names.len(), 6, "{names:?}");
    assert_eq!(report.skipped.len(), 1);
    assert_eq!(report.skipped[0].name, "On-premises CRM");

    let needs = |name: &str| {
        let profile = vault.get(name).unwrap();
        (profile.kind, vault.missing_credential(&profile).unwrap())
    };
    assert_eq!(needs("Contoso Dev"), (ConnectionKind::Org, Some(SecretKind::ClientSecret)));
    assert_eq!(
        needs("Contoso Test (certificate)"),
        (ConnectionKind::Certificate, Some(SecretKind::CertificateKey))
    );
    assert_eq!(needs("Contoso Prod"), (ConnectionKind::User, Some(SecretKind::RefreshToken)));
    assert_eq!(needs("Fabrikam (connection string)"), (ConnectionKind::Org, Some(SecretKind::ClientSecret)));
    let prod = vault.get("Contoso Prod").unwrap();
    assert_eq!(prod.username.as_deref(), Some("megan@contoso.onmicrosoft.com"));
    assert_eq!(prod.client_id.as_deref(), Some(d365_connections::SAMPLE_CLIENT_ID));
    assert_eq!(prod.tenant.as_deref(), Some("8f2b3c4d-5e6f-4a1b-9c8d-7e6f5a4b3c2d"));
    let fabrikam = vault.get("Fabrikam (connection string)").unwrap();
    assert_eq!(fabrikam.client_id.as_deref(), Some("4f9e1c63-7d0a-4b2c-9e5f-3a4b5c6d7e8f"));

    let saved = std::fs::read_to_string(dir.join("profiles.json")).unwrap();
    for secret in [
        "CleartextSecretFromAHandEditedFile~1",
        "Cleartext Passw0rd",
        "q6cWzq0N3VnJbq8cF0tJ1Q8oVbqj4xk2aO9yE0c1FzQ=",
        "kX3pL9vQ2mN8bR4tY7wZ1cF6hJ0sD5gA8eU3iO2yT1w=",
        "not-a-real-refresh-token",
        "Password",
        "Secret=",
    ] {
        assert!(!saved.contains(secret), "{secret} reached the profiles file");
    }
}

#[test]
fn pac_profiles_import_as_user_and_org_connections() {
    let (vault, _) = vault();
    let pac = fixture("pac/authprofiles_v2.json");
    let report = import(&vault, ImportSource::Pac, &pac, &[1, 2, 3, 4]).unwrap();
    assert_eq!(report.imported.len(), 3);
    assert_eq!(report.skipped.len(), 1);
    let ci = vault.get("contoso-ci").unwrap();
    assert_eq!(ci.kind, ConnectionKind::Org);
    assert_eq!(ci.client_id.as_deref(), Some("2d7c9a41-5b8e-4f0a-9c3d-1e2f3a4b5c6d"));
    assert_eq!(vault.missing_credential(&ci).unwrap(), Some(SecretKind::ClientSecret));
    let dev = vault.get("contoso-dev").unwrap();
    assert_eq!(
        (dev.kind, dev.username.as_deref()),
        (ConnectionKind::User, Some("megan@contoso.onmicrosoft.com"))
    );
}

#[test]
fn a_number_not_in_the_file_imports_nothing() {
    let (vault, _) = vault();
    let error = import(&vault, ImportSource::Pac, &fixture("pac/authprofiles_v2.json"), &[1, 9]).unwrap_err();
    assert!(error.to_string().contains("there is no connection 9"), "{error}");
    assert!(vault.list().unwrap().is_empty());
}

fn refused(source: ImportSource, file: &str) -> String {
    let (vault, _) = vault();
    let error = preview(&vault, source, &fixture(file)).unwrap_err();
    assert!(import(&vault, source, &fixture(file), &[1]).is_err());
    assert!(vault.list().unwrap().is_empty());
    let payload = d365_common::ErrorPayload::from(error);
    assert_eq!(payload.kind, "input.import_file");
    payload.message
}

#[test]
fn malformed_empty_and_foreign_files_are_refused_whole_with_what_was_wrong() {
    let malformed = refused(ImportSource::XrmToolBox, "xrmtoolbox/malformed.xml");
    assert!(malformed.contains("not a usable XrmToolBox connection file"), "{malformed}");
    assert!(malformed.contains("Connectons") && malformed.contains("8:"), "{malformed}");
    let empty = refused(ImportSource::XrmToolBox, "xrmtoolbox/empty.xml");
    assert!(empty.contains("the file is empty"), "{empty}");
    let settings = refused(ImportSource::XrmToolBox, "xrmtoolbox/settings.xml");
    assert!(settings.contains("its root element is <Options> (line 2), not <CrmConnections>"), "{settings}");
    let list = refused(ImportSource::XrmToolBox, "xrmtoolbox/MscrmTools.ConnectionsList.xml");
    assert!(list.contains("list of connection files") && list.contains("Contoso.xml"), "{list}");
    // Each tool's reader refuses the other's file.
    let swapped = refused(ImportSource::XrmToolBox, "pac/authprofiles_v2.json");
    assert!(swapped.contains("the XML is malformed"), "{swapped}");

    let malformed = refused(ImportSource::Pac, "pac/malformed.json");
    assert!(malformed.contains("authprofiles_v2.json") && malformed.contains("line 4"), "{malformed}");
    let empty = refused(ImportSource::Pac, "pac/empty.json");
    assert!(empty.contains("the file is empty"), "{empty}");
    let export = refused(ImportSource::Pac, "pac/not-pac.json");
    assert!(export.contains("it is a D365 Desk export"), "{export}");
    let (vault, _) = vault();
    let other = preview(&vault, ImportSource::Pac, br#"{"value": []}"#).unwrap_err().to_string();
    assert!(other.contains("no \"Profiles\" list (its keys: value)"), "{other}");
    let swapped = refused(ImportSource::Pac, "xrmtoolbox/Contoso.xml");
    assert!(swapped.contains("the JSON is malformed"), "{swapped}");
}

#[test]
fn a_connection_file_without_connections_previews_empty() {
    let (vault, _) = vault();
    let preview =
        preview(&vault, ImportSource::XrmToolBox, &fixture("xrmtoolbox/no-connections.xml")).unwrap();
    assert!(preview.items.is_empty());
}

/// One `ConnectionDetail` in a connection file, for the cases the sample file does not hold.
fn one(detail: &str) -> ImportItem {
    let (vault, _) = vault();
    let file = format!(
        "<CrmConnections><Connections><ConnectionDetail>{detail}</ConnectionDetail></Connections></CrmConnections>"
    );
    preview(&vault, ImportSource::XrmToolBox, file.as_bytes()).unwrap().items.remove(0)
}

#[test]
fn xrmtoolbox_connections_the_sample_does_not_hold() {
    let url = "<OriginalUrl>https://contoso.crm4.dynamics.com/</OriginalUrl>";
    let app = "<AzureAdAppId>2d7c9a41-5b8e-4f0a-9c3d-1e2f3a4b5c6d</AzureAdAppId>";
    let tenant = "<TenantId>8f2b3c4d-5e6f-4a1b-9c8d-7e6f5a4b3c2d</TenantId>";
    // XrmToolBox learns the tenant on the first connection; without it an org connection cannot be made.
    let no_tenant = one(&format!(
        "<ConnectionName>New</ConnectionName>{url}{app}<NewAuthType>ClientSecret</NewAuthType>"
    ));
    assert!(!no_tenant.importable);
    assert!(no_tenant.reason.as_deref().unwrap().contains("tenant"), "{no_tenant:?}");
    let key_vault = one(&format!(
        "<ConnectionName>KV</ConnectionName>{url}{app}{tenant}<AzureKeyVaultName>contoso-kv</AzureKeyVaultName>"
    ));
    assert_eq!((key_vault.kind, key_vault.importable), (ImportKind::OrgSecret, true));
    assert!(mentions(&key_vault.what_is_not, "Azure Key Vault 'contoso-kv'"));
    let thumbprint = one(&format!(
        "<ConnectionName>CS</ConnectionName>{tenant}<ConnectionString>AuthType=Certificate;Url=https://contoso.crm4.dynamics.com;ClientId=2d7c9a41-5b8e-4f0a-9c3d-1e2f3a4b5c6d;Thumbprint=DEADBEEF</ConnectionString>"
    ));
    assert_eq!(thumbprint.kind, ImportKind::OrgCertificate);
    assert!(mentions(&thumbprint.what_is_not, "thumbprint DEADBEEF"), "{thumbprint:?}");
    let custom_app = one(&format!(
        "<ConnectionName>App</ConnectionName>{url}{app}<NewAuthType>OAuth</NewAuthType><UseMfa>true</UseMfa><ReplyUrl>https://contoso.com/callback</ReplyUrl>"
    ));
    assert_eq!(custom_app.kind, ImportKind::User);
    assert!(mentions(&custom_app.what_is_not, "add http://localhost"), "{custom_app:?}");
    let unknown = one(&format!(
        "<ConnectionName>X</ConnectionName>{url}<ConnectionString>AuthType=Magic;Url=x</ConnectionString>"
    ));
    assert_eq!((unknown.kind, unknown.importable), (ImportKind::Other, false));
    assert!(unknown.reason.as_deref().unwrap().contains("'Magic'"), "{unknown:?}");
    let gcc_high = one(
        "<ConnectionName>High</ConnectionName><OriginalUrl>https://contoso.crm.microsoftdynamics.us</OriginalUrl><UserName>a@contoso.us</UserName>",
    );
    assert_eq!((gcc_high.kind, gcc_high.importable), (ImportKind::User, true), "{gcc_high:?}");
    // No name: the instance's host.
    assert_eq!(one(url).name, "contoso.crm4.dynamics.com");
}

#[test]
fn a_utf16_file_as_dotnet_writes_it_is_read() {
    let (vault, _) = vault();
    let text = String::from_utf8(fixture("xrmtoolbox/Contoso.xml")).unwrap().replace("utf-8", "utf-16");
    let bytes: Vec<u8> =
        [0xFF, 0xFE].into_iter().chain(text.encode_utf16().flat_map(u16::to_le_bytes)).collect();
    assert_eq!(preview(&vault, ImportSource::XrmToolBox, &bytes).unwrap().items.len(), 8);
}

#[test]
fn a_file_changed_since_its_preview_imports_nothing() {
    let (vault, _) = vault();
    let xrm = fixture("xrmtoolbox/Contoso.xml");
    let previewed = preview(&vault, ImportSource::XrmToolBox, &xrm).unwrap();
    assert_eq!(previewed.sha256, sha256_of(&xrm));
    let changed = String::from_utf8(xrm).unwrap().replace("Contoso Dev", "Someone else's").into_bytes();
    let error = import::import(&vault, ImportSource::XrmToolBox, &changed, &[1], &previewed.sha256, false)
        .unwrap_err();
    assert!(error.to_string().contains("file changed since its preview: preview it again"), "{error}");
    assert!(vault.list().unwrap().is_empty());
}

#[test]
fn an_instance_outside_dynamics_is_imported_only_when_custom_hosts_are_allowed() {
    let file = "<CrmConnections><Connections><ConnectionDetail><ConnectionName>Custom</ConnectionName>\
                <OriginalUrl>https://crm.fabrikam.example</OriginalUrl><UserName>a@fabrikam.example</UserName><NewAuthType>OAuth</NewAuthType><UseMfa>true</UseMfa>\
                </ConnectionDetail></Connections></CrmConnections>";
    let (vault, _) = vault();
    let refused = preview(&vault, ImportSource::XrmToolBox, file.as_bytes()).unwrap().items.remove(0);
    assert!(!refused.importable, "{refused:?}");
    let reason = refused.reason.as_deref().unwrap();
    assert!(reason.contains("not a Dynamics 365") && reason.contains("--allow-custom-host"), "{reason}");
    let report = import(&vault, ImportSource::XrmToolBox, file.as_bytes(), &[1]).unwrap();
    assert!(report.imported.is_empty() && report.skipped.len() == 1, "{report:?}");

    let allowed = import::preview(&vault, ImportSource::XrmToolBox, file.as_bytes(), true).unwrap();
    assert!(allowed.items[0].importable, "{:?}", allowed.items[0]);
    let report =
        import::import(&vault, ImportSource::XrmToolBox, file.as_bytes(), &[1], &allowed.sha256, true)
            .unwrap();
    assert_eq!(report.imported.len(), 1);
    assert_eq!(report.imported[0].username.as_deref(), Some("a@fabrikam.example"), "kept in the same write");
}
