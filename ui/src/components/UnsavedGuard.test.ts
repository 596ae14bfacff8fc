import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import { PendingStore } from "../lib/stores/pending.svelte";
import { mockBackend } from "../test/ipc";
import UnsavedGuard from "./UnsavedGuard.svelte";

const heard = vi.hoisted(() => ({ decide: null as null | (() => Promise<boolean>) }));
vi.mock("../lib/windowClose", () => ({
  closeRequests: (decide: () => Promise<boolean>) => {
    heard.decide = decide;
    return () => undefined;
  },
}));

function staged() {
  mockBackend({ pending_save: () => null });
  const all = new PendingStore();
  all
    .for("c-1")
    .stage(
      { kind: "update", table: "account", id: "a", etag: null, column: "name", old: "A", new: "B" },
      {},
      (old, value) => old === value,
    );
  const onreview = vi.fn();
  render(UnsavedGuard, {
    props: { connection: "c-1", all, nameOf: (id: string) => (id === "c-1" ? "Contoso Dev" : id), onreview },
  });
  return { all, onreview };
}

function link(address: string): HTMLAnchorElement {
  const a = document.createElement("a");
  a.href = address;
  a.textContent = "Other";
  document.body.append(a);
  return a;
}

afterEach(() => {
  document.querySelectorAll("a").forEach((a) => {
    a.remove();
  });
  window.location.hash = "";
});

describe("Leaving with staged changes", () => {
  it("asks before another connection opens, saying the changes are kept; Review stays", async () => {
    const { onreview } = staged();
    await fireEvent.click(link("#/connection/c-2"));
    const guard = await screen.findByTestId("unsaved-guard");
    expect(guard.textContent).toContain("1 staged change on Contoso Dev");
    expect(guard.textContent).toContain("offered again");
    expect(window.location.hash).toBe("");
    await fireEvent.click(screen.getByTestId("unsaved-guard-review"));
    expect(onreview).toHaveBeenCalledOnce();
    expect(window.location.hash).toBe("");
  });

  it("goes on to the other connection when told to", async () => {
    staged();
    await fireEvent.click(link("#/connection/c-2/table/account"));
    await fireEvent.click(await screen.findByTestId("unsaved-guard-go"));
    expect(window.location.hash).toBe("#/connection/c-2/table/account");
  });

  it("does not ask within the same connection, or with nothing staged", async () => {
    const { all } = staged();
    await fireEvent.click(link("#/connection/c-1/table/contact"));
    expect(screen.queryByTestId("unsaved-guard")).toBeNull();
    all.for("c-1").revertAll();
    await fireEvent.click(link("#/connection/c-2"));
    expect(screen.queryByTestId("unsaved-guard")).toBeNull();
  });

  it("keeps the window open while it asks, and closes it once the changes are kept", async () => {
    const { onreview } = staged();
    const decide = heard.decide;
    if (!decide) throw new Error("the close request is not heard");
    const first = decide();
    await fireEvent.click(await screen.findByTestId("unsaved-guard-review"));
    expect(await first).toBe(false);
    expect(onreview).toHaveBeenCalledOnce();
    const second = decide();
    await fireEvent.click(await screen.findByTestId("unsaved-guard-go"));
    await waitFor(async () => {
      expect(await second).toBe(true);
    });
  });
});
