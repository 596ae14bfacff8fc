//! The About dialog: the app's version, licence and log folder, and the licences of the third-party code
//! it is built from.
//!
//! The third-party lists are generated at build time, never written by hand: cargo-about lists the Rust
//! crates compiled into the app and the d365 CLI it ships with (`make target/licences/rust.json`), rollup-plugin-license the npm packages
//! bundled into the UI; the UI build writes both to `ui/dist/third-party/{rust,npm}.json` in one format
//! ([`ListFile`], made by `ui/scripts/thirdParty.mjs`), and the app embeds them with the rest of `ui/dist`.
//! They are read only when the dialog's licences part opens: the window's first screen does not pay for them.

use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::{AppHandle, Runtime};

use d365_common::{Category, ErrorPayload};

use super::app::AppInfo;

/// What the About dialog shows about the app itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct About {
    pub app: AppInfo,
    /// The app's own licence (an SPDX expression), as in the workspace Cargo.toml.
    pub licence: String,
    /// The source repository's address, when the package names one.
    pub repository: Option<String>,
    /// The folder the app writes its logs to (see `app_dirs::log_dir`).
    pub log_dir: String,
}

impl About {
    pub fn current() -> Self {
        let repository = env!("CARGO_PKG_REPOSITORY");
        Self {
            app: AppInfo::current(),
            licence: env!("CARGO_PKG_LICENSE").into(),
            repository: (!repository.is_empty()).then(|| repository.into()),
            log_dir: crate::app_dirs::log_dir().to_string_lossy().into_owned(),
        }
    }
}

/// Where a third-party package comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum Ecosystem {
    /// A Rust crate compiled into the app or the d365 CLI.
    Rust,
    /// An npm package bundled into the UI.
    Npm,
}

/// One third-party package and the licence it is used under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct ThirdPartyPackage {
    pub ecosystem: Ecosystem,
    pub name: String,
    pub version: String,
    /// The licence expression the package declares (`MIT OR Apache-2.0`).
    pub licence: String,
    pub repository: Option<String>,
    /// Its licence texts, as indices into [`ThirdParty::texts`] (many packages share one text).
    pub texts: Vec<u32>,
}

/// A licence text, as the package ships it (copyright lines included) or else the licence's standard text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct LicenceText {
    /// The licence's SPDX identifier (`MIT`) or, for an npm package, the expression it declares.
    pub licence: String,
    pub text: String,
}

/// Every third-party package in the app, Rust crates first, each list sorted by name then version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct ThirdParty {
    pub packages: Vec<ThirdPartyPackage>,
    pub texts: Vec<LicenceText>,
}

/// The format of `ui/dist/third-party/{rust,npm}.json`, both made by `ui/scripts/thirdParty.mjs`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListFile {
    /// What made the list (`cargo-about 0.9.3`, `rollup-plugin-license`).
    pub generator: String,
    pub texts: Vec<LicenceText>,
    pub packages: Vec<ListedPackage>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListedPackage {
    pub name: String,
    pub version: String,
    pub licence: String,
    pub repository: Option<String>,
    pub texts: Vec<u32>,
}

/// The paths of the two lists inside the built UI.
pub const RUST_LIST: &str = "third-party/rust.json";
pub const NPM_LIST: &str = "third-party/npm.json";

impl ThirdParty {
    /// Both lists in one, the texts of the second renumbered after the first's. `read` returns a list file's
    /// bytes by its path in the built UI.
    pub fn read(read: impl Fn(&str) -> Option<Vec<u8>>) -> Result<Self, ErrorPayload> {
        let mut all = ThirdParty { packages: Vec::new(), texts: Vec::new() };
        for (path, ecosystem) in [(RUST_LIST, Ecosystem::Rust), (NPM_LIST, Ecosystem::Npm)] {
            let bytes = read(path).ok_or_else(|| missing(path))?;
            let list: ListFile = serde_json::from_slice(&bytes).map_err(|err| unreadable(path, &err))?;
            all.append(ecosystem, list).map_err(|problem| unreadable(path, &problem))?;
        }
        Ok(all)
    }

    fn append(&mut self, ecosystem: Ecosystem, list: ListFile) -> Result<(), String> {
        let offset = u32::try_from(self.texts.len()).map_err(|_| "too many licence texts".to_owned())?;
        let count = list.texts.len();
        let mut packages = Vec::with_capacity(list.packages.len());
        for package in list.packages {
            if let Some(bad) = package.texts.iter().find(|&&index| index as usize >= count) {
                return Err(format!(
                    "{} {} refers to licence text {bad} of {count}",
                    package.name, package.version
                ));
            }
            if package.texts.is_empty() {
                return Err(format!("{} {} has no licence text", package.name, package.version));
            }
            packages.push(ThirdPartyPackage {
                ecosystem,
                name: package.name,
                version: package.version,
                licence: package.licence,
                repository: package.repository.filter(|r| !r.is_empty()),
                texts: package.texts.iter().map(|index| index + offset).collect(),
            });
        }
        packages.sort_by(|a, b| {
            (a.name.as_str(), a.version.as_str()).cmp(&(b.name.as_str(), b.version.as_str()))
        });
        self.packages.extend(packages);
        self.texts.extend(list.texts);
        Ok(())
    }
}

