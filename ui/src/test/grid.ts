// A fake grid for the Records tests: `total` accounts in Rust, read by pages of 5000 as the real grid
// reads them, the first 100 sent with the view. Its handlers plug into `mockBackend`.
import type {
  FilterOperator,
  GridColumn,
  GridProgress,
  GridRequest,
  GridRow,
  GridView,
  OpenedGrid,
  RecordView,
  TableInfo,
  TableView,
} from "../bindings";
import type { Handlers } from "./ipc";
import { contact, table } from "./fixtures";

const textOperators: FilterOperator[] = [
  "contains",
  "does_not_contain",
  "begins_with",
  "ends_with",
  "eq",
  "ne",
  "null",
  "not_null",
];
const numberOperators: FilterOperator[] = ["eq", "ne", "gt", "ge", "lt", "le", "null", "not_null"];
const choiceOperators: FilterOperator[] = ["eq", "ne", "null", "not_null"];

/** A column as the core describes it, with the operators, options and targets of its type. */
export function gridColumn(
  logical_name: string,
  label: string,
  attribute_type = "String",
  more: Partial<GridColumn> = {},
): GridColumn {
  const numeric = ["Integer", "BigInt", "Decimal", "Double", "Money"].includes(attribute_type);
  const operators: FilterOperator[] =
    attribute_type === "String" || attribute_type === "Memo"
      ? textOperators
      : numeric
        ? numberOperators
        : attribute_type === "DateTime"
          ? ["on", "on_or_after", "on_or_before", "null", "not_null"]
          : ["Boolean", "State", "Status"].includes(attribute_type)
            ? ["eq", "ne"]
            : choiceOperators;
  return {
    logical_name,
    label,
    attribute_type,
    numeric,
    operators,
    options: [],
    targets: [],
    editable: true,
    required: false,
    max_length: attribute_type === "String" || attribute_type === "Memo" ? 100 : null,
    date_only: false,
    date_behavior: attribute_type === "DateTime" ? "UserLocal" : null,
    multi_select: false,
    min_value: null,
    max_value: null,
    places: null,
    ...more,
  };
}

export const columns: GridColumn[] = [
  gridColumn("name", "Account Name"),
  gridColumn("revenue", "Annual Revenue", "Money"),
  gridColumn("primarycontactid", "Primary Contact", "Lookup", { targets: ["contact"] }),
];

/** Every column the plain grid could show (A–Z by label): the shown ones and a few of other types. */
export const available: GridColumn[] = [
  columns[0] as GridColumn,
  columns[1] as GridColumn,
  gridColumn("createdon", "Created On", "DateTime"),
  gridColumn("donotemail", "Do not allow Emails", "Boolean", {
    options: [
      { value: 0, label: "Allow" },
      { value: 1, label: "Do Not Allow" },
    ],
  }),
  gridColumn("industrycode", "Industry", "Picklist", {
    options: [
      { value: 1, label: "Accounting" },
      { value: 33, label: "Software" },
    ],
  }),
  gridColumn("numberofemployees", "Number of Employees", "Integer"),
  gridColumn("parentcustomerid", "Parent Customer", "Customer", { targets: ["account", "contact"] }),
  columns[2] as GridColumn,
];

export function row(index: number): GridRow {
  return {
    id: `id-${String(index)}`,
    cells: [
      { text: `Account ${String(index)}` },
      { text: `$${String(index)}.00`, raw: `${String(index)}.0000` },
      { text: `Contact ${String(index)}`, raw: `c-${String(index)}`, target: "contact" },
    ],
  };
}

export type FakeGrid = {
  handlers: Handlers;
  /** Every request opened, in order. */
  opened: GridRequest[];
  /** Grids closed, by handle. */
  closed: number[];
};

/** `total` rows; `exactCount` false makes Dataverse's count stop at 5000, as it does. */
export function fakeGrid(total: number, exactCount = true): FakeGrid {
  const opened: GridRequest[] = [];
  const closed: number[] = [];
  const loaded = new Map<number, number>();
  let next = 0;
  const progress = (grid: number): GridProgress => {
    const count = loaded.get(grid) ?? 0;
    const lowerBound = !exactCount && total > 5000;
    return {
      loaded: count,
      total: lowerBound ? 5000 : total,
      total_is_lower_bound: lowerBound,
      complete: count >= total,
    };
  };
  const handlers: Handlers = {
    grid_open: (_connection, request): OpenedGrid => {
      opened.push(request);
      next += 1;
      loaded.set(next, Math.min(5000, total));
      const view: GridView = {
        table,
        columns,
        available,
        sort: request.sort ?? [],
        // A view's count is unknown until its rows are read.
        progress: request.view ? { ...progress(next), total: null } : progress(next),
        rows: Array.from({ length: Math.min(100, total) }, (_, index) => row(index)),
      };
      return { grid: next, view };
    },
    grid_rows: (grid, start, count) => {
      const end = Math.min(start + count, loaded.get(grid) ?? 0);
      return Array.from({ length: Math.max(0, end - start) }, (_, index) => row(start + index));
    },
    grid_load_more: (grid) => {
      loaded.set(grid, Math.min(total, (loaded.get(grid) ?? 0) + 5000));
      return progress(grid);
    },
    grid_close: (grid) => {
      closed.push(grid);
      return null;
    },
  };
  return { handlers, opened, closed };
}

/** The account table's views, the default first, as `views_list` answers. */
export const views: TableView[] = [
  {
    view: { kind: "system", id: "v-active" },
    name: "Active Accounts",
    is_default: true,
    columns: ["name", "revenue"],
  },
  { view: { kind: "personal", id: "v-mine" }, name: "My Big Accounts", is_default: false, columns: ["name"] },
];

/** Account `id` as `record_get` answers: a name, a shown money column, a lookup, another and an empty. */
export function record(id: string, tableInfo: TableInfo = table): RecordView {
  const column = (logical_name: string, label: string, attribute_type = "String") =>
    gridColumn(logical_name, label, attribute_type);
  return {
    table: tableInfo,
    id,
    etag: 'W/"1234"',
    fields: [
      { column: column("name", "Account Name"), group: "name", cell: { text: `Record ${id}` } },
      {
        column: column("revenue", "Annual Revenue", "Money"),
        group: "shown",
        cell: { text: "$1,000.50", raw: "1000.5000000001" },
      },
      {
        column: column("primarycontactid", "Primary Contact", "Lookup"),
        group: "shown",
        cell: { text: "Jo Bloggs", raw: "c-9", target: "contact" },
      },
      { column: column("websiteurl", "Website"), group: "other", cell: { text: "contoso.com" } },
      { column: column("description", "Description"), group: "other", cell: { text: "Big" } },
      { column: column("fax", "Fax"), group: "empty", cell: { text: "" } },
      { column: column("telephone2", "Other Phone"), group: "empty", cell: { text: "" } },
    ],
    json: `{"accountid":"${id}","revenue":1000.5000000001}`,
    app_link: `https://contoso.crm.dynamics.com/main.aspx?etn=account&id=${id}`,
    related: [
      {
        relationship: "contact_customer_accounts",
        table: contact,
        column: "parentcustomerid",
        label: "Contact (Company Name)",
        filter: `_parentcustomerid_value eq ${id}`,
        count: 3,
      },
      {
        relationship: "account_parent_account",
        table,
        column: "parentaccountid",
        label: "Account (Parent Account)",
        filter: `_parentaccountid_value eq ${id}`,
        count: null,
      },
    ],
  };
}
