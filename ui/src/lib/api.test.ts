import { describe, expect, it } from "vitest";
import type { OrgForm, SignInEvent, Step } from "../bindings";
import { failure, me, sandbox, table } from "../test/fixtures";
import { mockBackend, refuse } from "../test/ipc";
import * as api from "./api";
import { ApiError, errorPayload } from "./api";

const progress = { loaded: 0, total: 0, total_is_lower_bound: false, complete: true };
const refusal = failure("vault.keyring_unavailable", "The keyring is locked.", "Unlock it.");

describe("api", () => {
  it("answers with the command's data", async () => {
    mockBackend({ sandbox_start: () => sandbox, connections_list: () => [me] });
    expect(await api.sandboxStart()).toEqual(sandbox);
    expect(await api.listConnections()).toEqual([me]);
  });

  it("throws an ApiError carrying the command's error payload", async () => {
    mockBackend({ connections_list: () => refuse(refusal) });
    const error: unknown = await api.listConnections().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toBeInstanceOf(Error);
    const apiError = error as ApiError;
    expect(apiError.payload).toEqual(refusal);
    expect(apiError.message).toBe("The keyring is locked.");
    expect(apiError.name).toBe("ApiError");
  });

  it("reads any failure as an ErrorPayload", () => {
    expect(errorPayload(new ApiError(refusal))).toEqual(refusal);
    const unexpected = { kind: "app.unexpected", category: "other", hint: null, column: null, details: null };
    expect(errorPayload(new Error("boom"))).toEqual({ ...unexpected, message: "boom" });
    expect(errorPayload("gone")).toEqual({ ...unexpected, message: "gone" });
  });

  it("lets a failure that is not a command's through as it is", async () => {
    mockBackend({ connections_list: undefined });
    const error: unknown = await api.listConnections().catch((err: unknown) => err);
    expect(error).not.toBeInstanceOf(ApiError);
    expect(errorPayload(error).message).toContain("unexpected command connections_list");
  });

  it("sends the org check with the form alone", async () => {
    const backend = mockBackend({ connection_check_org: () => [], connection_add_org: () => me });
    const form: OrgForm = {
      name: "n",
      tag: null,
      read_only: false,
      instance_url: "",
      tenant: "",
      client_id: "",
      cloud: "public",
      authority: null,
    };
    await api.checkOrg(form);
    await api.addOrg(form, "s3cret");
    expect(backend.argsOf("connection_check_org")).toEqual([[form]]);
    expect(backend.argsOf("connection_add_org")).toEqual([[form, "s3cret"]]);
  });

  it("sends an edit's fields in the command's order", async () => {
    const backend = mockBackend({ connection_edit: () => me });
    await api.editConnection("id-1", { name: "N", tag: "uat", read_only: true });
    expect(backend.argsOf("connection_edit")).toEqual([["id-1", "N", "uat", true]]);
  });

  it("turns a verification's channel into a callback", async () => {
    mockBackend({
      connection_verify: (_id, progress) => {
        progress.onmessage("token");
        progress.onmessage("who_am_i");
        return { outcome: "failed", step: "who_am_i", error: refusal };
      },
      sandbox_verify: (progress) => {
        progress.onmessage("organization");
        return { outcome: "failed", step: "organization", error: refusal };
      },
    });
    const heard: Step[] = [];
    const outcome = await api.verifyConnection("id-1", (step) => heard.push(step));
    expect(outcome.outcome).toBe("failed");
    await api.sandboxVerify((step) => heard.push(step));
    expect(heard).toEqual(["token", "who_am_i", "organization"]);
  });

  it("turns a sign-in's channel into a callback", async () => {
    const update: SignInEvent = { state: "waiting_for_browser" };
    mockBackend({
      connection_sign_in_again: (_id, _how, progress) => {
        progress.onmessage(update);
        return me;
      },
    });
    const heard: SignInEvent[] = [];
    expect(
      await api.signInAgain(me.id, { method: "browser", login_hint: null }, (u) => heard.push(u)),
    ).toEqual(me);
    expect(heard).toEqual([update]);
  });

  it("sends the browsing commands their arguments in order, and answers with their data", async () => {
    const opened = { grid: 7, view: { table, columns: [], available: [], sort: [], progress, rows: [] } };
    const backend = mockBackend({
      tables_list: () => [table],
      grid_open: () => opened,
      grid_rows: () => [],
      grid_load_more: () => progress,
      grid_close: () => null,
    });
    expect(await api.tablesList("sandbox", true)).toEqual([table]);
    const request = { table: "account", filter: "name eq 'x'", sort: [{ column: "name", descending: true }] };
    expect(await api.gridOpen("sandbox", request)).toEqual(opened);
    expect(await api.gridRows(7, 200, 100)).toEqual([]);
    expect(await api.gridLoadMore(7)).toEqual(progress);
    expect(await api.gridClose(7)).toBeNull();
    expect(backend.argsOf("tables_list")).toEqual([["sandbox", true]]);
    expect(backend.argsOf("grid_open")).toEqual([["sandbox", request]]);
    expect(backend.argsOf("grid_rows")).toEqual([[7, 200, 100]]);
    expect(backend.argsOf("grid_load_more")).toEqual([[7]]);
    expect(backend.argsOf("grid_close")).toEqual([[7]]);
  });

  it("sends the record, view, export and console commands their arguments, channels as callbacks", async () => {
    const record = {
      table,
      id: "a-1",
      etag: null,
      fields: [],
      json: "{}",
      app_link: "https://x/main.aspx",
      related: [],
    };
    const views = [
      { view: { kind: "system" as const, id: "v-1" }, name: "Active", is_default: true, columns: [] },
    ];
    const answer = { status: 200, millis: 12, headers: [], body: "{}", pretty: null };
    const event = {
      connection: "sandbox",
      event: { event: "retrying" as const, reason: "throttled" as const, attempt: 1, wait_ms: 3000 },
    };
    const backend = mockBackend({
      views_list: () => views,
      record_get: () => record,
      open_in_app: () => "https://x/main.aspx",
      grid_export: (_grid, _name, _format, written) => {
        written.onmessage(5000);
        return null;
      },
      grid_export_cancel: () => true,
      data_watch: (events) => {
        events.onmessage(event);
        return null;
      },
      console_send: () => answer,
      lookup_search: () => [{ table: "contact", id: "c-1", name: "Jo" }],
    });
    expect(await api.viewsList("sandbox", "account")).toEqual(views);
    expect(await api.recordGet("sandbox", "account", "a-1", ["name"])).toEqual(record);
    expect(await api.openInApp("sandbox", "account", null)).toBe("https://x/main.aspx");
    const written: number[] = [];
    expect(await api.gridExport(7, "Account", "csv", (rows) => written.push(rows))).toBeNull();
    expect(written).toEqual([5000]);
    expect(await api.gridExportCancel()).toBe(true);
    const heard: unknown[] = [];
    expect(await api.dataWatch((heardEvent) => heard.push(heardEvent))).toBeNull();
    expect(heard).toEqual([event]);
    const request = { method: "GET", path: "WhoAmI", headers: [], body: null };
    expect(await api.consoleSend("sandbox", request)).toEqual(answer);
    expect(backend.argsOf("views_list")).toEqual([["sandbox", "account"]]);
    expect(backend.argsOf("record_get")).toEqual([["sandbox", "account", "a-1", ["name"]]]);
    expect(backend.argsOf("open_in_app")).toEqual([["sandbox", "account", null]]);
    expect(backend.argsOf("grid_export")[0]?.slice(0, 3)).toEqual([7, "Account", "csv"]);
    expect(backend.argsOf("console_send")).toEqual([["sandbox", request]]);
    expect(await api.lookupSearch("sandbox", "contact", "J")).toEqual([
      { table: "contact", id: "c-1", name: "Jo" },
    ]);
    expect(backend.argsOf("lookup_search")).toEqual([["sandbox", "contact", "J"]]);
  });
});
