import { afterEach, describe, expect, it } from "vitest";
import { consoleHistory, rememberRequest, type ConsoleEntry } from "./consoleHistory";

function entry(path: string, extra: Partial<ConsoleEntry> = {}): ConsoleEntry {
  return { method: "GET", path, headers: [], body: "", ...extra };
}

describe("Console history", () => {
  afterEach(() => {
    localStorage.clear();
  });

  it("keeps the last 20 requests per connection, the newest first, each once", () => {
    for (let index = 0; index < 22; index++) rememberRequest("c-1", entry(`accounts?$top=${String(index)}`));
    const history = consoleHistory("c-1");
    expect(history).toHaveLength(20);
    expect(history[0]?.path).toBe("accounts?$top=21");
    expect(history[19]?.path).toBe("accounts?$top=2");
    rememberRequest("c-1", entry("accounts?$top=10"));
    expect(consoleHistory("c-1")).toHaveLength(20);
    expect(consoleHistory("c-1")[0]?.path).toBe("accounts?$top=10");
    expect(consoleHistory("c-1").filter((found) => found.path === "accounts?$top=10")).toHaveLength(1);
    expect(consoleHistory("c-2")).toEqual([]);
  });

  it("never keeps an Authorization header, whatever its case", () => {
    const headers = [
      { name: " authorization ", value: "Bearer eyJ" },
      { name: "Prefer", value: "odata.include-annotations=*" },
    ];
    const kept = rememberRequest("c-1", entry("WhoAmI", { headers, body: "{}" }));
    const prefer = { name: "Prefer", value: "odata.include-annotations=*" };
    expect(kept[0]).toEqual(entry("WhoAmI", { headers: [prefer], body: "{}" }));
    expect(JSON.stringify(localStorage)).not.toContain("eyJ");
  });

  it("reads what is not a list of requests as none, and drops entries that are not requests", () => {
    localStorage.setItem("d365desk.console:c-1", "{nope");
    expect(consoleHistory("c-1")).toEqual([]);
    localStorage.setItem("d365desk.console:c-1", '{"method":"GET"}');
    expect(consoleHistory("c-1")).toEqual([]);
    const good = entry("WhoAmI", { headers: [{ name: "A", value: "b" }] });
    const bad = [
      null,
      5,
      { ...good, method: 1 },
      { ...good, path: null },
      { ...good, body: 2 },
      { ...good, headers: "x" },
      { ...good, headers: [null] },
      { ...good, headers: [{ name: 1, value: "b" }] },
      { ...good, headers: [{ name: "A", value: 2 }] },
    ];
    localStorage.setItem("d365desk.console:c-1", JSON.stringify([good, ...bad]));
    expect(consoleHistory("c-1")).toEqual([good]);
  });
});
