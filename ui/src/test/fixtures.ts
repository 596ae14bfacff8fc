// Connections and payloads the tests share, typed by the bindings.
import type { Category, ConnectionView, ErrorPayload, SandboxInfo, TableInfo } from "../bindings";

export const sandbox: SandboxInfo = {
  instance_url: "http://127.0.0.1:41234",
  web_api_url: "http://127.0.0.1:41234/api/data/v9.2/",
  authority: "http://127.0.0.1:41234/tenant",
  tenant_id: "tenant",
  organization_name: "Contoso Sandbox",
  username: "admin@contoso-sandbox.onmicrosoft.com",
  demo_password: "Contoso-Sandbox-Demo-1",
  data_file: "/data/sandbox.sqlite3",
  moved_from: null,
};

export const prod: ConnectionView = {
  id: "11111111-1111-4111-8111-111111111111",
  name: "Contoso Prod",
  kind: "org",
  tag: "prod",
  read_only: true,
  instance_url: "https://contoso.crm.dynamics.com",
  host: "contoso.crm.dynamics.com",
  tenant: "contoso.onmicrosoft.com",
  client_id: "22222222-2222-4222-8222-222222222222",
  cloud: "public",
  authority: null,
  status: { state: "failed", at: new Date().toISOString(), summary: "auth.invalid_secret" },
};

export const me: ConnectionView = {
  id: "33333333-3333-4333-8333-333333333333",
  name: "Contoso Dev (me)",
  kind: "user",
  tag: "dev",
  read_only: false,
  instance_url: "https://contoso-dev.crm.dynamics.com",
  host: "contoso-dev.crm.dynamics.com",
  tenant: "organizations",
  client_id: null,
  cloud: "public",
  authority: null,
  status: { state: "never" },
};

export const pasted: ConnectionView = {
  id: "44444444-4444-4444-8444-444444444444",
  name: "Pasted token",
  kind: "bearer",
  tag: null,
  read_only: false,
  instance_url: "https://contoso-test.crm.dynamics.com",
  host: "contoso-test.crm.dynamics.com",
  tenant: null,
  client_id: null,
  cloud: "public",
  authority: null,
  status: { state: "never" },
};

export function failure(
  kind: string,
  message: string,
  hint: string | null = null,
  category: Category = "other",
): ErrorPayload {
  return { kind, category, message, hint, column: null, details: null };
}

export const table: TableInfo = {
  logical_name: "account",
  entity_set: "accounts",
  display_name: "Account",
  primary_id: "accountid",
  primary_name: "name",
  is_custom: false,
  change_tracking: true,
};

export const contact: TableInfo = {
  logical_name: "contact",
  entity_set: "contacts",
  display_name: "Contact",
  primary_id: "contactid",
  primary_name: "fullname",
  is_custom: false,
  change_tracking: true,
};

export const project: TableInfo = {
  logical_name: "new_project",
  entity_set: "new_projects",
  display_name: "Project",
  primary_id: "new_projectid",
  primary_name: "new_name",
  is_custom: true,
  change_tracking: false,
};

/** A table with no display name: it is listed by its logical name. */
export const unnamed: TableInfo = {
  logical_name: "msdyn_accountkpiitem",
  entity_set: "msdyn_accountkpiitems",
  display_name: null,
  primary_id: "msdyn_accountkpiitemid",
  primary_name: null,
  is_custom: false,
  change_tracking: false,
};
