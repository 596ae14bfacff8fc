import { describe, expect, it } from "vitest";
import { HashRouter, href, parseRoute, type Route } from "./router.svelte";

function hashChanged(): Promise<void> {
  return new Promise((resolve) => {
    window.addEventListener(
      "hashchange",
      () => {
        resolve();
      },
      { once: true },
    );
  });
}

describe("Routes", () => {
  it.each<[string, Route]>([
    ["", { name: "connections" }],
    ["#", { name: "connections" }],
    ["#/connections", { name: "connections" }],
    ["#connections", { name: "connections" }],
    ["#/nowhere", { name: "connections" }],
    ["#/somewhere/else/entirely", { name: "connections" }],
    ["#/connection/", { name: "connections" }],
    ["#/connection/%E0%A4%A", { name: "connections" }],
    ["#/connection/abc", { name: "connection", id: "abc" }],
    ["#/connection/a%2Fb%20c", { name: "connection", id: "a/b c" }],
    ["#/connection/abc/table/account", { name: "table", id: "abc", table: "account" }],
    ["#/connection/sandbox/table/new_a%2Fb", { name: "table", id: "sandbox", table: "new_a/b" }],
    ["#/connection/abc/table/", { name: "connections" }],
    ["#/connection/abc/table", { name: "connections" }],
    ["#/connection/abc/tables/account", { name: "connections" }],
    ["#/connection/abc/table/account/more", { name: "connections" }],
    ["#/connection//table/account", { name: "connections" }],
    ["#/connection/abc/table/%E0%A4%A", { name: "connections" }],
    ["#/connection/abc/", { name: "connections" }],
    [
      "#/connection/abc/table/account?view=system:v-1",
      { name: "table", id: "abc", table: "account", view: { kind: "system", id: "v-1" } },
    ],
    [
      "#/connection/abc/table/account?view=personal:p-2",
      { name: "table", id: "abc", table: "account", view: { kind: "personal", id: "p-2" } },
    ],
    ["#/connection/abc/table/account?view=shared:v-1", { name: "table", id: "abc", table: "account" }],
    ["#/connection/abc/table/account?view=system:", { name: "table", id: "abc", table: "account" }],
    ["#/connection/abc/table/account?view=", { name: "table", id: "abc", table: "account" }],
    [
      "#/connection/abc/table/contact?filter=_parentcustomerid_value%20eq%20a-1",
      { name: "table", id: "abc", table: "contact", filter: "_parentcustomerid_value eq a-1" },
    ],
    ["#/connection/abc?view=system:v-1", { name: "connection", id: "abc" }],
    ["#/connection/abc/console", { name: "console", id: "abc" }],
    ["#/connection/abc/console/more", { name: "connections" }],
    ["#/connection/abc/consoles", { name: "connections" }],
  ])("reads %j as %j", (hash, route) => {
    expect(parseRoute(hash)).toEqual(route);
  });

  it.each<Route>([
    { name: "connections" },
    { name: "connection", id: "11111111-1111" },
    { name: "connection", id: "a/b #c" },
    { name: "table", id: "sandbox", table: "account" },
    { name: "table", id: "a/b", table: "new_x/y z" },
    { name: "console", id: "a/b" },
    { name: "table", id: "a", table: "account", view: { kind: "personal", id: "p:1&2" } },
    { name: "table", id: "a", table: "contact", filter: "name eq 'a&b?=c'" },
    { name: "table", id: "a", table: "contact", view: { kind: "system", id: "v" }, filter: "x eq 1" },
    {
      name: "table",
      id: "a",
      table: "account",
      filter: "revenue gt 5",
      where: [
        { column: "name", operator: "contains", value: "a&b #?=%" },
        { column: "primarycontactid", operator: "eq", value: "c-1", label: "Jo & Co" },
        { column: "fax", operator: "null" },
      ],
    },
  ])("spells %j as an address that reads back the same", (route) => {
    expect(parseRoute(href(route))).toEqual(route);
  });

  it("spells the addresses", () => {
    expect(href({ name: "connections" })).toBe("#/connections");
    expect(href({ name: "connection", id: "a/b" })).toBe("#/connection/a%2Fb");
    expect(href({ name: "console", id: "a/b" })).toBe("#/connection/a%2Fb/console");
    expect(href({ name: "table", id: "a/b", table: "c d" })).toBe("#/connection/a%2Fb/table/c%20d");
    expect(href({ name: "table", id: "a", table: "t", view: { kind: "system", id: "v-1" } })).toBe(
      "#/connection/a/table/t?view=system%3Av-1",
    );
    expect(href({ name: "table", id: "a", table: "t", filter: "x eq 1" })).toBe(
      "#/connection/a/table/t?filter=x+eq+1",
    );
    expect(href({ name: "table", id: "a", table: "t", where: [{ column: "n", operator: "null" }] })).toBe(
      "#/connection/a/table/t?where=%5B%7B%22column%22%3A%22n%22%2C%22operator%22%3A%22null%22%7D%5D",
    );
    expect(href({ name: "table", id: "a", table: "t", where: [] })).toBe("#/connection/a/table/t");
  });

  it.each([
    ["not json", "%7Bnope"],
    ["no list", encodeURIComponent('{"column":"n","operator":"null"}')],
    ["an empty list", "%5B%5D"],
    ["an unknown operator", encodeURIComponent('[{"column":"n","operator":"like"}]')],
    [
      "one bad condition among good ones",
      encodeURIComponent('[{"column":"n","operator":"null"},{"operator":"eq"}]'),
    ],
  ])("reads a where that is %s as no conditions", (_, where) => {
    expect(parseRoute(`#/connection/a/table/t?where=${where}`)).toEqual({
      name: "table",
      id: "a",
      table: "t",
    });
  });
});

describe("Hash router", () => {
  it("starts from the address", () => {
    window.location.hash = "#/connection/abc";
    expect(new HashRouter().route).toEqual({ name: "connection", id: "abc" });
  });

  it("follows the address while it listens, and not after", async () => {
    const router = new HashRouter();
    const stop = router.listen();
    const changed = hashChanged();
    window.location.hash = "#/connection/xyz";
    await changed;
    expect(router.route).toEqual({ name: "connection", id: "xyz" });
    stop();
    const again = hashChanged();
    window.location.hash = "#/connections";
    await again;
    expect(router.route).toEqual({ name: "connection", id: "xyz" });
  });

  it("navigates: the route at once, the address with it", () => {
    const router = new HashRouter();
    router.go({ name: "connection", id: "a b" });
    expect(router.route).toEqual({ name: "connection", id: "a b" });
    expect(window.location.hash).toBe("#/connection/a%20b");
  });
});
