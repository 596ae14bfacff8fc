import { describe, expect, it } from "vitest";
import type { TableInfo } from "../bindings";
import { gridColumn } from "../test/grid";
import {
  editedValue,
  editorKind,
  editorText,
  lookupReference,
  numberProblem,
  plainNumber,
  rawValue,
  referencedId,
  sameValue,
  shownValue,
  stagedText,
  characters,
  currencySymbol,
  multiline,
  numberHint,
} from "./cellEdit";

const yesNo = gridColumn("donotemail", "Do not allow Emails", "Boolean", {
  options: [
    { value: 0, label: "Allow" },
    { value: 1, label: "Do Not Allow" },
  ],
});
const industry = gridColumn("industrycode", "Industry", "Picklist", {
  options: [
    { value: 1, label: "Accounting" },
    { value: 33, label: "Software" },
  ],
});
const money = gridColumn("revenue", "Annual Revenue", "Money");
const employees = gridColumn("numberofemployees", "Employees", "Integer");
const contact = gridColumn("primarycontactid", "Primary Contact", "Lookup", { targets: ["contact"] });
const created = gridColumn("createdon", "Created On", "DateTime", { date_only: true });
const stamped = gridColumn("modifiedon", "Modified On", "DateTime");
const tables: TableInfo[] = [
  {
    logical_name: "contact",
    entity_set: "contacts",
    display_name: "Contact",
    primary_id: "contactid",
    primary_name: "fullname",
    is_custom: false,
    change_tracking: false,
  },
];

describe("editorKind", () => {
  it("gives each type its editor, and none to a column that cannot be changed or written", () => {
    expect(editorKind(gridColumn("name", "Name"))).toBe("text");
    expect(editorKind(gridColumn("description", "Description", "Memo"))).toBe("text");
    for (const type of ["Integer", "BigInt", "Decimal", "Double", "Money"]) {
      expect(editorKind(gridColumn("n", "N", type))).toBe("number");
    }
    for (const type of ["Boolean", "Picklist", "State", "Status"]) {
      expect(editorKind(gridColumn("c", "C", type))).toBe("choice");
    }
    expect(editorKind(created)).toBe("date");
    // A date and time is edited as both, never as a day (the time would be lost).
    expect(editorKind(stamped)).toBe("datetime");
    expect(editorKind(gridColumn("c", "C", "Virtual", { multi_select: true }))).toBe("multi");
    expect(editorKind(gridColumn("v", "V", "Virtual"))).toBeNull();
    for (const type of ["Lookup", "Customer", "Owner"])
      expect(editorKind(gridColumn("l", "L", type))).toBe("lookup");
    expect(editorKind(gridColumn("name", "Name", "String", { editable: false }))).toBeNull();
    expect(editorKind(gridColumn("x", "X", "Uniqueidentifier"))).toBeNull();
  });
});

describe("the value read and the editor's text", () => {
  it("reads the raw value where it differs from the text, and nothing as null", () => {
    expect(rawValue({ text: "$1.00", raw: "1.0000" })).toBe("1.0000");
    expect(rawValue({ text: "Contoso" })).toBe("Contoso");
    expect(rawValue({ text: "" })).toBeNull();
    expect(rawValue(undefined)).toBeNull();
  });

  it("starts from the exact raw value: a number's digits, an option's value, a day, a reference", () => {
    expect(editorText(money, { text: "$1,000.50", raw: "1000.5000000001" }, tables)).toBe("1000.5000000001");
    expect(editorText(yesNo, { text: "Do Not Allow", raw: "true" }, tables)).toBe("1");
    expect(editorText(yesNo, { text: "Allow", raw: "false" }, tables)).toBe("0");
    expect(editorText(industry, { text: "Software", raw: "33" }, tables)).toBe("33");
    expect(editorText(created, { text: "5/1/2024", raw: "2024-05-01T09:30:00Z" }, tables)).toBe("2024-05-01");
    expect(editorText(contact, { text: "Jo", raw: "c-9", target: "contact" }, tables)).toBe("contacts(c-9)");
    expect(editorText(money, { text: "" }, tables)).toBe("");
  });

  it("names a lookup's record by its table's entity set", () => {
    expect(lookupReference(tables, "contact", "abc")).toBe("contacts(abc)");
    expect(lookupReference(tables, "new_thing", "abc")).toBe("new_thing(abc)");
    expect(referencedId("contacts(ABC-1)")).toBe("abc-1");
    expect(referencedId("abc")).toBe("abc");
  });
});

