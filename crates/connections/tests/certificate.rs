//! Certificate connections through the core, as the app and the CLI use it, against the sandbox over real
//! HTTP and a real Secret Service: a file inspected for the form, saved, verified, shown, moved to another
//! machine and given its certificate there (the same one only).
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

use d365_connections::{
    ConnectionView, OrgForm, add_certificate, inspect_certificate, set_certificate, verify,
};
use d365_dataverse::auth;
use d365_sandbox::{Sandbox, SandboxOptions};
use d365_vault::{Cloud, SecretKind, Vault, portable};

fn vault() -> Vault {
    let unique = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    Vault::open(&std::env::temp_dir().join(format!("d365desk-cert-{}-{unique}", std::process::id())))
}

fn form(sandbox: &Sandbox, name: &str) -> OrgForm {
    let info = sandbox.info();
    OrgForm {
        name: name.into(),
        tag: None,
        read_only: None,
        instance_url: info.instance_url.clone(),
        tenant: info.tenant_id.clone(),
        client_id: info.org_client_id.clone(),
        cloud: Cloud::Public,
        authority: Some(info.authority.clone()),
        allow_custom_host: true,
        allow_custom_authority: false,
    }
}

#[tokio::test]
async fn a_certificate_connection_is_saved_verified_and_moved_with_its_certificate_only() {
    let sandbox =
        Sandbox::bind("127.0.0.1:0", SandboxOptions { seed: 5, ..Default::default() }).await.unwrap();
    let info = sandbox.info();
    let file = format!("{}{}", info.org_certificate_pem, info.org_certificate_key_pem);

    let view = inspect_certificate(file.as_bytes(), None).unwrap();
    assert_eq!(view.certificate.thumbprint, info.org_certificate_thumbprint);
    assert_eq!(view.expiry_warning, None, "two years ahead");

    let home = vault();
    let (profile, warnings) = add_certificate(&home, form(&sandbox, "Cert"), file.as_bytes(), None).unwrap();
    assert!(warnings.iter().all(|w| !w.contains("expires")), "{warnings:?}");
    let shown = ConnectionView::from(&profile);
    assert_eq!(shown.certificate.as_ref().map(|c| &c.certificate), Some(&view.certificate));
    let wire = serde_json::to_string(&shown).unwrap();
    assert!(wire.contains(&info.org_certificate_thumbprint), "{wire}");
    let report = verify(&home, &profile, auth::http_client().unwrap(), None, &|_| {}).await.unwrap();
    assert_eq!(report.organization_name, "Contoso Sandbox");
    assert!(home.get("Cert").unwrap().last_verification.is_some_and(|v| v.ok));

    // Another machine: the export names the certificate, the import waits for it, and only it will do.
    let there = vault();
    let report = there.import(portable::from_export(&home.export().unwrap()).unwrap()).unwrap();
    let imported = &report.imported[0];
    assert_eq!(
        imported.certificate.as_ref().map(|c| c.thumbprint.as_str()),
        Some(info.org_certificate_thumbprint.as_str())
    );
    assert_eq!(there.missing_credential(imported).unwrap(), Some(SecretKind::CertificateKey));
    let fixture = std::fs::read(format!(
        "{}/../dataverse/tests/fixtures/certificates/plain.pem",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let other = set_certificate(&there, "Cert", &fixture, None).unwrap_err();
    assert_eq!(other.kind(), "input.certificate_other", "{other}");
    let given = set_certificate(&there, "Cert", file.as_bytes(), None).unwrap();
    assert_eq!(there.missing_credential(&given).unwrap(), None);
    verify(&there, &given, auth::http_client().unwrap(), None, &|_| {}).await.unwrap();

    for vault in [&home, &there] {
        vault.remove("Cert").unwrap();
    }
}
