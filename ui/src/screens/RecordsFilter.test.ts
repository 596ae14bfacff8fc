// The Records screen's visual filter: conditions built from the table's columns, applied with the raw
// filter, kept in the route, refused beside the bar.
import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { GridRequest, LookupCandidate, OpenedGrid } from "../bindings";
import { coreConditions, type KeptCondition } from "../lib/filterBuilder";
import { href, type TableRoute } from "../lib/router.svelte";
import { createStores } from "../lib/stores";
import { contact, failure, me } from "../test/fixtures";
import { fakeGrid, views } from "../test/grid";
import { mockBackend, refuse, type Handlers } from "../test/ipc";
import { renderWithStores } from "../test/render";
import RecordsScreen from "./RecordsScreen.svelte";

const plain: TableRoute = { name: "table", id: me.id, table: "account" };

function setUp(route: TableRoute = plain, handlers: Handlers = {}) {
  const grid = fakeGrid(10);
  const backend = mockBackend({
    ...grid.handlers,
    views_list: () => views,
    lookup_search: (_connection, table, text): LookupCandidate[] =>
      [
        { table: "contact", id: "c-jo", name: "Jo Bloggs" },
        { table: "contact", id: "c-jon", name: "Jon Snow" },
        { table: "account", id: "a-jo", name: "Jo's Bikes" },
      ].filter((found) => found.table === table && found.name.includes(text)),
    ...handlers,
  });
  const stores = createStores();
  stores.router.go(route);
  stores.metadata.open(me.id);
  stores.metadata.tables = [contact];
  renderWithStores(RecordsScreen, stores);
  return { grid, backend, stores };
}

async function ready() {
  await screen.findByTestId("grid-count");
}

function rows(): HTMLElement[] {
  return screen.queryAllByTestId("filter-condition");
}

function lastRow(): HTMLElement {
  const found = rows().at(-1);
  if (!found) throw new Error("no condition");
  return found;
}

/** Adds a condition on the column found by typing `query`, picked with Enter. */
async function addCondition(query: string) {
  await fireEvent.click(screen.getByTestId("filter-add-condition"));
  const chooser = within(lastRow()).getByTestId<HTMLInputElement>("condition-column");
  expect(document.activeElement).toBe(chooser);
  await fireEvent.input(chooser, { target: { value: query } });
  await fireEvent.keyDown(chooser, { key: "Enter" });
}

function operator(): HTMLSelectElement {
  return within(lastRow()).getByTestId<HTMLSelectElement>("condition-operator");
}

function value(): HTMLInputElement {
  return within(lastRow()).getByTestId<HTMLInputElement>("condition-value");
}

async function apply() {
  await fireEvent.click(screen.getByTestId("grid-filter-apply"));
}

function lastOpened(grid: { opened: GridRequest[] }): GridRequest | undefined {
  return grid.opened.at(-1);
}

beforeEach(() => {
  vi.spyOn(Element.prototype, "clientHeight", "get").mockReturnValue(400);
});

