import { describe, expect, it } from "vitest";
import type { FilterOperator } from "../bindings";
import { available, gridColumn } from "../test/grid";
import {
  OPERATOR_LABELS,
  conditionsOf,
  coreConditions,
  decodeWhere,
  draftFor,
  draftsOf,
  editorFor,
  encodeWhere,
  isNumber,
  isOperator,
  matchingColumns,
  numberTyping,
  optionValue,
  takesValue,
  withOperator,
  type Draft,
  type KeptCondition,
} from "./filterBuilder";

const industry = available.find((column) => column.logical_name === "industrycode");
const options = [{ value: 1, label: "One" }];

describe("Filter builder", () => {
  it("names every operator as a person would", () => {
    expect(OPERATOR_LABELS).toEqual({
      eq: "equals",
      ne: "does not equal",
      contains: "contains",
      does_not_contain: "does not contain",
      begins_with: "begins with",
      ends_with: "ends with",
      gt: "is greater than",
      ge: "is at least",
      lt: "is less than",
      le: "is at most",
      on: "is on",
      on_or_after: "on or after",
      on_or_before: "on or before",
      null: "is empty",
      not_null: "has a value",
    });
    expect(isOperator("eq")).toBe(true);
    expect(isOperator("not_null")).toBe(true);
    expect(isOperator("like")).toBe(false);
    expect(isOperator(1)).toBe(false);
    expect(isOperator("toString")).toBe(false);
  });

  it("asks a value of every operator but is empty and has a value", () => {
    const asking = (Object.keys(OPERATOR_LABELS) as FilterOperator[]).filter(takesValue);
    expect(asking).toHaveLength(13);
    expect(takesValue("null")).toBe(false);
    expect(takesValue("not_null")).toBe(false);
    expect(takesValue("eq")).toBe(true);
  });

  it.each([
    ["Picklist", options, [], "choice"],
    ["State", options, [], "choice"],
    ["Status", options, [], "choice"],
    ["Boolean", options, [], "choice"],
    ["Picklist", [], [], "text"],
    ["DateTime", [], [], "date"],
    ["Integer", [], [], "whole"],
    ["BigInt", [], [], "whole"],
    ["Decimal", [], [], "number"],
    ["Double", [], [], "number"],
    ["Money", [], [], "number"],
    ["Lookup", [], ["contact"], "lookup"],
    ["Customer", [], ["account", "contact"], "lookup"],
    ["Owner", [], ["systemuser"], "lookup"],
    ["Lookup", [], [], "text"],
    ["String", options, ["x"], "text"],
    ["Uniqueidentifier", [], [], "text"],
  ])("gives a %s column (options %j, targets %j) the %s editor", (type, opts, targets, editor) => {
    expect(editorFor(gridColumn("c", "C", type, { options: opts, targets }))).toBe(editor);
  });

  it("gives a multi-select choice its options, to ask which one it contains", () => {
    const options = [{ value: 1, label: "Email" }];
    expect(editorFor(gridColumn("c", "C", "Virtual", { options, multi_select: true }))).toBe("choice");
    expect(editorFor(gridColumn("c", "C", "Virtual", { options }))).toBe("text");
  });

  it("holds an option as its value's text, a yes/no as true or false", () => {
    expect(optionValue(gridColumn("c", "C", "Picklist"), 33)).toBe("33");
    expect(optionValue(gridColumn("c", "C", "Picklist"), 0)).toBe("0");
    expect(optionValue(gridColumn("c", "C", "Boolean"), 0)).toBe("false");
    expect(optionValue(gridColumn("c", "C", "Boolean"), 1)).toBe("true");
  });

  it.each([
    ["", true, true],
    ["-", true, true],
    ["+12", true, true],
    ["12.", true, false],
    ["1.5", true, false],
    [".5", true, false],
    ["1.2.3", false, false],
    ["1e5", false, false],
    ["1,000", false, false],
    [" 1", false, false],
    ["1-", false, false],
    ["--1", false, false],
    ["12345678901234567890.123456789", true, false],
  ])("lets %j be typed as a number: %s, as a whole one: %s", (text, number, whole) => {
    expect(numberTyping(text, false)).toBe(number);
    expect(numberTyping(text, true)).toBe(whole);
  });

  it.each([
    ["0", true, true],
    ["-3", true, true],
    ["+3", true, true],
    ["3.", true, false],
    ["3.25", true, false],
    [".25", true, false],
    ["-.25", true, false],
    ["", false, false],
    ["-", false, false],
    [".", false, false],
    ["+.", false, false],
    ["1.2.3", false, false],
    ["x1", false, false],
    ["1x", false, false],
  ])("reads %j as a number: %s, a whole one: %s", (text, number, whole) => {
    expect(isNumber(text, false)).toBe(number);
    expect(isNumber(text, true)).toBe(whole);
  });

  it("makes conditions of complete rows, values trimmed, a lookup's name kept", () => {
    const drafts: Draft[] = [
      { column: "name", operator: "contains", value: "  Con ", label: "" },
      { column: "revenue", operator: "gt", value: "1000.000000000000001", label: "" },
      { column: "primarycontactid", operator: "eq", value: "c-1", label: "Jo Bloggs" },
      { column: "industrycode", operator: "ne", value: "33", label: "ignored" },
      { column: "createdon", operator: "null", value: "stale", label: "stale" },
      { column: "numberofemployees", operator: "le", value: "-5", label: "" },
    ];
    expect(conditionsOf(drafts, available)).toEqual({
      conditions: [
        { column: "name", operator: "contains", value: "Con" },
        { column: "revenue", operator: "gt", value: "1000.000000000000001" },
        { column: "primarycontactid", operator: "eq", value: "c-1", label: "Jo Bloggs" },
        { column: "industrycode", operator: "ne", value: "33" },
        { column: "createdon", operator: "null" },
        { column: "numberofemployees", operator: "le", value: "-5" },
      ],
    });
    expect(conditionsOf([], available)).toEqual({ conditions: [] });
  });

  it("keeps a lookup's id without a name when none was shown", () => {
    const drafts: Draft[] = [{ column: "primarycontactid", operator: "eq", value: "c-1", label: "" }];
    expect(conditionsOf(drafts, available)).toEqual({
      conditions: [{ column: "primarycontactid", operator: "eq", value: "c-1" }],
    });
  });

  it.each<[Draft, string]>([
    [{ column: "", operator: "", value: "", label: "" }, "Choose a column for each condition."],
    [{ column: "gone", operator: "eq", value: "1", label: "" }, "Choose a column for each condition."],
    [{ column: "name", operator: "", value: "x", label: "" }, "Choose what Account Name should be."],
    [{ column: "name", operator: "eq", value: "   ", label: "" }, "Give a value to filter Account Name by."],
    [
      { column: "revenue", operator: "eq", value: "1.2.3", label: "" },
      "'1.2.3' is not a number (Annual Revenue).",
    ],
    [{ column: "revenue", operator: "eq", value: "-", label: "" }, "'-' is not a number (Annual Revenue)."],
    [
      { column: "numberofemployees", operator: "eq", value: "2.5", label: "" },
      "'2.5' is not a whole number (Number of Employees).",
    ],
  ])("refuses %j: %s", (draft, problem) => {
    const good: Draft = { column: "name", operator: "null", value: "", label: "" };
    expect(conditionsOf([good, draft, good], available)).toEqual({ problem });
  });

  it("sends the core the conditions without the names", () => {
    const kept: KeptCondition[] = [
      { column: "primarycontactid", operator: "eq", value: "c-1", label: "Jo" },
      { column: "fax", operator: "null" },
    ];
    expect(coreConditions(kept)).toEqual([
      { column: "primarycontactid", operator: "eq", value: "c-1" },
      { column: "fax", operator: "null" },
    ]);
    expect(coreConditions(kept)[1]).not.toHaveProperty("value");
  });

  it("shows kept conditions again as rows", () => {
    expect(
      draftsOf([
        { column: "primarycontactid", operator: "eq", value: "c-1", label: "Jo" },
        { column: "fax", operator: "null" },
      ]),
    ).toEqual([
      { column: "primarycontactid", operator: "eq", value: "c-1", label: "Jo" },
      { column: "fax", operator: "null", value: "", label: "" },
    ]);
  });

  it("reads back the where it writes, and nothing else", () => {
    const kept: KeptCondition[] = [
      { column: "name", operator: "begins_with", value: 'O\'Neil & "Sons"' },
      { column: "primarycontactid", operator: "eq", value: "c-1", label: "Jo" },
      { column: "fax", operator: "not_null" },
    ];
    expect(decodeWhere(encodeWhere(kept))).toEqual(kept);
    expect(decodeWhere(null)).toEqual([]);
    expect(decodeWhere("")).toEqual([]);
    expect(decodeWhere("{")).toEqual([]);
    expect(decodeWhere('{"column":"n","operator":"null"}')).toEqual([]);
    expect(decodeWhere("[null]")).toEqual([]);
    expect(decodeWhere('["x"]')).toEqual([]);
    expect(decodeWhere('[{"column":"","operator":"null"}]')).toEqual([]);
    expect(decodeWhere('[{"column":3,"operator":"null"}]')).toEqual([]);
    expect(decodeWhere('[{"column":"n","operator":"eq","value":3}]')).toEqual([]);
    expect(decodeWhere('[{"column":"n","operator":"null","value":null,"label":""}]')).toEqual([
      { column: "n", operator: "null" },
    ]);
    expect(decodeWhere('[{"column":"n","operator":"eq","value":"1","label":7}]')).toEqual([
      { column: "n", operator: "eq", value: "1" },
    ]);
  });

  it("finds columns by label or logical name, in any case", () => {
    const names = (query: string) => matchingColumns(available, query).map((column) => column.logical_name);
    expect(names("")).toHaveLength(available.length);
    expect(names("  ")).toHaveLength(available.length);
    expect(names("INDUS")).toEqual(["industrycode"]);
    expect(names("code")).toEqual(["industrycode"]);
    expect(names(" contact ")).toEqual(["primarycontactid"]);
    expect(names("customer")).toEqual(["parentcustomerid"]);
    expect(names("zzz")).toEqual([]);
  });

  it("starts a row on the column's most used operator, and keeps a value while the operator takes one", () => {
    expect(industry).toBeDefined();
    if (!industry) return;
    const draft = draftFor(industry);
    expect(draft).toEqual({ column: "industrycode", operator: "eq", value: "", label: "" });
    expect(draftFor(gridColumn("x", "X", "Image", { operators: [] })).operator).toBe("");
    const filled = { ...draft, value: "c-1", label: "Jo" };
    expect(withOperator(filled, "ne")).toEqual({ ...filled, operator: "ne" });
    expect(withOperator(filled, "null")).toEqual({
      column: "industrycode",
      operator: "null",
      value: "",
      label: "",
    });
    expect(withOperator(filled, "not_null").value).toBe("");
  });
});
