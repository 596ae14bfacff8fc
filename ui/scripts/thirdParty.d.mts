// Types of thirdParty.mjs for vite.config.ts and its tests (the build scripts are plain JavaScript run by Node).
import type { Plugin } from "vite";

/** The format of dist/third-party/{rust,npm}.json (src-tauri/commands/about.rs reads it). */
export interface ListFile {
  generator: string;
  texts: { licence: string; text: string }[];
  packages: { name: string; version: string; licence: string; repository: string | null; texts: number[] }[];
}

/** The part of cargo-about's `--format json` output the list is made from. */
export interface CargoAbout {
  licenses: { id: string; text: string; used_by: { crate: { id: string } }[] }[];
  crates: {
    package: {
      id: string;
      name: string;
      version: string;
      source: string | null;
      license: string | null;
      repository: string | null;
    };
    license: string;
  }[];
}

/** The part of a rollup-plugin-license dependency the list is made from. */
export interface BundledPackage {
  name: string;
  version: string;
  license: string | null;
  licenseText: string | null;
  noticeText: string | null;
  repository: string | { url: string } | null;
}

export function rustList(about: CargoAbout): ListFile;
export function npmList(dependencies: BundledPackage[], nodeModules: string): ListFile;
export function thirdPartyLicences(options: { rustJson: string; makeRule: string }): Plugin[];
