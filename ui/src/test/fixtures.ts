// Connections and payloads the tests share, typed by the bindings.
import type { ConnectionView, ErrorPayload, SandboxInfo } from "../bindings";

export const sandbox: SandboxInfo = {
  instanceUrl: "http://127.0.0.1:41234",
  webApiUrl: "http://127.0.0.1:41234/api/data/v9.2/",
  authority: "http://127.0.0.1:41234/tenant",
  tenantId: "tenant",
  organizationName: "Contoso Sandbox",
  username: "admin@contoso-sandbox.onmicrosoft.com",
  dataFile: "/data/sandbox.sqlite3",
};

export const prod: ConnectionView = {
  id: "11111111-1111-4111-8111-111111111111",
  name: "Contoso Prod",
  kind: "org",
  tag: "prod",
  readOnly: true,
  instanceUrl: "https://contoso.crm.dynamics.com",
  host: "contoso.crm.dynamics.com",
  tenant: "contoso.onmicrosoft.com",
  clientId: "22222222-2222-4222-8222-222222222222",
  cloud: "public",
  authority: null,
  status: { state: "failed", at: new Date().toISOString(), summary: "auth.invalid_secret" },
};

export const me: ConnectionView = {
  id: "33333333-3333-4333-8333-333333333333",
  name: "Contoso Dev (me)",
  kind: "user",
  tag: "dev",
  readOnly: false,
  instanceUrl: "https://contoso-dev.crm.dynamics.com",
  host: "contoso-dev.crm.dynamics.com",
  tenant: "organizations",
  clientId: null,
  cloud: "public",
  authority: null,
  status: { state: "never" },
};

export const pasted: ConnectionView = {
  id: "44444444-4444-4444-8444-444444444444",
  name: "Pasted token",
  kind: "bearer",
  tag: null,
  readOnly: false,
  instanceUrl: "https://contoso-test.crm.dynamics.com",
  host: "contoso-test.crm.dynamics.com",
  tenant: null,
  clientId: null,
  cloud: "public",
  authority: null,
  status: { state: "never" },
};

export function failure(kind: string, message: string, hint: string | null = null): ErrorPayload {
  return { kind, message, hint };
}
