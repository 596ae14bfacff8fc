//! Connections moved between machines with `d365 connection export|import`, completed with `set-secret` and
//! `sign-in`; and a scan that no secret or token value ever shows in files, output or logs. Real binary,
//! real keyring (scripts/test-env.sh), the in-process sandbox as the cloud.
#![allow(clippy::unwrap_used)] // test helpers fail loudly, like the tests

mod common;

use std::process::Output;

use common::{add_org, add_user_args, d365, d365_with, home, json, sandbox, with_device_code};

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exported_connections_import_elsewhere_and_get_their_credentials_once() {
    let sandbox = sandbox().await;
    let info = sandbox.info().clone();
    let (source, target) = (home(), home());
    let secret = info.org_client_secret.clone();
    tokio::task::block_in_place(|| {
        assert!(add_org(&source, &sandbox, "Org", &secret).status.success());
        assert!(d365(&source, &["connection", "add", "sandbox", "--name", "Local"], "").status.success());
    });
    let user_args = add_user_args(&info, "Me");
    assert!(with_device_code(&source, &info, &user_args).await.status.success());

    let file = source.join("connections.json");
    let exported = tokio::task::block_in_place(|| {
        d365(&source, &["connection", "export", "--out", file.to_str().unwrap()], "")
    });
    assert!(exported.status.success(), "{}", text(&exported));
    let again = tokio::task::block_in_place(|| {
        d365(&source, &["--json", "connection", "export", "--out", file.to_str().unwrap()], "")
    });
    assert_eq!(json(&again)["error"]["kind"], "input.file_exists", "an export never overwrites a file");
    assert!(!std::fs::read_to_string(&file).unwrap().contains(&secret));

    let imported =
        tokio::task::block_in_place(|| d365(&target, &["connection", "import", file.to_str().unwrap()], ""));
    let said = text(&imported);
    assert!(imported.status.success(), "{said}");
    assert!(
        said.contains("Imported Org: needs its client secret: d365 connection set-secret 'Org'"),
        "{said}"
    );
    assert!(said.contains("Imported Me: needs a sign-in"), "{said}");
    assert!(said.contains("Imported Local."), "{said}");

    let listed = tokio::task::block_in_place(|| d365(&target, &["--json", "connection", "list"], ""));
    let needs: Vec<_> =
        json(&listed)["connections"].as_array().unwrap().iter().map(|c| c["needs"].clone()).collect();
    assert_eq!(
        needs,
        [serde_json::json!("client_secret"), serde_json::json!(null), serde_json::json!("sign_in")]
    );

    tokio::task::block_in_place(|| {
        let unusable = d365(&target, &["--json", "connection", "verify", "Org"], "");
        assert_eq!(json(&unusable)["error"]["kind"], "vault.secret_missing");
        let set = d365(
            &target,
            &["connection", "set-secret", "Org", "--client-secret-stdin"],
            &format!("{secret}\n"),
        );
        assert!(set.status.success(), "{}", text(&set));
        let verified = d365(&target, &["--json", "connection", "verify", "Org"], "");
        assert_eq!(
            json(&verified)["verified"]["organization_name"],
            "Contoso Sandbox",
            "{}",
            text(&verified)
        );
        let replace = d365(
            &target,
            &["--json", "connection", "set-secret", "Org", "--client-secret-stdin"],
            "other-secret\n",
        );
        assert_eq!(replace.status.code(), Some(2));
        assert!(json(&replace)["error"]["message"].as_str().unwrap().contains("never changed"));

        let unsigned = d365(&target, &["--json", "connection", "verify", "Me"], "");
        assert_eq!(json(&unsigned)["error"]["kind"], "auth.sign_in_again");
        assert_eq!(unsigned.status.code(), Some(3));
    });
    let signed = with_device_code(&target, &info, &["connection", "sign-in", "Me", "--device-code"]).await;
    assert!(signed.status.success(), "{}", text(&signed));
    tokio::task::block_in_place(|| {
        let verified = d365(&target, &["--json", "connection", "verify", "Me"], "");
        assert_eq!(
            json(&verified)["verified"]["organization_name"],
            "Contoso Sandbox",
            "{}",
            text(&verified)
        );
        for home in [&source, &target] {
            for name in ["Org", "Me", "Local"] {
                d365(home, &["connection", "remove", name], "");
            }
        }
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_or_token_appears_in_files_output_or_the_most_verbose_logs() {
    let sandbox = sandbox().await;
    let info = sandbox.info().clone();
    let home = home();
    let secret = info.org_client_secret.clone();
    let wrong = "abc8Q~a-wrong-but-still-secret-value";
    let trace = [("D365_LOG", "trace")];
    let mut outputs = Vec::new();
    tokio::task::block_in_place(|| {
        outputs.push(add_org(&home, &sandbox, "Org", &secret));
        outputs.push(add_org(&home, &sandbox, "Wrong", wrong));
        for args in [
            &["connection", "verify", "Org"][..],
            &["--json", "connection", "verify", "Org"],
            &["--json", "connection", "verify", "Wrong"],
            &["connection", "verify", "Wrong"],
            &["--json", "connection", "list"],
            &["connection", "list"],
            &["connection", "export"],
            &["--json", "connection", "export"],
        ] {
            outputs.push(d365_with(&home, args, "", &trace));
        }
    });
    let user_args = add_user_args(&info, "Me");
    outputs.push(with_device_code(&home, &info, &user_args).await);
    outputs
        .push(tokio::task::block_in_place(|| d365_with(&home, &["connection", "verify", "Me"], "", &trace)));
    let listed = tokio::task::block_in_place(|| d365(&home, &["--json", "connection", "list"], ""));
    let me =
        json(&listed)["connections"].as_array().unwrap().iter().find(|c| c["name"] == "Me").unwrap().clone();
    let refresh = keyring::Entry::new("d365desk", &format!("{}/refresh_token", me["id"].as_str().unwrap()))
        .unwrap()
        .get_password()
        .unwrap();

    let logs: String = outputs.iter().map(text).collect();
    assert!(logs.contains("token request") && logs.contains("TRACE"), "the logs were on: {logs}");
    let mut everything = logs;
    // Every file under the home, in subfolders too (the metadata cache), read as bytes whatever they hold.
    let (mut folders, mut scanned) = (vec![home.clone()], Vec::new());
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else {
                everything.push_str(&String::from_utf8_lossy(&std::fs::read(&path).unwrap()));
                scanned.push(path.file_name().unwrap().to_string_lossy().into_owned());
            }
        }
    }
    assert!(
        scanned.iter().any(|f| f == "profiles.json") && scanned.iter().any(|f| f == "profiles.json.bak"),
        "the profiles file and its backup were scanned: {scanned:?}"
    );
    for (what, value) in
        [("client secret", secret.as_str()), ("wrong secret", wrong), ("refresh token", &refresh)]
    {
        assert!(!everything.contains(value), "the {what} leaked");
    }
    // Access tokens are JWTs: their header always starts with eyJ ('{"').
    assert!(!everything.contains("eyJ"), "an access token leaked");
    tokio::task::block_in_place(|| {
        for name in ["Org", "Wrong", "Me"] {
            d365(&home, &["connection", "remove", name], "");
        }
    });
}