describe("numberProblem", () => {
  it("takes digits with a minus sign, and a point only where decimals are allowed", () => {
    expect(numberProblem(employees, "-42")).toBeNull();
    expect(numberProblem(employees, "")).toBeNull();
    expect(numberProblem(employees, "4.2")).toMatch(/whole number/);
    expect(numberProblem(employees, "1e3")).toMatch(/whole number/);
    expect(numberProblem(money, "1000.5000000001")).toBeNull();
    expect(numberProblem(money, "12,5")).toMatch(/a point/);
    expect(numberProblem(money, "1.")).not.toBeNull();
    expect(numberProblem(money, "abc")).not.toBeNull();
  });
});

describe("editedValue", () => {
  it("gives numbers as their exact text, never through a double", () => {
    expect(editedValue(money, " 922337203685477.0001 ")).toBe("922337203685477.0001");
    expect(editedValue(gridColumn("big", "Big", "BigInt"), "9007199254740993")).toBe("9007199254740993");
  });

  it("gives options their number, yes/no true or false, and empty as null (a clear)", () => {
    expect(editedValue(industry, "33")).toBe(33);
    expect(editedValue(yesNo, "1")).toBe(true);
    expect(editedValue(yesNo, "0")).toBe(false);
    expect(editedValue(industry, "")).toBeNull();
    expect(editedValue(money, "  ")).toBeNull();
    expect(editedValue(gridColumn("name", "Name"), "")).toBeNull();
  });

  it("keeps text as typed, spaces and all; a date and a reference as they are", () => {
    expect(editedValue(gridColumn("name", "Name"), " Contoso ")).toBe(" Contoso ");
    expect(editedValue(created, "2024-05-02")).toBe("2024-05-02");
    expect(editedValue(contact, "contacts(c-1)")).toBe("contacts(c-1)");
  });
});

describe("sameValue", () => {
  it("compares numbers by value exactly, not by their text or as doubles", () => {
    expect(plainNumber("-0012.500")).toBe("-12.5");
    expect(plainNumber("-0.000")).toBe("0");
    expect(plainNumber("7")).toBe("7");
    expect(sameValue(money, "1000.5000", "1000.5")).toBe(true);
    expect(sameValue(money, "1000.5000000001", "1000.5000000002")).toBe(false);
    expect(sameValue(money, "9007199254740993", "9007199254740992")).toBe(false);
    expect(sameValue(money, "10", "1")).toBe(false);
  });

  it("compares options, yes/no, lookups by id and text exactly; null only with null", () => {
    expect(sameValue(industry, "33", 33)).toBe(true);
    expect(sameValue(industry, "33", 1)).toBe(false);
    expect(sameValue(yesNo, "true", true)).toBe(true);
    expect(sameValue(yesNo, "false", true)).toBe(false);
    expect(sameValue(contact, "ABC", "contacts(abc)")).toBe(true);
    expect(sameValue(contact, "abc", "contacts(abd)")).toBe(false);
    expect(sameValue(gridColumn("name", "Name"), "A", "A ")).toBe(false);
    expect(sameValue(gridColumn("name", "Name"), null, null)).toBe(true);
    expect(sameValue(gridColumn("name", "Name"), null, "")).toBe(false);
    expect(sameValue(gridColumn("name", "Name"), "A", null)).toBe(false);
    expect(sameValue(created, "2024-05-01T09:30:00Z", "2024-05-01")).toBe(false);
  });
});

describe("shownValue", () => {
  it("shows an option's label, a record's name, and the text of the rest", () => {
    expect(shownValue(industry, 33)).toBe("Software");
    expect(shownValue(industry, 99)).toBe("99");
    expect(shownValue(yesNo, true)).toBe("Do Not Allow");
    expect(shownValue(yesNo, false)).toBe("Allow");
    expect(shownValue(gridColumn("b", "B", "Boolean"), true)).toBe("Yes");
    expect(shownValue(contact, "contacts(c-1)", "Jo Bloggs")).toBe("Jo Bloggs");
    expect(shownValue(contact, "contacts(c-1)")).toBe("contacts(c-1)");
    expect(shownValue(money, "12.5")).toBe("12.5");
    expect(shownValue(money, null)).toBe("");
  });
});

