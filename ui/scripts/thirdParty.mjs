// The third-party licences of the About dialog, generated at build time into the built UI, one format for
// both (the Rust side reads it: src-tauri/commands/about.rs, `ListFile`):
//   dist/third-party/npm.json   the npm packages bundled into the UI, found by rollup-plugin-license from the
//                               modules that are really in the bundle (svelte's runtime included);
//   dist/third-party/rust.json  the Rust crates compiled into the app, from cargo-about's JSON, which
//                               `make target/licences/rust.json` generates outside ui/ (the build fails
//                               without it).
// Each is { generator, texts: [{ licence, text }], packages: [{ name, version, licence, repository, texts }] },
// `texts` in a package being indices into the file's `texts` (hundreds of crates share a few texts).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import license from "rollup-plugin-license";

/** Licences an npm package bundled into the UI may have; anything else fails the build until reviewed. */
const NPM_ACCEPTED = "(MIT OR Apache-2.0 OR ISC OR BSD-2-Clause OR BSD-3-Clause OR 0BSD)";

/** One list's texts, each kept once. */
class Texts {
  texts = [];
  #index = new Map();

  add(licence, text) {
    const key = `${licence}\u0000${text}`;
    let index = this.#index.get(key);
    if (index === undefined) {
      index = this.texts.length;
      this.texts.push({ licence, text });
      this.#index.set(key, index);
    }
    return index;
  }
}

const byNameThenVersion = (a, b) =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : a.version < b.version ? -1 : a.version > b.version ? 1 : 0;

function repositoryUrl(repository) {
  const url = typeof repository === "string" ? repository : repository?.url;
  if (!url) return null;
  // package.json's shorthand: "owner/name" or "github:owner/name" is a GitHub repository.
  const shorthand = /^(?:github:)?([\w.-]+\/[\w.-]+)$/.exec(url);
  if (shorthand) return `https://github.com/${shorthand[1] ?? ""}`;
  return url.replace(/^git\+/, "").replace(/\.git$/, "");
}

/** Every licence file of an installed package (LICENSE-MIT and LICENSE-APACHE-2.0 both, where
 * rollup-plugin-license reads the first only), each named after the licence its file name gives, else after
 * the package's expression. Empty when that version is not the one in node_modules/<name>. */
function licenceFiles(nodeModules, dependency) {
  const dir = join(nodeModules, dependency.name);
  try {
    if (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).version !== dependency.version) return [];
  } catch {
    return [];
  }
  const ids = dependency.license.match(/[\w.+-]+/g) ?? [];
  return readdirSync(dir)
    .filter((file) => /^licen[cs]e/i.test(file))
    .sort()
    .map((file) => {
      const suffix = file.replace(/^licen[cs]e[-_.]?/i, "").replace(/\.(md|txt)$/i, "");
      const id = ids.find((candidate) => candidate.toLowerCase() === suffix.toLowerCase());
      return { licence: id ?? dependency.license, text: readFileSync(join(dir, file), "utf8").trim() };
    });
}

/** rollup-plugin-license's dependencies as a list file. */
export function npmList(dependencies, nodeModules) {
  const texts = new Texts();
  const packages = dependencies.map((dependency) => {
    if (!dependency.license) {
      throw new Error(`the bundled npm package ${dependency.name}@${dependency.version} declares no licence`);
    }
    let files = licenceFiles(nodeModules, dependency);
    if (files.length === 0 && dependency.licenseText) {
      files = [{ licence: dependency.license, text: dependency.licenseText }];
    }
    if (files.length === 0) {
      throw new Error(
        `the bundled npm package ${dependency.name}@${dependency.version} ships no licence text`,
      );
    }
    if (dependency.noticeText) files.push({ licence: "NOTICE", text: dependency.noticeText });
    return {
      name: dependency.name,
      version: dependency.version,
      licence: dependency.license,
      repository: repositoryUrl(dependency.repository),
      texts: files.map((file) => texts.add(file.licence, file.text)),
    };
  });
  return {
    generator: "rollup-plugin-license",
    texts: texts.texts,
    packages: packages.sort(byNameThenVersion),
  };
}

/** cargo-about's JSON (`--format json`) as a list file: every crate, with the texts of the licences it is
 * used under. The workspace's own crates (no registry source) are the app itself, not third-party. */
export function rustList(about) {
  const texts = new Texts();
  const crates = new Map();
  for (const { package: krate, license: expression } of about.crates) {
    if (krate.source === null) continue;
    crates.set(krate.id, {
      name: krate.name,
      version: krate.version,
      licence: krate.license ?? expression,
      repository: krate.repository ?? null,
      texts: [],
    });
  }
  for (const licence of about.licenses) {
    const index = texts.add(licence.id, licence.text);
    for (const { crate: krate } of licence.used_by) {
      const listed = crates.get(krate.id);
      if (listed && !listed.texts.includes(index)) listed.texts.push(index);
    }
  }
  const packages = [...crates.values()];
  const textless = packages.filter((krate) => krate.texts.length === 0);
  if (textless.length > 0) {
    throw new Error(`cargo-about gave no licence text for ${textless.map((k) => k.name).join(", ")}`);
  }
  return { generator: "cargo-about", texts: texts.texts, packages: packages.sort(byNameThenVersion) };
}

/**
 * The plugins that write dist/third-party/{rust,npm}.json (`vite build` only).
 * @param {{ rustJson: string, makeRule: string }} options cargo-about's output (relative to ui/), and the make
 * rule that makes it.
 */
export function thirdPartyLicences({ rustJson: relative, makeRule }) {
  const ui = fileURLToPath(new URL("..", import.meta.url));
  const rustJson = resolve(ui, relative);
  let bundled = null;
  const scan = license({
    thirdParty: {
      multipleVersions: true,
      allow: { test: NPM_ACCEPTED, failOnUnlicensed: true, failOnViolation: true },
      output: (dependencies) => {
        bundled = dependencies;
      },
    },
  });
  return [
    { ...scan, apply: "build" },
    {
      name: "d365desk-third-party-licences",
      apply: "build",
      buildStart() {
        if (!existsSync(rustJson)) {
          this.error(
            `${rustJson} is missing: the Rust crates' licences are generated by cargo-about. Run \`make ${makeRule}\` (make ui does).`,
          );
        }
      },
      generateBundle() {
        if (bundled === null) this.error("rollup-plugin-license listed no bundled packages");
        let about;
        try {
          about = JSON.parse(readFileSync(rustJson, "utf8"));
        } catch (err) {
          this.error(
            `${rustJson} is not cargo-about's JSON (${String(err)}): run \`make ${makeRule}\` again`,
          );
        }
        for (const [fileName, list] of [
          ["third-party/rust.json", () => rustList(about)],
          ["third-party/npm.json", () => npmList(bundled, join(ui, "node_modules"))],
        ]) {
          let source;
          try {
            source = JSON.stringify(list());
          } catch (err) {
            this.error(`${fileName}: ${err instanceof Error ? err.message : String(err)}`);
          }
          this.emitFile({ type: "asset", fileName, source });
        }
      },
    },
  ];
}
