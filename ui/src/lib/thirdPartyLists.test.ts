// The build script that writes dist/third-party/{rust,npm}.json (scripts/thirdParty.mjs): cargo-about's and
// rollup-plugin-license's findings made into the one list format the app reads.
import { describe, expect, it } from "vitest";
import { npmList, rustList, type BundledPackage, type CargoAbout } from "../../scripts/thirdParty.mjs";

type Crate = CargoAbout["crates"][number]["package"];

const crate = (name: string, license: string, source: string | null = "registry+crates.io"): Crate => ({
  id: `${name}@1.0.0`,
  name,
  version: "1.0.0",
  source,
  license,
  repository: `https://example.com/${name}`,
});

describe("rustList", () => {
  const zeta = crate("zeta", "MIT AND Apache-2.0");
  const alpha = crate("alpha", "MIT OR Apache-2.0");
  const own = crate("d365-vault", "MIT", null);
  const about: CargoAbout = {
    crates: [zeta, alpha, own].map((krate) => ({ package: krate, license: krate.license ?? "" })),
    licenses: [
      { id: "MIT", text: "MIT text", used_by: [{ crate: zeta }, { crate: alpha }, { crate: own }] },
      { id: "Apache-2.0", text: "Apache text", used_by: [{ crate: zeta }] },
    ],
  };

  it("lists each registry crate once, sorted, with the texts of every licence it is used under", () => {
    const list = rustList(about);
    expect(list.generator).toBe("cargo-about");
    expect(list.texts).toEqual([
      { licence: "MIT", text: "MIT text" },
      { licence: "Apache-2.0", text: "Apache text" },
    ]);
    expect(list.packages).toEqual([
      {
        name: "alpha",
        version: "1.0.0",
        licence: "MIT OR Apache-2.0",
        repository: alpha.repository,
        texts: [0],
      },
      {
        name: "zeta",
        version: "1.0.0",
        licence: "MIT AND Apache-2.0",
        repository: zeta.repository,
        texts: [0, 1],
      },
    ]);
  });

  it("fails when a crate got no licence text", () => {
    expect(() => rustList({ ...about, licenses: [] })).toThrow(
      "cargo-about gave no licence text for zeta, alpha",
    );
  });
});

describe("npmList", () => {
  const bundled = (name: string, more: Partial<BundledPackage> = {}): BundledPackage => ({
    name,
    version: "1.0.0",
    license: "MIT",
    licenseText: `${name}'s licence`,
    noticeText: null,
    repository: null,
    ...more,
  });

  it("keeps each text once, and reads a repository's shorthand as GitHub's", () => {
    const list = npmList(
      [
        bundled("clsx", { repository: "lukeed/clsx" }),
        bundled("a", { repository: { url: "git+https://github.com/o/a.git" }, noticeText: "NOTICE a" }),
        bundled("b", { licenseText: "a's licence" }),
      ],
      "no-node-modules-here",
    );
    expect(list.packages.map((item) => [item.name, item.repository, item.texts])).toEqual([
      ["a", "https://github.com/o/a", [1, 2]],
      ["b", null, [1]],
      ["clsx", "https://github.com/lukeed/clsx", [0]],
    ]);
    expect(list.texts[2]).toEqual({ licence: "NOTICE", text: "NOTICE a" });
  });

  it("reads every licence file of an installed package, each named after its licence", () => {
    const list = npmList(
      [bundled("@tauri-apps/api", { version: "2.12.5", license: "Apache-2.0 OR MIT" })],
      "node_modules",
    );
    expect(list.texts.map((text) => text.licence)).toEqual(["Apache-2.0", "MIT"]);
    expect(list.texts[0]?.text).toContain("Apache License");
    expect(list.texts[1]?.text).toContain("Permission is hereby granted");
  });

  it("fails for a package without a licence or its text", () => {
    expect(() => npmList([bundled("x", { license: null })], "none")).toThrow("x@1.0.0 declares no licence");
    expect(() => npmList([bundled("y", { licenseText: null })], "none")).toThrow(
      "y@1.0.0 ships no licence text",
    );
  });
});
