import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import EnvironmentFields from "./EnvironmentFields.svelte";

const base = { prefix: "org", cloud: "public" as const, tag: "" as const, readOnly: false };

describe("Environment fields", () => {
  it("makes production read-only until the user decides, and others writable", async () => {
    render(EnvironmentFields, base);
    const readOnly = screen.getByTestId<HTMLInputElement>("org-read-only");
    const tag = screen.getByLabelText("Environment");
    await fireEvent.change(tag, { target: { value: "prod" } });
    expect(readOnly.checked).toBe(true);
    await fireEvent.change(tag, { target: { value: "dev" } });
    expect(readOnly.checked).toBe(false);
    await fireEvent.change(tag, { target: { value: "prod" } });
    await fireEvent.click(readOnly);
    expect(readOnly.checked).toBe(false);
    await fireEvent.change(tag, { target: { value: "uat" } });
    await fireEvent.change(tag, { target: { value: "prod" } });
    expect(readOnly.checked).toBe(false);
  });

  it("keeps the read-only choice a duplicate came with", async () => {
    render(EnvironmentFields, { ...base, readOnly: true, decidedAlready: true });
    const readOnly = screen.getByTestId<HTMLInputElement>("org-read-only");
    expect(readOnly.checked).toBe(true);
    await fireEvent.change(screen.getByLabelText("Environment"), { target: { value: "dev" } });
    expect(readOnly.checked).toBe(true);
  });

  it("offers the clouds and the tags", () => {
    render(EnvironmentFields, base);
    const clouds = [...screen.getByLabelText<HTMLSelectElement>("Cloud").options].map((o) => o.value);
    expect(clouds).toEqual(["public", "gcc", "gcchigh", "dod", "china"]);
    const tags = [...screen.getByLabelText<HTMLSelectElement>("Environment").options].map((o) => o.value);
    expect(tags).toEqual(["", "dev", "test", "uat", "prod"]);
  });
});
