//! The import commands through Tauri's IPC layer, as the window's dialog calls them: an XrmToolBox file
//! previewed (nothing saved), the picked connections saved, each listed with what it waits for, and no secret
//! of the file in any answer.

use serde_json::json;

use crate::command_wiring::{app_in, invoke};

fn fixture(path: &str) -> String {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/connections/tests/fixtures/import");
    dir.join(path).to_string_lossy().into_owned()
}

#[test]
fn an_xrmtoolbox_file_is_previewed_then_the_picked_connections_wait_for_their_credentials() {
    let data_dir = std::env::temp_dir().join(format!("d365desk-import-wiring-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    std::fs::create_dir_all(&data_dir).unwrap();
    let (_app, window) = app_in(data_dir.clone());
    let path = fixture("xrmtoolbox/Contoso.xml");

    let preview = invoke(&window, "import_preview", json!({ "source": "xrmtoolbox", "path": path }))
        .expect("a preview");
    assert_eq!(preview["items"].as_array().unwrap().len(), 8, "{preview}");
    assert_eq!(preview["items"][1]["kind"], "org_certificate");
    assert_eq!(invoke(&window, "connections_list", json!({})).unwrap(), json!([]), "a preview saves nothing");

    let outcome = invoke(
        &window,
        "import_apply",
        json!({ "source": "xrmtoolbox", "path": path, "picked": [1, 2, 3, 7], "sha256": preview["sha256"] }),
    )
    .expect("imported");
    let waiting: Vec<_> = outcome["imported"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["waiting"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(waiting, ["client_secret", "certificate", "sign_in"], "{outcome}");
    assert_eq!(outcome["skipped"][0]["name"], "On-premises CRM");
    let list = invoke(&window, "connections_list", json!({})).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 3);
    assert!(list.as_array().unwrap().iter().all(|c| c["waiting"].is_string()), "{list}");

    let broken =
        invoke(&window, "import_preview", json!({ "source": "pac", "path": fixture("pac/malformed.json") }))
            .expect_err("a malformed file");
    assert_eq!(broken["kind"], "input.import_file", "{broken}");
    // The numbers are the preview's: a file changed since is refused, and nothing saved.
    let copy = data_dir.join("Contoso.xml");
    std::fs::copy(&path, &copy).unwrap();
    let copy = copy.to_string_lossy().into_owned();
    let before = invoke(&window, "import_preview", json!({ "source": "xrmtoolbox", "path": copy })).unwrap();
    let edited = std::fs::read_to_string(&copy).unwrap().replace("Contoso Dev", "Someone else");
    std::fs::write(&copy, edited).unwrap();
    let changed = invoke(
        &window,
        "import_apply",
        json!({ "source": "xrmtoolbox", "path": copy, "picked": [1], "sha256": before["sha256"] }),
    )
    .expect_err("a changed file");
    assert!(changed["message"].as_str().unwrap().contains("preview it again"), "{changed}");
    assert_eq!(invoke(&window, "connections_list", json!({})).unwrap().as_array().unwrap().len(), 3);

    for answer in [&preview, &outcome, &list] {
        assert!(!answer.to_string().contains("CleartextSecretFromAHandEditedFile"), "{answer}");
    }
    let _ = std::fs::remove_dir_all(&data_dir);
}
