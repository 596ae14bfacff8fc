import { fireEvent, render, screen } from "@testing-library/svelte";
import { createRawSnippet } from "svelte";
import { describe, expect, it, vi } from "vitest";
import { failure } from "../test/fixtures";
import ErrorNotice from "./ErrorNotice.svelte";

describe("Error notice", () => {
  it("says what happened and what to do, as an alert", () => {
    render(ErrorNotice, { error: failure("auth.x", "Refused.", "Ask for access."), testid: "the-error" });
    const alert = screen.getByRole("alert");
    expect(alert.dataset["testid"]).toBe("the-error");
    expect(screen.getByText("Refused.").tagName).toBe("STRONG");
    expect(screen.getByText("Ask for access.").tagName).toBe("P");
    expect(screen.queryByRole("button")).toBeNull();
  });

  it("has no hint line when there is no hint", () => {
    render(ErrorNotice, { error: failure("auth.x", "Refused.") });
    expect(screen.getByRole("alert").querySelector("p")).toBeNull();
    expect(screen.getByRole("alert").querySelector(".actions")).toBeNull();
  });

  it("offers the details to copy, and the actions given", () => {
    const retry = createRawSnippet(() => ({ render: () => "<button>Try again</button>" }));
    render(ErrorNotice, { error: failure("auth.x", "Refused."), details: "error: auth.x", children: retry });
    expect(screen.getByRole("button", { name: "Copy details" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Try again" })).toBeTruthy();
  });

  it("offers the actions alone", () => {
    const retry = createRawSnippet(() => ({ render: () => "<button>Try again</button>" }));
    render(ErrorNotice, { error: failure("auth.x", "Refused."), children: retry });
    expect(screen.getAllByRole("button").map((b) => b.textContent)).toEqual(["Try again"]);
  });

  it("brings itself into sight when it appears", () => {
    const scroll = vi.spyOn(Element.prototype, "scrollIntoView");
    render(ErrorNotice, { error: failure("auth.x", "Refused.") });
    expect(scroll).toHaveBeenCalledWith({ block: "nearest" });
    expect(scroll.mock.contexts[0]).toBe(screen.getByRole("alert"));
  });

  it("offers the error's own details to copy, unless given others", async () => {
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    const error = { ...failure("auth.x", "Refused."), details: "trace: 42" };
    const { unmount } = render(ErrorNotice, { error });
    await fireEvent.click(screen.getByRole("button", { name: "Copy details" }));
    expect(writeText).toHaveBeenLastCalledWith("trace: 42");
    unmount();
    render(ErrorNotice, { error, details: "connection: X" });
    await fireEvent.click(screen.getByRole("button", { name: "Copy details" }));
    expect(writeText).toHaveBeenLastCalledWith("connection: X");
  });
});
