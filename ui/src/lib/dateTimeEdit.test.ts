import { describe, expect, it } from "vitest";
import { gridColumn } from "../test/grid";
import { dateTimeText, dateTimeValue, sameDateTime, shownDateTime } from "./dateTimeEdit";

const local = gridColumn("cr0d1_deadline", "Deadline", "DateTime", { date_behavior: "UserLocal" });
const independent = gridColumn("cr0d1_kickoff", "Kick-off", "DateTime", {
  date_behavior: "TimeZoneIndependent",
});
const pad = (n: number) => String(n).padStart(2, "0");

describe("a user-local date and time", () => {
  it("is edited in this computer's local time and sent back as the same instant in UTC", () => {
    const raw = "2026-05-01T07:30:00Z";
    const at = new Date(raw);
    const text = dateTimeText(local, raw);
    expect(text).toBe(
      `${String(at.getFullYear())}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`,
    );
    expect(dateTimeValue(local, text)).toBe(raw);
    expect(sameDateTime(dateTimeValue(local, text), raw)).toBe(true);
  });

  it("leaves what is not a date and time to the core's check", () => {
    expect(dateTimeValue(local, "tomorrow")).toBe("tomorrow");
    expect(dateTimeText(local, "not a date")).toBe("not a date");
  });
});

describe("a time-zone-independent date and time", () => {
  it("is edited and sent as the clock reads, never shifted", () => {
    expect(dateTimeText(independent, "2026-05-01T09:30:00Z")).toBe("2026-05-01T09:30");
    expect(dateTimeValue(independent, "2026-05-01T09:30")).toBe("2026-05-01T09:30:00Z");
    expect(dateTimeValue(independent, "2026-05-01T09:30:15")).toBe("2026-05-01T09:30:15Z");
    // Shown with its own clock time, whatever this computer's zone.
    expect(shownDateTime(independent, "2026-05-01T09:30:00Z")).toMatch(/9:30|09:30/);
  });

  it("keeps the editor's own text as it is", () => {
    expect(dateTimeText(local, "2026-05-01T09:30")).toBe("2026-05-01T09:30");
  });
});