fn missing(path: &str) -> ErrorPayload {
    ErrorPayload::new(
        "local.licences_missing",
        Category::Local,
        format!("This build has no third-party licence list ({path} is not in the built UI)."),
        Some("Build the UI with `make ui`: it generates the lists (the app reads them from ui/dist).".into()),
    )
}

fn unreadable(path: &str, problem: &dyn std::fmt::Display) -> ErrorPayload {
    ErrorPayload::new(
        "local.licences_unreadable",
        Category::Local,
        format!("The third-party licence list {path} cannot be read: {problem}"),
        Some("Rebuild the UI with `make ui`.".into()),
    )
}

/// The app's version, licence, repository and log folder.
#[tauri::command]
#[specta::specta]
pub async fn about() -> About {
    About::current()
}

/// The licences of every third-party package in the app, from the lists embedded with the built UI.
#[tauri::command]
#[specta::specta]
pub async fn third_party_licences<R: Runtime>(app: AppHandle<R>) -> Result<ThirdParty, ErrorPayload> {
    let assets = app.asset_resolver();
    // A path that is not in the built UI resolves to its index.html (the pages' fallback): not a list.
    ThirdParty::read(|path| {
        assets.get(path.to_owned()).filter(|asset| asset.mime_type.contains("json")).map(|asset| asset.bytes)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(texts: &[(&str, &str)], packages: &[(&str, &[u32])]) -> Vec<u8> {
        let texts: Vec<_> = texts
            .iter()
            .map(|(licence, text)| serde_json::json!({"licence": licence, "text": text}))
            .collect();
        let packages: Vec<_> = packages
            .iter()
            .map(|(name, texts)| {
                serde_json::json!({"name": name, "version": "1.0.0", "licence": "MIT", "repository": null, "texts": texts})
            })
            .collect();
        serde_json::to_vec(&serde_json::json!({"generator": "test", "texts": texts, "packages": packages}))
            .expect("JSON")
    }

    #[test]
    fn both_lists_become_one_with_the_npm_texts_numbered_after_the_rust_ones() {
        let rust = list(
            &[("MIT", "rust mit"), ("Apache-2.0", "rust apache")],
            &[("zeta", &[1]), ("alpha", &[0, 1])],
        );
        let npm = list(&[("MIT", "npm mit")], &[("svelte", &[0])]);
        let all = ThirdParty::read(|path| Some(if path == RUST_LIST { rust.clone() } else { npm.clone() }))
            .expect("readable");
        let names: Vec<_> = all.packages.iter().map(|p| (p.name.as_str(), p.ecosystem)).collect();
        assert_eq!(
            names,
            [("alpha", Ecosystem::Rust), ("zeta", Ecosystem::Rust), ("svelte", Ecosystem::Npm)]
        );
        let svelte = &all.packages[2];
        assert_eq!(svelte.texts, [2]);
        assert_eq!(all.texts[svelte.texts[0] as usize].text, "npm mit");
        assert_eq!(all.packages[0].texts, [0, 1]);
    }

    #[test]
    fn a_missing_or_broken_list_is_an_error_that_names_it() {
        let rust = list(&[("MIT", "t")], &[("a", &[0])]);
        let error =
            ThirdParty::read(|path| (path == RUST_LIST).then(|| rust.clone())).expect_err("npm.json missing");
        assert!(error.message.contains(NPM_LIST), "{}", error.message);
        let dangling = list(&[("MIT", "t")], &[("a", &[1])]);
        let error = ThirdParty::read(|_| Some(dangling.clone())).expect_err("a text index out of range");
        assert!(error.message.contains("a 1.0.0 refers to licence text 1 of 1"), "{}", error.message);
        let textless = list(&[], &[("b", &[])]);
        let error = ThirdParty::read(|_| Some(textless.clone())).expect_err("a package without a text");
        assert!(error.message.contains("b 1.0.0 has no licence text"), "{}", error.message);
        let error = ThirdParty::read(|_| Some(b"{}".to_vec())).expect_err("not a list");
        assert!(error.message.contains(RUST_LIST), "{}", error.message);
    }

    #[test]
    fn about_names_the_workspace_licence_and_the_log_folder() {
        let about = About::current();
        assert_eq!(about.licence, "MIT");
        assert_eq!(about.app, AppInfo::current());
        assert_eq!(about.log_dir, crate::app_dirs::log_dir().to_string_lossy());
    }
}
