import { render, screen } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import SetupGuide from "./SetupGuide.svelte";

const registrations = "https://entra.microsoft.com/#view/Microsoft_AAD_RegisteredApps/ApplicationsListBlade";

function copyButtons(): string[] {
  return screen.getAllByRole("button").map((button) => button.getAttribute("aria-label") ?? "");
}

describe("Setup guide", () => {
  it("tells what to create in Azure and Dataverse for an org connection, with the links to copy", () => {
    render(SetupGuide, { kind: "org" });
    const guide = screen.getByTestId("org-guide");
    expect(guide.querySelector("summary")?.textContent.trim()).toBe(
      "Setup guide: what to create in Azure and Dataverse",
    );
    expect(guide.textContent).toContain("Create a client secret.");
    expect(guide.textContent).toContain("Add an application user in Dataverse.");
    expect(guide.textContent).toContain("Instance URL.");
    expect(guide.textContent).toContain("Tenant ID.");
    expect(guide.textContent).not.toContain("Or leave it empty");
    expect(copyButtons()).toEqual([
      `Copy link: ${registrations}`,
      "Copy link: https://admin.powerplatform.microsoft.com/environments",
    ]);
  });

  it("tells how to sign in with one's own account, with the values to copy", () => {
    render(SetupGuide, { kind: "user" });
    const guide = screen.getByTestId("user-guide");
    expect(guide.querySelector("summary")?.textContent.trim()).toBe(
      "Setup guide: signing in with your own account",
    );
    expect(guide.textContent).toContain("Nothing to register to try it.");
    expect(guide.textContent).toContain(
      "Or leave it empty and pick from your environments after signing in.",
    );
    expect(guide.textContent).toContain("Tenant ID.");
    expect(copyButtons()).toEqual([
      "Copy: 51f81489-12ee-4a9e-aaae-a2591f45987d",
      `Copy link: ${registrations}`,
      "Copy: http://localhost",
      "Copy: user_impersonation",
    ]);
  });

  it("tells where to get a token, and nothing about instances or tenants", () => {
    render(SetupGuide, { kind: "bearer" });
    const guide = screen.getByTestId("bearer-guide");
    expect(guide.querySelector("summary")?.textContent.trim()).toBe("Where to get a token");
    expect(guide.textContent).toContain("az account get-access-token");
    expect(guide.textContent).not.toContain("Instance URL.");
    expect(guide.textContent).not.toContain("Tenant ID.");
    expect(screen.queryAllByRole("button")).toHaveLength(0);
  });
});