describe("Records screen's visual filter", () => {
  it("finds a column by label or logical name, showing both, and offers its operators by name", async () => {
    setUp();
    await ready();
    await fireEvent.click(screen.getByTestId("filter-add-condition"));
    const chooser = within(lastRow()).getByTestId<HTMLInputElement>("condition-column");
    expect(chooser.getAttribute("aria-expanded")).toBe("true");
    const options = () => screen.getAllByTestId("condition-column-option");
    expect(options()).toHaveLength(8);
    expect(options()[0]?.textContent).toBe("Account Name name");
    await fireEvent.input(chooser, { target: { value: "CODE" } });
    expect(options().map((option) => option.dataset.column)).toEqual(["industrycode"]);
    await fireEvent.input(chooser, { target: { value: "nothing like it" } });
    expect(screen.getByRole("listbox").textContent).toContain("No column matches");
    await fireEvent.input(chooser, { target: { value: "e" } });
    await fireEvent.keyDown(chooser, { key: "ArrowDown" });
    await fireEvent.keyDown(chooser, { key: "ArrowDown" });
    await fireEvent.keyDown(chooser, { key: "ArrowUp" });
    expect(chooser.getAttribute("aria-activedescendant")).toBe(options()[1]?.id);
    await fireEvent.click(options()[1] as HTMLElement); // Annual Revenue
    expect(chooser.value).toBe("Annual Revenue");
    expect(chooser.getAttribute("aria-expanded")).toBe("false");
    expect(
      within(operator())
        .getAllByRole("option")
        .map((option) => option.textContent),
    ).toEqual([
      "equals",
      "does not equal",
      "is greater than",
      "is at least",
      "is less than",
      "is at most",
      "is empty",
      "has a value",
    ]);
    expect(operator().value).toBe("eq");
    expect(document.activeElement).toBe(value());
  });

  it("builds a text condition, applies it with the raw filter on Enter, and keeps both in the route", async () => {
    const { grid, stores } = setUp();
    await ready();
    await addCondition("account name");
    expect(
      within(operator())
        .getAllByRole("option")
        .map((option) => option.textContent),
    ).toEqual([
      "contains",
      "does not contain",
      "begins with",
      "ends with",
      "equals",
      "does not equal",
      "is empty",
      "has a value",
    ]);
    await fireEvent.input(value(), { target: { value: " Con " } });
    await fireEvent.input(screen.getByTestId("grid-filter"), { target: { value: "revenue gt 5" } });
    expect(grid.opened).toHaveLength(1);
    await fireEvent.keyDown(value(), { key: "Enter" });
    await waitFor(() => {
      expect(grid.opened).toHaveLength(2);
    });
    const where: KeptCondition[] = [{ column: "name", operator: "contains", value: "Con" }];
    expect(lastOpened(grid)).toEqual({
      table: "account",
      filter: "revenue gt 5",
      sort: [],
      conditions: where,
    });
    await waitFor(() => {
      expect(stores.router.route).toEqual({ ...plain, filter: "revenue gt 5", where });
    });
    expect(window.location.hash).toBe(href({ ...plain, filter: "revenue gt 5", where }));
    expect(window.location.hash).toContain("&where=");
    expect(grid.opened).toHaveLength(2); // the route caught up: no second open
    expect(value().value).toBe(" Con ");
  });

  it("offers a choice's options by label and sends the option's value", async () => {
    const { grid } = setUp();
    await ready();
    await addCondition("indus");
    expect(
      within(operator())
        .getAllByRole("option")
        .map((option) => option.textContent),
    ).toEqual(["equals", "does not equal", "is empty", "has a value"]);
    const choice = value() as unknown as HTMLSelectElement;
    expect(choice.tagName).toBe("SELECT");
    expect([...choice.options].map((option) => [option.value, option.textContent])).toEqual([
      ["", "Choose…"],
      ["1", "Accounting"],
      ["33", "Software"],
    ]);
    await fireEvent.change(choice, { target: { value: "33" } });
    await fireEvent.change(operator(), { target: { value: "ne" } });
    await apply();
    await waitFor(() => {
      expect(lastOpened(grid)?.conditions).toEqual([{ column: "industrycode", operator: "ne", value: "33" }]);
    });
  });

  it("gives a yes/no true or false, a date its day, and asks no value of is empty", async () => {
    const { grid } = setUp();
    await ready();
    await addCondition("emails");
    const yesNo = value() as unknown as HTMLSelectElement;
    expect([...yesNo.options].map((option) => [option.value, option.textContent])).toEqual([
      ["", "Choose…"],
      ["false", "Allow"],
      ["true", "Do Not Allow"],
    ]);
    await fireEvent.change(yesNo, { target: { value: "true" } });
    await addCondition("created");
    expect(value().type).toBe("date");
    expect(
      within(operator())
        .getAllByRole("option")
        .map((option) => option.textContent),
    ).toEqual(["is on", "on or after", "on or before", "is empty", "has a value"]);
    await fireEvent.input(value(), { target: { value: "2024-02-29" } });
    await fireEvent.change(operator(), { target: { value: "on_or_after" } });
    await addCondition("fax"); // no such column here: nothing picked
    await fireEvent.click(within(lastRow()).getByTestId("condition-remove"));
    await addCondition("primary contact");
    await fireEvent.change(operator(), { target: { value: "null" } });
    expect(within(lastRow()).queryByTestId("condition-value")).toBeNull();
    expect(within(lastRow()).queryByTestId("condition-lookup-input")).toBeNull();
    await apply();
    await waitFor(() => {
      expect(lastOpened(grid)?.conditions).toEqual([
        { column: "donotemail", operator: "eq", value: "true" },
        { column: "createdon", operator: "on_or_after", value: "2024-02-29" },
        { column: "primarycontactid", operator: "null" },
      ]);
    });
  });

  it("checks a number as it is typed and keeps its text exactly", async () => {
    const { grid } = setUp();
    await ready();
    await addCondition("revenue");
    const typeInto = async (text: string) => {
      await fireEvent.input(value(), { target: { value: text } });
    };
    await typeInto("-12");
    await typeInto("-12a");
    expect(value().value).toBe("-12");
    await typeInto("-12.5.");
    expect(value().value).toBe("-12");
    await typeInto("1000.000000000000001");
    expect(value().value).toBe("1000.000000000000001");
    expect(value().getAttribute("aria-invalid")).toBeNull();
    await addCondition("employees");
    await fireEvent.input(value(), { target: { value: "2" } });
    await fireEvent.input(value(), { target: { value: "2." } });
    expect(value().value).toBe("2");
    await fireEvent.input(value(), { target: { value: "-" } });
    expect(value().getAttribute("aria-invalid")).toBe("true");
    await apply();
    expect((await screen.findByTestId("filter-problem")).textContent).toContain(
      "'-' is not a whole number (Number of Employees).",
    );
    expect(grid.opened).toHaveLength(1);
    await fireEvent.input(value(), { target: { value: "-40" } });
    expect(screen.queryByTestId("filter-problem")).toBeNull();
    await apply();
    await waitFor(() => {
      expect(lastOpened(grid)?.conditions).toEqual([
        { column: "revenue", operator: "eq", value: "1000.000000000000001" },
        { column: "numberofemployees", operator: "eq", value: "-40" },
      ]);
    });
  });

  it("picks a lookup's record by typing part of its name, shows the name and sends the id", async () => {
    const { grid, backend, stores } = setUp();
    await ready();
    await addCondition("primary contact");
    const search = within(lastRow()).getByTestId<HTMLInputElement>("condition-lookup-input");
    expect(search.placeholder).toBe("Type a Contact's name…");
    expect(document.activeElement).toBe(search);
    await fireEvent.input(search, { target: { value: "J" } });
    await fireEvent.input(search, { target: { value: "Jo" } });
    expect(within(lastRow()).getByRole("status").textContent).toBe("Searching…");
    const found = await screen.findAllByTestId("condition-lookup-option");
    expect(found.map((option) => option.textContent.trim())).toEqual(["Jo Bloggs", "Jon Snow"]);
    expect(backend.argsOf("lookup_search")).toEqual([[me.id, "contact", "Jo"]]);
    await fireEvent.keyDown(search, { key: "ArrowDown" });
    await fireEvent.keyDown(search, { key: "Enter" });
    expect(within(lastRow()).getByTestId("condition-lookup-chosen").textContent).toBe("Jon Snow");
    expect(within(lastRow()).getByTestId("condition-lookup-chosen").title).toBe("c-jon");
    expect(grid.opened).toHaveLength(1); // picking is not applying
    await fireEvent.click(within(lastRow()).getByTestId("condition-lookup-change"));
    const again = within(lastRow()).getByTestId<HTMLInputElement>("condition-lookup-input");
    await fireEvent.input(again, { target: { value: "Bloggs" } });
    await fireEvent.click(await screen.findByTestId("condition-lookup-option"));
    await apply();
    await waitFor(() => {
      expect(lastOpened(grid)?.conditions).toEqual([
        { column: "primarycontactid", operator: "eq", value: "c-jo" },
      ]);
    });
    await waitFor(() => {
      expect(stores.router.route).toEqual({
        ...plain,
        where: [{ column: "primarycontactid", operator: "eq", value: "c-jo", label: "Jo Bloggs" }],
      });
    });
  });

  it("says when no record's name holds the text, and applies on Enter with nothing to pick", async () => {
    const { grid } = setUp();
    await ready();
    await addCondition("primary contact");
    const search = within(lastRow()).getByTestId<HTMLInputElement>("condition-lookup-input");
    await fireEvent.input(search, { target: { value: "Zed" } });
    await waitFor(() => {
      expect(screen.getByRole("listbox").textContent).toContain("No record's name holds this");
    });
    await fireEvent.keyDown(search, { key: "Enter" });
    expect((await screen.findByTestId("filter-problem")).textContent).toContain(
      "Give a value to filter Primary Contact by.",
    );
    expect(grid.opened).toHaveLength(1);
  });

  it("asks a customer's table first, and searches the one chosen", async () => {
    const { grid, backend } = setUp();
    await ready();
    await addCondition("parent customer");
    const table = within(lastRow()).getByTestId<HTMLSelectElement>("condition-lookup-table");
    expect([...table.options].map((option) => [option.value, option.textContent])).toEqual([
      ["account", "account"],
      ["contact", "Contact"],
    ]);
    const search = within(lastRow()).getByTestId<HTMLInputElement>("condition-lookup-input");
    await fireEvent.input(search, { target: { value: "Jo" } });
    expect(
      (await screen.findAllByTestId("condition-lookup-option")).map((o) => o.textContent.trim()),
    ).toEqual(["Jo's Bikes"]);
    await fireEvent.change(table, { target: { value: "contact" } });
    await waitFor(() => {
      expect(screen.getAllByTestId("condition-lookup-option")).toHaveLength(2);
    });
    expect(backend.argsOf("lookup_search").map((args) => args[1])).toEqual(["account", "contact"]);
    await fireEvent.click(screen.getAllByTestId("condition-lookup-option")[0] as HTMLElement);
    await apply();
    await waitFor(() => {
      expect(lastOpened(grid)?.conditions).toEqual([
        { column: "parentcustomerid", operator: "eq", value: "c-jo" },
      ]);
    });
  });

  it("removes a condition with ×, and clears them all", async () => {
    const { grid, stores } = setUp();
    await ready();
    await addCondition("account name");
    await fireEvent.input(value(), { target: { value: "A" } });
    await addCondition("indus");
    await fireEvent.change(value(), { target: { value: "1" } });
    await apply();
    await waitFor(() => {
      expect(lastOpened(grid)?.conditions).toHaveLength(2);
    });
    const first = rows()[0] as HTMLElement;
    expect(within(first).getByTestId("condition-remove").getAttribute("aria-label")).toBe(
      "Remove the condition on Account Name",
    );
    await fireEvent.click(within(first).getByTestId("condition-remove"));
    expect(rows().map((row) => row.dataset.column)).toEqual(["industrycode"]);
    expect(grid.opened).toHaveLength(2); // removing is not applying
    await apply();
    await waitFor(() => {
      expect(lastOpened(grid)?.conditions).toEqual([{ column: "industrycode", operator: "eq", value: "1" }]);
    });
    await fireEvent.click(screen.getByTestId("filter-clear-all"));
    expect(rows()).toEqual([]);
    await waitFor(() => {
      expect(grid.opened).toHaveLength(4);
    });
    expect(lastOpened(grid)).toEqual({ table: "account", filter: null, sort: [] });
    await waitFor(() => {
      expect(stores.router.route).toEqual(plain);
    });
  });

  it("clears rows never applied without reopening", async () => {
    const { grid } = setUp();
    await ready();
    await addCondition("account name");
    await fireEvent.click(screen.getByTestId("filter-clear-all"));
    expect(rows()).toEqual([]);
    expect(screen.queryByTestId("filter-clear-all")).toBeNull();
    expect(grid.opened).toHaveLength(1);
  });

  it("says what a row lacks before anything is sent", async () => {
    const { grid } = setUp();
    await ready();
    await fireEvent.click(screen.getByTestId("filter-add-condition"));
    await apply();
    expect((await screen.findByTestId("filter-problem")).textContent).toContain(
      "Choose a column for each condition.",
    );
    expect(grid.opened).toHaveLength(1);
  });

  it("opens with the route's conditions, shown in the bar with a lookup's name", async () => {
    const where: KeptCondition[] = [
      { column: "primarycontactid", operator: "eq", value: "c-jo", label: "Jo Bloggs" },
      { column: "industrycode", operator: "eq", value: "33" },
    ];
    const { grid } = setUp({ ...plain, filter: "revenue gt 5", where });
    await ready();
    expect(grid.opened).toEqual([
      { table: "account", filter: "revenue gt 5", sort: [], conditions: coreConditions(where) },
    ]);
    expect(screen.getByTestId<HTMLInputElement>("grid-filter").value).toBe("revenue gt 5");
    await waitFor(() => {
      expect(rows()).toHaveLength(2);
    });
    expect(within(rows()[0] as HTMLElement).getByTestId("condition-lookup-chosen").textContent).toBe(
      "Jo Bloggs",
    );
    expect(within(rows()[1] as HTMLElement).getByTestId<HTMLSelectElement>("condition-value").value).toBe(
      "33",
    );
  });

  it("shows the conditions of the address gone Back to, and reopens with them", async () => {
    const { grid, stores } = setUp();
    const stop = stores.router.listen();
    await ready();
    await addCondition("account name");
    await fireEvent.input(value(), { target: { value: "A" } });
    await apply();
    await waitFor(() => {
      expect(stores.router.route).toMatchObject({ where: [{ value: "A" }] });
    });
    await fireEvent.input(value(), { target: { value: "B" } });
    await apply();
    await waitFor(() => {
      expect(stores.router.route).toMatchObject({ where: [{ value: "B" }] });
    });
    window.location.hash = href({ ...plain, where: [{ column: "name", operator: "contains", value: "A" }] });
    await waitFor(() => {
      expect(value().value).toBe("A");
    });
    await waitFor(() => {
      expect(lastOpened(grid)?.conditions).toEqual([{ column: "name", operator: "contains", value: "A" }]);
    });
    expect(grid.opened).toHaveLength(4);
    stop();
  });

  it("shows the core's refusal beside the bar, marks the condition, and keeps what was built", async () => {
    const { grid, stores } = setUp(plain, {
      grid_open: (connection, request): OpenedGrid => {
        if (request.conditions?.some((condition) => condition.value === "x")) {
          return refuse({
            ...failure("input.invalid", "'x' is not a record's id (Primary Contact).", null, "input"),
            column: "primarycontactid",
          });
        }
        return fakeGrid(10).handlers.grid_open?.(connection, request) as OpenedGrid;
      },
    });
    await ready();
    await addCondition("account name");
    await fireEvent.input(value(), { target: { value: "x" } });
    await apply();
    const refused = await screen.findByTestId("grid-filter-error");
    expect(refused.textContent).toContain("'x' is not a record's id (Primary Contact).");
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(value().value).toBe("x");
    expect(value().getAttribute("aria-invalid")).toBeNull(); // it names another column
    expect(stores.router.route).toEqual(plain);
    expect(screen.queryByTestId("grid-error")).toBeNull();
    expect(grid.opened).toEqual([]);
  });

  it("marks the refused condition by its column", async () => {
    setUp(plain, {
      grid_open: (connection, request): OpenedGrid =>
        request.conditions
          ? refuse({ ...failure("input.invalid", "No.", null, "input"), column: "name" })
          : (fakeGrid(10).handlers.grid_open?.(connection, request) as OpenedGrid),
    });
    await ready();
    await addCondition("account name");
    await fireEvent.input(value(), { target: { value: "x" } });
    await fireEvent.input(screen.getByTestId("grid-filter"), { target: { value: "revenue gt 1" } });
    await apply();
    await screen.findByTestId("grid-filter-error");
    expect(value().getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByTestId("grid-filter").getAttribute("aria-invalid")).toBeNull();
  });

  it("clears the conditions when a view is opened, and waits while it runs", async () => {
    const where: KeptCondition[] = [{ column: "name", operator: "contains", value: "A" }];
    const { grid, stores } = setUp({ ...plain, where });
    await ready();
    await fireEvent.change(screen.getByTestId("grid-views"), { target: { value: "system:v-active" } });
    await waitFor(() => {
      expect(grid.opened).toHaveLength(2);
    });
    expect(grid.opened[1]).toEqual({
      table: "account",
      filter: null,
      sort: [],
      columns: ["name", "revenue"],
      view: { kind: "system", id: "v-active" },
    });
    expect(stores.router.route).toEqual({ ...plain, view: { kind: "system", id: "v-active" } });
    await waitFor(() => {
      expect(rows()).toEqual([]);
    });
    await waitFor(() => {
      expect(screen.getByTestId<HTMLButtonElement>("filter-add-condition").disabled).toBe(true);
    });
  });

  it("keeps the plain grid's sort as conditions are applied", async () => {
    const { grid } = setUp();
    await ready();
    const sortButton = within(screen.getAllByTestId("grid-header")[0] as HTMLElement).getByRole("button");
    await fireEvent.click(sortButton);
    await waitFor(() => {
      expect(grid.opened).toHaveLength(2);
    });
    await addCondition("account name");
    await fireEvent.input(value(), { target: { value: "A" } });
    await apply();
    await waitFor(() => {
      expect(grid.opened).toHaveLength(3);
    });
    expect(lastOpened(grid)?.sort).toEqual([{ column: "name", descending: false }]);
  });

  it("offers no conditions list without conditions, and Add condition only once the columns are known", () => {
    mockBackend({ grid_open: () => new Promise<OpenedGrid>(() => undefined), views_list: () => [] });
    const stores = createStores();
    stores.router.go(plain);
    renderWithStores(RecordsScreen, stores);
    expect(screen.getByTestId<HTMLButtonElement>("filter-add-condition").disabled).toBe(true);
    expect(screen.queryByTestId("filter-conditions")).toBeNull();
    expect(screen.queryByTestId("filter-clear-all")).toBeNull();
  });

  it("starts a new row with nothing chosen, and leaves the focus alone for the route's rows", async () => {
    setUp({ ...plain, where: [{ column: "name", operator: "contains", value: "A" }] });
    await ready();
    await waitFor(() => {
      expect(rows()).toHaveLength(1);
    });
    expect(document.activeElement?.getAttribute("data-testid")).not.toBe("condition-column");
    await fireEvent.click(screen.getByTestId("filter-add-condition"));
    expect(lastRow().dataset.column).toBe("");
    expect(within(lastRow()).getByTestId<HTMLInputElement>("condition-column").value).toBe("");
  });

  it("marks the condition a refusal names by the column's label", async () => {
    setUp(plain, {
      grid_open: (connection, request): OpenedGrid =>
        request.conditions
          ? refuse({ ...failure("input.invalid", "No.", null, "input"), column: "Annual Revenue" })
          : (fakeGrid(10).handlers.grid_open?.(connection, request) as OpenedGrid),
    });
    await ready();
    await addCondition("account name");
    await fireEvent.input(value(), { target: { value: "x" } });
    await addCondition("revenue");
    await fireEvent.input(value(), { target: { value: "1" } });
    await apply();
    await screen.findByTestId("grid-filter-error");
    const [name, revenue] = rows().map((row) => within(row).getByTestId("condition-value"));
    expect(name?.getAttribute("aria-invalid")).toBeNull();
    expect(revenue?.getAttribute("aria-invalid")).toBe("true");
  });

  it("marks the raw filter for a refusal that names no condition's column, not when it is empty", async () => {
    setUp(plain, {
      grid_open: (connection, request): OpenedGrid =>
        request.conditions || request.filter
          ? refuse(failure("query.invalid", "Not OData.", null, "input"))
          : (fakeGrid(10).handlers.grid_open?.(connection, request) as OpenedGrid),
    });
    await ready();
    await addCondition("account name");
    await fireEvent.input(value(), { target: { value: "x" } });
    await apply();
    await screen.findByTestId("grid-filter-error");
    const raw = screen.getByTestId("grid-filter");
    expect(raw.getAttribute("aria-invalid")).toBeNull();
    await fireEvent.input(raw, { target: { value: "   " } });
    expect(raw.getAttribute("aria-invalid")).toBeNull();
    await fireEvent.input(raw, { target: { value: "nope(" } });
    expect(raw.getAttribute("aria-invalid")).toBe("true");
  });
});
