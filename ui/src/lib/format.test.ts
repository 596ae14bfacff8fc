import { describe, expect, it } from "vitest";
import { failure } from "../test/fixtures";
import { details, since } from "./format";

describe("since", () => {
  const now = new Date("2026-05-01T12:00:00Z");
  const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000).toISOString();

  it.each([
    [0, "just now"],
    [59, "just now"],
    [60, "1 min ago"],
    [3599, "59 min ago"],
    [3600, "1 h ago"],
    [86399, "23 h ago"],
  ])("says %i seconds ago as %j", (seconds, said) => {
    expect(since(ago(seconds), now)).toBe(said);
  });

  it("gives the date past a day", () => {
    const at = ago(86400);
    expect(since(at, now)).toBe(new Date(at).toLocaleDateString());
  });

  it("gives back a time it cannot read", () => {
    expect(since("not a time", now)).toBe("not a time");
  });

  it("counts from now by default", () => {
    expect(since(new Date().toISOString())).toBe("just now");
  });
});

describe("details", () => {
  it("lists the context, then the error, and what to do when known", () => {
    const error = failure("auth.x", "No.", "Do this.");
    expect(details(error, { a: "1", b: "2" })).toBe(
      "a: 1\nb: 2\nerror: auth.x\nmessage: No.\nwhat to do: Do this.",
    );
    expect(details({ ...error, hint: null }, {})).toBe("error: auth.x\nmessage: No.");
    expect(details({ ...error, details: "AADSTS7000215\ntrace 1" }, {})).toBe(
      "error: auth.x\nmessage: No.\nwhat to do: Do this.\ndetails: AADSTS7000215\ntrace 1",
    );
  });
});
