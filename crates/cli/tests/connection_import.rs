//! `d365 connection import --from xrmtoolbox|pac FILE`, end to end: the real binary on a temporary
//! D365DESK_HOME with the sample files of crates/connections/tests/fixtures/import (see its README), a real
//! keyring (scripts/test-env.sh). The preview imports nothing; --pick and --all import without any secret.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::Output;

use common::{d365, home, json};

fn fixture(path: &str) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../connections/tests/fixtures/import");
    dir.join(path).to_str().unwrap().to_owned()
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

fn names(home: &Path) -> Vec<String> {
    let listed = json(&d365(home, &["--json", "connection", "list"], ""));
    listed["connections"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn the_preview_lists_every_connection_and_imports_nothing() {
    let home = home();
    let file = fixture("xrmtoolbox/Contoso.xml");
    let shown = d365(&home, &["connection", "import", "--from", "xrmtoolbox", &file], "");
    let said = text(&shown);
    assert!(shown.status.success(), "{said}");
    assert!(said.contains("  1  Contoso Dev "), "{said}");
    assert!(said.contains("org (certificate)"), "{said}");
    assert!(said.contains("thumbprint A1B2C3D4E5F60718293A4B5C6D7E8F9012345678"), "{said}");
    assert!(said.contains("! cannot be imported: It is an on-premises connection"), "{said}");
    assert!(said.contains("Nothing imported: pick with --pick N,M or --all."), "{said}");
    assert!(!said.contains("CleartextSecretFromAHandEditedFile"), "a secret of the file was shown: {said}");
    let dry = d365(
        &home,
        &["--json", "connection", "import", "--from", "xrmtoolbox", &file, "--all", "--dry-run"],
        "",
    );
    assert!(dry.status.success(), "{}", text(&dry));
    let preview = json(&dry);
    assert_eq!(preview["source"], "xrmtoolbox");
    assert_eq!(preview["items"].as_array().unwrap().len(), 8);
    assert_eq!(preview["items"][1]["kind"], "org_certificate");
    assert_eq!(preview["items"][6]["importable"], false);
    assert!(preview["items"][0].get("connection").is_none());
    assert!(names(&home).is_empty(), "a preview saves nothing");
}

#[test]
fn picked_connections_arrive_waiting_for_their_credentials_without_a_secret() {
    let home = home();
    let file = fixture("xrmtoolbox/Contoso.xml");
    let first = d365(&home, &["connection", "import", "--from", "xrmtoolbox", &file, "--pick", "1"], "");
    assert!(first.status.success(), "{}", text(&first));
    // The same again, with an on-premises one: the name is taken, so it gets a suffix; the other is skipped.
    let again = d365(&home, &["connection", "import", "--from", "xrmtoolbox", &file, "--pick", "1,7"], "");
    let said = text(&again);
    assert!(again.status.success(), "{said}");
    assert!(said.contains("  1  Contoso Dev (2) "), "{said}");
    assert!(said.contains("(\"Contoso Dev\" in the file; that name is taken here)"), "{said}");
    assert!(
        said.contains(
            "Imported Contoso Dev (2): needs its client secret: d365 connection set-secret 'Contoso Dev (2)'"
        ),
        "{said}"
    );
    assert!(said.contains("Skipped On-premises CRM: It is an on-premises connection"), "{said}");

    let all = d365(&home, &["--json", "connection", "import", "--from", "xrmtoolbox", &file, "--all"], "");
    let report = json(&all);
    assert!(all.status.success(), "{report}");
    assert_eq!(report["imported"].as_array().unwrap().len(), 6);
    let listed = json(&d365(&home, &["--json", "connection", "list"], ""));
    let needs: Vec<(String, serde_json::Value)> = listed["connections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap().to_owned(), c["needs"].clone()))
        .collect();
    let need = |name: &str| needs.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap();
    assert_eq!(need("Contoso Dev (3)"), "client_secret");
    assert_eq!(need("Contoso Test (certificate)"), "certificate");
    assert_eq!(need("Contoso Prod"), "sign_in");
    assert_eq!(need("Fabrikam (user string)"), "sign_in");

    let profiles = std::fs::read_to_string(home.join("profiles.json")).unwrap();
    for secret in [
        "CleartextSecretFromAHandEditedFile~1",
        "Cleartext Passw0rd",
        "q6cWzq0N3VnJbq8cF0tJ1Q8oVbqj4xk2aO9yE0c1FzQ=",
        "kX3pL9vQ2mN8bR4tY7wZ1cF6hJ0sD5gA8eU3iO2yT1w=",
        "not-a-real-refresh-token",
    ] {
        assert!(!profiles.contains(secret), "{secret} reached profiles.json");
        assert!(!said.contains(secret) && !report.to_string().contains(secret), "{secret} was printed");
    }
}

#[test]
fn pac_profiles_import_and_bad_files_are_refused_whole() {
    let home = home();
    let pac = fixture("pac/authprofiles_v2.json");
    let imported = d365(&home, &["connection", "import", "--from", "pac", &pac, "--all"], "");
    let said = text(&imported);
    assert!(imported.status.success(), "{said}");
    assert!(
        said.contains("Imported contoso-dev: needs a sign-in: d365 connection sign-in 'contoso-dev'"),
        "{said}"
    );
    assert!(said.contains("Imported contoso-ci: needs its client secret"), "{said}");
    assert!(said.contains("pac env select"), "{said}");
    assert_eq!(names(&home), ["contoso-dev", "contoso-ci", "Fabrikam"]);

    let other = common::home();
    for (from, file, says) in [
        ("pac", "pac/malformed.json", "the JSON is malformed"),
        ("pac", "pac/empty.json", "the file is empty"),
        ("xrmtoolbox", "xrmtoolbox/malformed.xml", "the XML is malformed"),
        ("xrmtoolbox", "xrmtoolbox/settings.xml", "its root element is <Options>"),
    ] {
        let refused =
            d365(&other, &["--json", "connection", "import", "--from", from, &fixture(file), "--all"], "");
        assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
        let error = json(&refused);
        assert_eq!(error["error"]["kind"], "input.import_file", "{error}");
        assert!(error["error"]["message"].as_str().unwrap().contains(says), "{error}");
    }
    assert!(names(&other).is_empty());
    let unpicked = d365(&other, &["connection", "import", &pac, "--pick", "1"], "");
    assert_eq!(unpicked.status.code(), Some(2), "--pick needs --from: {}", text(&unpicked));
}

#[test]
fn a_connection_file_is_read_only_if_it_is_a_file_within_the_limit() {
    let home = home();
    let directory = d365(&home, &["connection", "import", "--from", "pac", home.to_str().unwrap()], "");
    assert!(!directory.status.success());
    assert!(text(&directory).contains("is not a file"), "{}", text(&directory));
    let large = home.join("huge.json");
    let file = std::fs::File::create(&large).unwrap();
    file.set_len(16 * 1024 * 1024 + 1).unwrap();
    let refused = d365(&home, &["connection", "import", "--from", "pac", large.to_str().unwrap()], "");
    assert!(!refused.status.success());
    assert!(text(&refused).contains("too large to be a connection file"), "{}", text(&refused));
}

#[test]
fn an_instance_outside_dynamics_needs_allow_custom_host() {
    let home = home();
    let file = home.join("custom.xml");
    std::fs::write(
        &file,
        "<CrmConnections><Connections><ConnectionDetail><ConnectionName>Custom</ConnectionName>\
         <OriginalUrl>https://crm.fabrikam.example</OriginalUrl><UserName>a@fabrikam.example</UserName><NewAuthType>OAuth</NewAuthType><UseMfa>true</UseMfa>\
         </ConnectionDetail></Connections></CrmConnections>",
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let refused = d365(&home, &["connection", "import", "--from", "xrmtoolbox", file, "--all"], "");
    assert!(text(&refused).contains("--allow-custom-host"), "{}", text(&refused));
    assert!(names(&home).is_empty());
    let allowed = d365(
        &home,
        &["connection", "import", "--from", "xrmtoolbox", file, "--all", "--allow-custom-host"],
        "",
    );
    assert!(allowed.status.success(), "{}", text(&allowed));
    assert_eq!(names(&home), ["Custom"]);
}
