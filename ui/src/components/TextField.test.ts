import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import { FieldChecks } from "../lib/fieldChecks.svelte";
import TextField from "./TextField.svelte";

const base = { id: "f-tenant", field: "tenant", label: "Tenant", help: "Your tenant.", value: "" };

describe("Text field", () => {
  it("is a labelled text input described by its help", () => {
    render(TextField, { ...base, placeholder: "organizations" });
    const input = screen.getByLabelText<HTMLInputElement>("Tenant");
    expect([input.id, input.type, input.placeholder]).toEqual(["f-tenant", "text", "organizations"]);
    expect(input.getAttribute("aria-describedby")).toBe("f-tenant-help");
    expect(input.getAttribute("aria-invalid")).toBe("false");
    expect(input.getAttribute("autocomplete")).toBe("off");
    expect(document.getElementById("f-tenant-help")?.textContent).toBe("Your tenant.");
  });

  it("hides what is typed in a password field, and names what else describes it", () => {
    render(TextField, { ...base, type: "password", describedby: "facts" });
    const input = screen.getByLabelText<HTMLInputElement>("Tenant");
    expect(input.type).toBe("password");
    expect(input.getAttribute("aria-describedby")).toBe("f-tenant-help facts");
  });

  it("shows the field's problem instead of its help once it has been left", async () => {
    const checks = new FieldChecks();
    await checks.now([], () =>
      Promise.resolve([{ field: "tenant", message: "It is empty", hint: "Type it." }]),
    );
    render(TextField, { ...base, checks, describedby: "facts" });
    const input = screen.getByLabelText("Tenant");
    expect(screen.queryByRole("alert")).toBeNull();
    await fireEvent.blur(input);
    const problem = screen.getByTestId("problem-tenant");
    expect(problem.getAttribute("role")).toBe("alert");
    expect(problem.id).toBe("f-tenant-problem");
    expect(problem.textContent.trim()).toBe("It is empty Type it.");
    expect(problem.querySelector(".hint")?.textContent).toBe(" Type it.");
    expect(input.getAttribute("aria-invalid")).toBe("true");
    expect(input.getAttribute("aria-describedby")).toBe("f-tenant-problem facts");
    expect(screen.queryByText("Your tenant.")).toBeNull();
  });

  it("shows a problem without a hint, and only from the problems given", async () => {
    const checks = new FieldChecks();
    checks.touch("tenant");
    await checks.now(["tenant"], () =>
      Promise.resolve([{ field: "tenant", message: "Server says", hint: null }]),
    );
    render(TextField, { ...base, checks, problems: [{ field: "tenant", message: "Mine", hint: null }] });
    const problem = screen.getByTestId("problem-tenant");
    expect(problem.textContent.trim()).toBe("Mine");
    expect(problem.querySelector(".hint")).toBeNull();
  });

  it("can be left without checks", async () => {
    render(TextField, base);
    await fireEvent.blur(screen.getByLabelText("Tenant"));
    expect(screen.getByText("Your tenant.")).toBeTruthy();
  });
});
