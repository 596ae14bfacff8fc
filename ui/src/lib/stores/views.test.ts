import { describe, expect, it } from "vitest";
import { failure } from "../../test/fixtures";
import { views } from "../../test/grid";
import { mockBackend, refuse } from "../../test/ipc";
import { sameView, TableViews, viewKey } from "./views.svelte";

describe("Table views", () => {
  it("reads the views once, however often asked, and finds one by kind and id", async () => {
    const backend = mockBackend({ views_list: () => views });
    const tableViews = new TableViews("c-1", "account");
    const [first, second] = await Promise.all([tableViews.load(), tableViews.load()]);
    expect(first).toEqual(views);
    expect(second).toEqual(views);
    expect(tableViews.list).toEqual(views);
    expect(backend.argsOf("views_list")).toEqual([["c-1", "account"]]);
    expect(tableViews.find({ kind: "personal", id: "v-mine" })?.name).toBe("My Big Accounts");
    expect(tableViews.find({ kind: "system", id: "v-mine" })).toBeUndefined();
    expect(tableViews.failure).toBeNull();
  });

  it("keeps why the views could not be read, with none to offer", async () => {
    mockBackend({ views_list: () => refuse(failure("net.dns", "Unreachable.")) });
    const tableViews = new TableViews("c-1", "account");
    expect(await tableViews.load()).toEqual([]);
    expect(tableViews.list).toEqual([]);
    expect(tableViews.failure?.message).toBe("Unreachable.");
  });

  it("tells views apart by kind and id, and spells their key", () => {
    expect(sameView({ kind: "system", id: "a" }, { kind: "system", id: "a" })).toBe(true);
    expect(sameView({ kind: "system", id: "a" }, { kind: "personal", id: "a" })).toBe(false);
    expect(sameView({ kind: "system", id: "a" }, { kind: "system", id: "b" })).toBe(false);
    expect(viewKey({ kind: "personal", id: "v-1" })).toBe("personal:v-1");
  });
});
