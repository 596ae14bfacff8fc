// The fake backend itself: typed against the bindings (checked by svelte-check), strict about commands.
import { describe, expect, it } from "vitest";
import { deleteConnection, listConnections, verifyConnection } from "../lib/api";
import { prod } from "./fixtures";
import { mockBackend } from "./ipc";

describe("Fake backend", () => {
  it("refuses, at type-check time, an answer of the wrong shape or an unknown command", () => {
    // @ts-expect-error: connections_list answers ConnectionView[], not numbers
    mockBackend({ connections_list: () => [1, 2] });
    // @ts-expect-error: connection_delete answers the revocation steps (string[])
    mockBackend({ connection_delete: () => true });
    // @ts-expect-error: there is no such command in the bindings
    mockBackend({ connection_rename: () => null });
    // @ts-expect-error: connection_delete takes the id as a string
    mockBackend({ connection_delete: (id: number) => [String(id)] });
    expect(true).toBe(true);
  });

  it("records each call with its arguments in the bindings' order", async () => {
    const backend = mockBackend({ connections_list: () => [prod], connection_delete: () => [] });
    expect(await listConnections()).toEqual([prod]);
    await deleteConnection("x");
    expect(backend.calls).toEqual([
      { command: "connections_list", args: [] },
      { command: "connection_delete", args: ["x"] },
    ]);
    expect(backend.argsOf("connection_delete")).toEqual([["x"]]);
    expect(backend.called("app_info")).toBe(false);
  });

  it("fails a command it has no answer for", async () => {
    mockBackend();
    await expect(verifyConnection("x", () => undefined)).rejects.toThrow(
      "unexpected command connection_verify",
    );
  });
});
