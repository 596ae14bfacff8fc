import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import type { ConsoleAnswer } from "../bindings";
import { createStores } from "../lib/stores";
import { failure, me } from "../test/fixtures";
import { mockBackend, refuse } from "../test/ipc";
import { renderWithStores } from "../test/render";
import ConsoleScreen from "./ConsoleScreen.svelte";

const whoAmI: ConsoleAnswer = {
  status: 200,
  millis: 42,
  headers: [
    { name: "content-type", value: "application/json" },
    { name: "x-ms-service-request-id", value: "r-1" },
  ],
  body: '{"UserId":"u-1","Big":12345678901234567890}',
  pretty: '{\n  "UserId": "u-1",\n  "Big": 12345678901234567890\n}',
};

function onConsole() {
  const stores = createStores();
  stores.router.go({ name: "console", id: me.id });
  return stores;
}

function typeInto(testid: string, value: string) {
  return fireEvent.input(screen.getByTestId(testid), { target: { value } });
}

afterEach(() => {
  localStorage.clear();
});

describe("Console screen", () => {
  it("sends WhoAmI as typed and shows the answer: status, time, headers folded, the body indented", async () => {
    const backend = mockBackend({ connections_list: () => [me], console_send: () => whoAmI });
    renderWithStores(ConsoleScreen, onConsole());
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Web API console");
    expect(screen.getByTestId<HTMLInputElement>("console-path").value).toBe("WhoAmI");
    await fireEvent.click(screen.getByTestId("console-send"));
    expect((await screen.findByTestId("console-status")).textContent).toBe("200");
    expect(screen.getByTestId("console-millis").textContent).toBe("42 ms");
    expect(screen.getByTestId("console-answer").textContent).toBe(whoAmI.pretty);
    const headers = screen.getByTestId<HTMLDetailsElement>("console-headers");
    expect(headers.open).toBe(false);
    expect(within(headers).getByText("2 headers")).toBeTruthy();
    expect(within(headers).getByText("x-ms-service-request-id")).toBeTruthy();
    expect(backend.argsOf("console_send")).toEqual([
      [me.id, { method: "GET", path: "WhoAmI", headers: [], body: null }],
    ]);
    expect(screen.queryByTestId("connection-console")).toBeNull();
    expect(screen.getByRole("link", { name: "← Tables" }).getAttribute("href")).toBe(`#/connection/${me.id}`);
  });

  it("sends the method, headers and body typed on Ctrl+Enter, and the body as is when not JSON", async () => {
    const backend = mockBackend({
      console_send: () => ({
        ...whoAmI,
        status: 400,
        headers: [whoAmI.headers[0] ?? { name: "", value: "" }],
        pretty: null,
        body: "Bad",
      }),
    });
    renderWithStores(ConsoleScreen, onConsole());
    const method = screen.getByTestId<HTMLSelectElement>("console-method");
    expect([...method.options].map((option) => option.value)).toEqual([
      "GET",
      "POST",
      "PATCH",
      "PUT",
      "DELETE",
    ]);
    await fireEvent.change(method, { target: { value: "POST" } });
    await typeInto("console-path", " accounts ");
    await fireEvent.click(screen.getByTestId("console-add-header"));
    await fireEvent.click(screen.getByTestId("console-add-header"));
    const [first] = screen.getAllByTestId("console-header");
    await fireEvent.input(within(first as HTMLElement).getByLabelText("Header name"), {
      target: { value: "Prefer" },
    });
    await fireEvent.input(within(first as HTMLElement).getByLabelText("Header value"), {
      target: { value: "return=representation" },
    });
    await typeInto("console-body", '{"revenue": 1000.10}');
    await fireEvent.keyDown(window, { key: "Enter" });
    expect(backend.called("console_send")).toBe(false);
    await fireEvent.keyDown(window, { key: "Enter", ctrlKey: true });
    expect((await screen.findByTestId("console-status")).textContent).toBe("400");
    expect(screen.getByTestId("console-answer").textContent).toBe("Bad");
    expect(screen.getByText("1 header")).toBeTruthy();
    expect(backend.argsOf("console_send")).toEqual([
      [
        me.id,
        {
          method: "POST",
          path: "accounts",
          headers: [{ name: "Prefer", value: "return=representation" }],
          body: '{"revenue": 1000.10}',
        },
      ],
    ]);
  });

  it("removes a header row, and sends no blank header or body", async () => {
    const backend = mockBackend({ console_send: () => whoAmI });
    renderWithStores(ConsoleScreen, onConsole());
    await fireEvent.click(screen.getByTestId("console-add-header"));
    const row = screen.getByTestId("console-header");
    await fireEvent.input(within(row).getByLabelText("Header name"), { target: { value: "Prefer" } });
    await fireEvent.click(within(row).getByRole("button", { name: "Remove the header" }));
    expect(screen.queryByTestId("console-header")).toBeNull();
    await fireEvent.click(screen.getByTestId("console-add-header"));
    const blank = screen.getByTestId("console-header");
    expect(within(blank).getByLabelText<HTMLInputElement>("Header value").value).toBe("");
    await fireEvent.input(within(blank).getByLabelText("Header name"), { target: { value: "   " } });
    await typeInto("console-body", "  \n ");
    await fireEvent.keyDown(window, { key: "Enter", metaKey: true });
    await screen.findByTestId("console-status");
    expect(backend.argsOf("console_send")[0]?.[1].headers).toEqual([]);
    expect(backend.argsOf("console_send")[0]?.[1].body).toBeNull();
  });

  it("keeps what was sent, to use again, and no Send without a path", async () => {
    const backend = mockBackend({ console_send: () => whoAmI });
    renderWithStores(ConsoleScreen, onConsole());
    expect(screen.queryByTestId("console-history")).toBeNull();
    await typeInto("console-path", "accounts?$top=3");
    await fireEvent.click(screen.getByTestId("console-send"));
    await screen.findByTestId("console-status");
    await typeInto("console-path", "   ");
    expect(screen.getByTestId<HTMLButtonElement>("console-send").disabled).toBe(true);
    await fireEvent.keyDown(window, { key: "Enter", ctrlKey: true });
    expect(backend.argsOf("console_send")).toHaveLength(1);
    const history = screen.getByTestId("console-history");
    const item = within(history).getByRole("button", { name: "GET accounts?$top=3" });
    await fireEvent.click(item);
    expect(screen.getByTestId<HTMLInputElement>("console-path").value).toBe("accounts?$top=3");
  });

  it("lists the requests sent before on this connection as it opens", async () => {
    const sent = {
      method: "PATCH",
      path: "accounts(a-1)",
      headers: [{ name: "If-Match", value: "*" }],
      body: "{}",
    };
    localStorage.setItem(`d365desk.console:${me.id}`, JSON.stringify([sent]));
    mockBackend();
    renderWithStores(ConsoleScreen, onConsole());
    await fireEvent.click(screen.getByRole("button", { name: "PATCH accounts(a-1)" }));
    expect(screen.getByTestId<HTMLSelectElement>("console-method").value).toBe("PATCH");
    expect(screen.getByTestId<HTMLTextAreaElement>("console-body").value).toBe("{}");
    const row = screen.getByTestId("console-header");
    expect(within(row).getByLabelText<HTMLInputElement>("Header name").value).toBe("If-Match");
  });

  it("says it is sending until the answer comes", async () => {
    mockBackend({ console_send: () => new Promise<ConsoleAnswer>(() => undefined) });
    renderWithStores(ConsoleScreen, onConsole());
    await fireEvent.click(screen.getByTestId("console-send"));
    expect(screen.getByTestId("console-send").textContent).toBe("Sending…");
    expect(screen.getByTestId<HTMLButtonElement>("console-send").disabled).toBe(true);
  });

  it("shows why the request could not be sent", async () => {
    mockBackend({ console_send: () => refuse(failure("net.dns", "The environment cannot be reached.")) });
    renderWithStores(ConsoleScreen, onConsole());
    await fireEvent.click(screen.getByTestId("console-send"));
    expect((await screen.findByTestId("console-error")).textContent).toContain("cannot be reached");
    expect(screen.queryByTestId("console-answer")).toBeNull();
    await waitFor(() => {
      expect(screen.getByTestId("console-send").textContent).toBe("Send");
    });
  });
});
