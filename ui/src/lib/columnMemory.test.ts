import { afterEach, describe, expect, it } from "vitest";
import { rememberColumns, rememberedColumns } from "./columnMemory";

describe("Column memory", () => {
  afterEach(() => {
    localStorage.clear();
  });

  it("remembers the columns per connection and table, and forgets them with none", () => {
    expect(rememberedColumns("c-1", "account")).toEqual([]);
    rememberColumns("c-1", "account", ["name", "revenue"]);
    expect(rememberedColumns("c-1", "account")).toEqual(["name", "revenue"]);
    expect(rememberedColumns("c-2", "account")).toEqual([]);
    expect(rememberedColumns("c-1", "contact")).toEqual([]);
    rememberColumns("c-1", "account", []);
    expect(rememberedColumns("c-1", "account")).toEqual([]);
    expect(localStorage.length).toBe(0);
  });

  it("keeps ids and names with any characters apart", () => {
    rememberColumns("a.b", "c", ["x"]);
    expect(rememberedColumns("a", "b.c")).toEqual([]);
    expect(localStorage.key(0)).toBe('d365desk.columns:["a.b","c"]');
  });

  it("reads what is not a list of names as none", () => {
    localStorage.setItem('d365desk.columns:["c-1","account"]', "{not json");
    expect(rememberedColumns("c-1", "account")).toEqual([]);
    localStorage.setItem('d365desk.columns:["c-1","account"]', '{"name":1}');
    expect(rememberedColumns("c-1", "account")).toEqual([]);
    localStorage.setItem('d365desk.columns:["c-1","account"]', '["name",2]');
    expect(rememberedColumns("c-1", "account")).toEqual([]);
  });
});
