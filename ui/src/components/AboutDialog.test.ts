// The About dialog, opened from the status bar: the app's facts at once, the third-party licences only when
// asked for (a filter, one package opened to its texts).
import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import App from "../App.svelte";
import type { ThirdPartyPackage } from "../bindings";
import { countsLine, matchingPackages } from "../lib/licences";
import { failure } from "../test/fixtures";
import { aboutInfo, mockBackend, refuse, thirdParty, type Handlers } from "../test/ipc";

async function openAbout(handlers: Handlers = {}) {
  const backend = mockBackend({
    about: () => aboutInfo,
    third_party_licences: () => thirdParty,
    ...handlers,
  });
  render(App);
  await fireEvent.click(screen.getByRole("button", { name: "About" }));
  const dialog = await screen.findByRole("dialog", { name: "About D365 Desk" });
  return { backend, dialog };
}

async function showLicences(dialog: HTMLElement) {
  await fireEvent.click(within(dialog).getByRole("button", { name: "Show third-party licences" }));
  return within(dialog).findByRole("list", { name: "Third-party packages" });
}

const names = (list: HTMLElement) =>
  within(list)
    .queryAllByTestId("licence-name")
    .map((name) => name.textContent);

describe("About dialog", () => {
  it("opens from the status bar with the version, the licence, the repository and the log folder", async () => {
    const { backend, dialog } = await openAbout();
    expect((await within(dialog).findByTestId("about-version")).textContent).toBe("9.9.9");
    expect(within(dialog).getByTestId("about-licence").textContent).toBe("MIT");
    expect(within(dialog).getByTestId("about-repository").textContent).toBe(aboutInfo.repository);
    expect(within(dialog).getByTestId("about-log-dir").textContent).toBe(aboutInfo.log_dir);
    // The licences are large: nothing asks for them until the person does.
    expect(backend.called("third_party_licences")).toBe(false);
    expect(within(dialog).queryByRole("list", { name: "Third-party packages" })).toBeNull();
  });

  it("copies the log folder's path", async () => {
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    const { dialog } = await openAbout();
    await fireEvent.click(await within(dialog).findByRole("button", { name: "Copy path" }));
    expect(writeText).toHaveBeenCalledWith(aboutInfo.log_dir);
    expect(await within(dialog).findByRole("button", { name: "Copied" })).toBeTruthy();
  });

  it("shows no repository row when the package names none", async () => {
    const { dialog } = await openAbout({ about: () => ({ ...aboutInfo, repository: null }) });
    await within(dialog).findByTestId("about-log-dir");
    expect(within(dialog).queryByTestId("about-repository")).toBeNull();
    expect(within(dialog).queryByText("Source code")).toBeNull();
  });

  it("closes with Escape and with its close button", async () => {
    const { dialog } = await openAbout();
    await fireEvent.keyDown(dialog, { key: "Escape" });
    expect(screen.queryByRole("dialog")).toBeNull();
    await fireEvent.click(screen.getByRole("button", { name: "About" }));
    await fireEvent.click(within(await screen.findByRole("dialog")).getByRole("button", { name: "Close" }));
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("lists every third-party package once asked, with the counts by ecosystem", async () => {
    const { backend, dialog } = await openAbout();
    const list = await showLicences(dialog);
    expect(names(list)).toEqual(["serde", "tauri", "tauri-build", "zstd-safe", "svelte"]);
    expect(within(dialog).getByTestId("licence-counts").textContent).toBe("4 Rust crates and 1 npm package");
    expect(backend.argsOf("third_party_licences")).toHaveLength(1);
    // No text is shown before a package is opened.
    expect(within(dialog).queryAllByTestId("licence-text")).toHaveLength(0);
    await waitFor(() => {
      expect(document.activeElement).toBe(within(dialog).getByTestId("licence-filter"));
    });
  });

  it("filters by name, the package named first, or by licence", async () => {
    const { dialog } = await openAbout();
    const list = await showLicences(dialog);
    const filter = within(dialog).getByTestId("licence-filter");
    await fireEvent.input(filter, { target: { value: "TAURI " } });
    expect(names(list)).toEqual(["tauri", "tauri-build"]);
    await fireEvent.input(filter, { target: { value: "build" } });
    expect(names(list)).toEqual(["tauri-build"]);
    await fireEvent.input(filter, { target: { value: "and apache" } });
    expect(names(list)).toEqual(["zstd-safe"]);
    await fireEvent.input(filter, { target: { value: "left-pad" } });
    expect(names(list)).toEqual([]);
    expect(within(dialog).getByText("No package matches “left-pad”.")).toBeTruthy();
  });

  it("opens one package to its licence texts, and closes it again", async () => {
    const { dialog } = await openAbout();
    const list = await showLicences(dialog);
    const line = (name: string) => {
      const found = within(list)
        .getAllByTestId("licence-package")
        .find((button) => within(button).getByTestId("licence-name").textContent === name);
      if (!found) throw new Error(`no line for ${name}`);
      return found;
    };
    await fireEvent.click(line("tauri"));
    expect(line("tauri").getAttribute("aria-expanded")).toBe("true");
    const texts = () =>
      within(list)
        .queryAllByTestId("licence-text")
        .map((text) => text.textContent);
    expect(texts()).toEqual([thirdParty.texts[0]?.text]);
    expect(within(list).getByTestId("licence-repository").textContent).toBe(
      "https://github.com/tauri-apps/tauri",
    );
    // Another package replaces it; a package under two licences shows both texts.
    await fireEvent.click(line("zstd-safe"));
    expect(line("tauri").getAttribute("aria-expanded")).toBe("false");
    expect(texts()).toEqual([thirdParty.texts[0]?.text, thirdParty.texts[1]?.text]);
    await fireEvent.click(line("zstd-safe"));
    expect(texts()).toEqual([]);
    await fireEvent.click(line("svelte"));
    expect(texts()).toEqual([thirdParty.texts[3]?.text]);
  });

  it("says why when the lists cannot be read", async () => {
    const { dialog } = await openAbout({
      third_party_licences: () =>
        refuse(
          failure("local.licences_missing", "This build has no third-party licence list.", "Build the UI."),
        ),
    });
    await fireEvent.click(within(dialog).getByRole("button", { name: "Show third-party licences" }));
    const alert = await within(dialog).findByRole("alert");
    expect(alert.textContent).toBe("This build has no third-party licence list. Build the UI.");
  });
});

describe("matchingPackages", () => {
  it("keeps the list as it is for an empty query", () => {
    expect(matchingPackages(thirdParty.packages, "  ")).toBe(thirdParty.packages);
  });

  it("ranks the exact name, then names starting with the query, then containing it, then licences", () => {
    const crate = (name: string, licence: string): ThirdPartyPackage => ({
      ecosystem: "rust",
      name,
      version: "1.0.0",
      licence,
      repository: null,
      texts: [0],
    });
    const list = [
      ...thirdParty.packages,
      crate("my-tauri-helper", "MIT"),
      crate("other", "LicenseRef-tauri"),
    ];
    // Reversed, so that the order comes from the ranks, not from the list.
    expect(matchingPackages(list.reverse(), "tauri").map((item) => item.name)).toEqual([
      "tauri",
      "tauri-build",
      "my-tauri-helper",
      "other",
    ]);
    expect(matchingPackages(list, "2.12").map((item) => item.name)).toEqual(["tauri"]);
  });
});

describe("countsLine", () => {
  it("counts each ecosystem, singular for one", () => {
    expect(countsLine(thirdParty.packages)).toBe("4 Rust crates and 1 npm package");
    expect(countsLine(thirdParty.packages.slice(0, 1))).toBe("1 Rust crate and 0 npm packages");
  });
});
