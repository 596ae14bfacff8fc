// The built-in sandbox as a connection: it is no saved profile, but it opens, browses and verifies like
// one, under the id the Rust side knows it by.
import type { ConnectionView } from "../bindings";

export const sandboxId = "sandbox";

export const sandboxConnection: ConnectionView = {
  id: sandboxId,
  name: "D365 Desk Sandbox",
  kind: "sandbox",
  tag: null,
  read_only: false,
  instance_url: "sandbox://local",
  host: "local sandbox",
  tenant: null,
  client_id: null,
  cloud: "public",
  authority: null,
  status: { state: "never" },
};
