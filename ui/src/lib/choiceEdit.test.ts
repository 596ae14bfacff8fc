import { describe, expect, it } from "vitest";
import type { OptionValue } from "../bindings";
import { gridColumn } from "../test/grid";
import {
  chosenValues,
  defaultStatus,
  multiLabels,
  multiText,
  sameChoices,
  statusOptions,
} from "./choiceEdit";

// A lead's, as on Learn (reference/entities/lead): Open 0, Qualified 1, Disqualified 2.
const statuses: OptionValue[] = [
  { value: 1, label: "New", state: 0 },
  { value: 2, label: "Contacted", state: 0 },
  { value: 3, label: "Qualified", state: 1 },
  { value: 4, label: "Lost", state: 2 },
  { value: 5, label: "Cannot Contact", state: 2 },
];
const status = gridColumn("statuscode", "Status Reason", "Status", { options: statuses });

describe("status reasons", () => {
  it("are offered only with their state; all of them while the state is unknown", () => {
    expect(statusOptions(status, 0).map((o) => o.label)).toEqual(["New", "Contacted"]);
    expect(statusOptions(status, 2).map((o) => o.value)).toEqual([4, 5]);
    expect(statusOptions(status, null)).toHaveLength(5);
    const unknown = gridColumn("statuscode", "Status Reason", "Status", {
      options: [{ value: 1, label: "Active" }],
    });
    expect(statusOptions(unknown, 1)).toHaveLength(1);
  });

  it("a state proposes its default status reason, else its first", () => {
    expect(defaultStatus({ value: 2, label: "Disqualified", default_status: 5 }, statuses)?.label).toBe(
      "Cannot Contact",
    );
    expect(defaultStatus({ value: 2, label: "Disqualified" }, statuses)?.label).toBe("Lost");
    expect(defaultStatus(undefined, statuses)).toBeUndefined();
  });
});

describe("multi-select choices", () => {
  const channels = gridColumn("channels", "Channels", "Virtual", {
    multi_select: true,
    options: [
      { value: 10, label: "Email" },
      { value: 20, label: "Phone" },
      { value: 30, label: "Web" },
    ],
  });

  it("are their values joined by commas in the options' order, and their labels by semicolons", () => {
    expect(chosenValues(" 30, 10,")).toEqual([30, 10]);
    expect(multiText(channels, [30, 10])).toBe("10,30");
    expect(multiText(channels, [])).toBe("");
    expect(multiLabels(channels, "10,30")).toBe("Email; Web");
    expect(multiLabels(channels, "10,99")).toBe("Email; 99");
    expect(sameChoices("10,30", "30,10")).toBe(true);
    expect(sameChoices("10", "10,30")).toBe(false);
  });
});