describe("stagedText", () => {
  it("gives a staged value back to its editor as the editor holds it", () => {
    expect(stagedText(true)).toBe("1");
    expect(stagedText(false)).toBe("0");
    expect(stagedText(33)).toBe("33");
    expect(stagedText("1000.5000000001")).toBe("1000.5000000001");
    expect(stagedText(null)).toBe("");
    for (const text of ["1", "0", ""]) expect(stagedText(editedValue(yesNo, text))).toBe(text);
    expect(stagedText(editedValue(industry, "33"))).toBe("33");
    expect(stagedText(editedValue(money, "-0.50"))).toBe("-0.50");
  });
});

describe("characters", () => {
  it("counts code points, as the core does against a max length", () => {
    expect(characters("abc")).toBe(3);
    expect(characters("a😀")).toBe(2);
    expect(characters("")).toBe(0);
  });
});

describe("memo, money, dates and times, multi-select choices", () => {
  const channels = gridColumn("cr0d1_channels", "Channels", "Virtual", {
    multi_select: true,
    options: [
      { value: 1, label: "Email" },
      { value: 2, label: "Phone" },
      { value: 3, label: "Web" },
    ],
  });
  const kickoff = gridColumn("cr0d1_kickoff", "Kick-off", "DateTime", {
    date_behavior: "TimeZoneIndependent",
  });

  it("says a number's range and places as the metadata gives them, its bounds exact", () => {
    const limited = gridColumn("closeprobability", "Probability", "Integer", {
      min_value: "0",
      max_value: "100",
      places: 0,
    });
    expect(numberHint(limited)).toBe("From 0 to 100, a whole number");
    const cash = gridColumn("revenue", "Revenue", "Money", {
      min_value: "-922337203685477",
      max_value: "922337203685477",
      places: 2,
    });
    expect(numberHint(cash)).toBe("From -922,337,203,685,477 to 922,337,203,685,477, up to 2 decimal places");
    expect(numberHint(gridColumn("ratio", "Ratio", "Decimal", { places: 1 }))).toBe("Up to 1 decimal place");
    expect(numberHint(money)).toBeNull();
  });

  it("draws a memo as lines, and takes money's symbol from the formatted value", () => {
    expect(multiline(gridColumn("description", "Description", "Memo"))).toBe(true);
    expect(multiline(gridColumn("name", "Name"))).toBe(false);
    expect(currencySymbol(money, { text: "$1,000.50", raw: "1000.5" })).toBe("$");
    expect(currencySymbol(money, { text: "-1.000,00 €", raw: "-1000" })).toBe("€");
    expect(currencySymbol(money, { text: "" })).toBe("");
    expect(currencySymbol(employees, { text: "12" })).toBe("");
  });

  it("keeps a multi-select's values, compares them as sets and shows their labels", () => {
    expect(editorText(channels, { text: "Email; Web", raw: "1,3" }, tables)).toBe("1,3");
    expect(editedValue(channels, "3,1")).toBe("3,1");
    expect(editedValue(channels, "")).toBeNull();
    expect(sameValue(channels, "1,3", "3,1")).toBe(true);
    expect(sameValue(channels, "1,3", "1")).toBe(false);
    expect(shownValue(channels, "1,3")).toBe("Email; Web");
  });

  it("sends a time-zone-independent time as typed and compares times as instants", () => {
    expect(editorText(kickoff, { text: "5/1/2026 9:30 AM", raw: "2026-05-01T09:30:00Z" }, tables)).toBe(
      "2026-05-01T09:30",
    );
    expect(editedValue(kickoff, "2026-05-01T09:30")).toBe("2026-05-01T09:30:00Z");
    expect(sameValue(kickoff, "2026-05-01T09:30:00Z", "2026-05-01T09:30:00Z")).toBe(true);
    expect(sameValue(stamped, "2026-05-01T07:30:00Z", "2026-05-01T09:30:00+02:00")).toBe(true);
  });
});
