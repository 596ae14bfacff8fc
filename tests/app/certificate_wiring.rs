//! The certificate commands through Tauri's IPC layer, as the window's form will call them: a file (the one
//! `connection_pick_certificate`'s Open dialog would give) inspected and saved for the sandbox, with nothing
//! of the key coming back to the window, and deleted with its key.

use serde_json::{Value, json};

use crate::command_wiring::{app_in, invoke};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_is_inspected_added_and_deleted_without_its_key_reaching_the_window() {
    let sandbox = d365_sandbox::Sandbox::bind("127.0.0.1:0", Default::default()).await.expect("a sandbox");
    let info = sandbox.info().clone();
    let data_dir = std::env::temp_dir().join(format!("d365desk-certificate-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    std::fs::create_dir_all(&data_dir).unwrap();
    let file = data_dir.join("org.pem");
    std::fs::write(&file, format!("{}{}", info.org_certificate_pem, info.org_certificate_key_pem)).unwrap();
    let path = file.to_string_lossy().into_owned();
    let (_app, window) = app_in(data_dir.clone());
    let view = invoke(&window, "connection_inspect_certificate", json!({ "path": path, "password": null }))
        .expect("the certificate's facts");
    assert_eq!(view["certificate"]["thumbprint"], info.org_certificate_thumbprint.as_str());
    assert_eq!(view["expiry_warning"], Value::Null);
    let missing = invoke(
        &window,
        "connection_inspect_certificate",
        json!({ "path": data_dir.join("none.pem").to_string_lossy(), "password": null }),
    )
    .expect_err("no such file");
    assert_eq!(missing["kind"], "input.certificate_unreadable", "{missing}");

    let form = json!({
        "name": "Wired certificate", "tag": "dev", "read_only": false, "instance_url": info.instance_url,
        "tenant": info.tenant_id, "client_id": info.org_client_id, "cloud": "public", "authority": info.authority,
    });
    let added = invoke(
        &window,
        "connection_add_certificate",
        json!({ "form": form, "path": path, "password": null }),
    )
    .expect("added");
    assert_eq!(added["connection"]["kind"], "certificate");
    assert_eq!(
        added["connection"]["certificate"]["certificate"]["thumbprint"],
        info.org_certificate_thumbprint.as_str()
    );
    let id = added["connection"]["id"].as_str().unwrap().to_owned();
    let list = invoke(&window, "connections_list", json!({})).expect("a list");
    assert_eq!(
        list[0]["certificate"]["certificate"]["subject"], "CN=D365 Desk Sandbox Integration",
        "{list}"
    );

    let key_body: String =
        info.org_certificate_key_pem.lines().filter(|l| !l.starts_with("-----")).collect::<String>()[..64]
            .to_owned();
    for response in [&view, &added, &list] {
        assert!(!response.to_string().contains(&key_body), "the key never reaches the window: {response}");
    }
    let entry = keyring::Entry::new("d365desk", &format!("{id}/certificate_key")).unwrap();
    assert!(entry.get_secret().is_ok_and(|key| key.first() == Some(&0x30)), "the key is in the keyring");
    invoke(&window, "connection_delete", json!({ "id": id })).expect("deleted");
    assert!(matches!(entry.get_secret(), Err(keyring::Error::NoEntry)), "and gone with the connection");
    let _ = std::fs::remove_dir_all(&data_dir);
}
