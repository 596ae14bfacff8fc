// The one fake backend of the UI tests: @tauri-apps/api's IPC mock, answering each command from a table
// typed against the generated bindings. A handler gets the command's arguments as the bindings declare
// them (channels included) and must answer with the command's own data type, so a wrong shape fails
// svelte-check. Commands not in the table fail the test.
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import type { commands } from "../bindings";
import type { About, AppInfo, ErrorPayload, ThirdParty } from "../bindings";

type Commands = typeof commands;

/** `connectionsList` → `connections_list`: the name the command has over IPC. */
type SnakeCase<S extends string> = S extends `${infer Head}${infer Tail}`
  ? `${Head extends Lowercase<Head> ? Head : `_${Lowercase<Head>}`}${SnakeCase<Tail>}`
  : S;

/** What a command answers when it succeeds: tauri-specta's `data`, or the plain value of an infallible one. */
type Data<R> = R extends { status: "ok"; data: infer D } ? D : R extends { status: "error" } ? never : R;

type Table = {
  [K in keyof Commands as SnakeCase<K>]: {
    args: Parameters<Commands[K]>;
    answer: Data<Awaited<ReturnType<Commands[K]>>>;
  };
};

export type CommandName = keyof Table;
export type Args<N extends CommandName> = Table[N]["args"];
export type Answer<N extends CommandName> = Table[N]["answer"];
/** A command's answer; `undefined` takes a start-up answer away (the command then fails as unknown). */
export type Handlers = {
  [N in CommandName]?: ((...args: Args<N>) => Answer<N> | Promise<Answer<N>>) | undefined;
};

export type Call = { command: CommandName; args: unknown[] };

export const appInfo: AppInfo = { product_name: "D365 Desk", version: "9.9.9", os: "linux", arch: "x86_64" };

/** The About dialog's facts (`about`: asked when the dialog opens, not at start). */
export const aboutInfo: About = {
  app: appInfo,
  licence: "MIT",
  repository: "https://github.com/d365desk/d365desk",
  log_dir: "/home/me/.local/state/dev.d365desk.app/logs",
};

/** A small `third_party_licences` answer: two crates sharing a text, a crate of two, one npm package. */
export const thirdParty: ThirdParty = {
  texts: [
    {
      licence: "MIT",
      text: "MIT License\n\nCopyright (c) The Tauri Programme within The Commons Conservancy",
    },
    { licence: "Apache-2.0", text: "Apache License\nVersion 2.0, January 2004" },
    { licence: "MIT", text: "Copyright (c) 2016 Serde developers" },
    {
      licence: "MIT",
      text: "Copyright (c) 2016-23 [these people](https://github.com/sveltejs/svelte/graphs/contributors)",
    },
  ],
  packages: [
    {
      ecosystem: "rust",
      name: "serde",
      version: "1.0.229",
      licence: "MIT OR Apache-2.0",
      repository: null,
      texts: [2],
    },
    {
      ecosystem: "rust",
      name: "tauri",
      version: "2.12.5",
      licence: "Apache-2.0 OR MIT",
      repository: "https://github.com/tauri-apps/tauri",
      texts: [0],
    },
    {
      ecosystem: "rust",
      name: "tauri-build",
      version: "2.7.0",
      licence: "Apache-2.0 OR MIT",
      repository: null,
      texts: [0],
    },
    {
      ecosystem: "rust",
      name: "zstd-safe",
      version: "7.2.1",
      licence: "MIT AND Apache-2.0",
      repository: null,
      texts: [0, 1],
    },
    { ecosystem: "npm", name: "svelte", version: "5.57.3", licence: "MIT", repository: null, texts: [3] },
  ],
};

/** What the shell asks at start, answered as a fresh install would. */
const startup: Handlers = {
  app_info: () => appInfo,
  sandbox_status: () => null,
  connections_list: () => [],
  data_watch: () => null,
  // Opening a connection's data reads its staged changes kept from before: none.
  pending_load: () => [],
  pending_connections: () => [],
};

/** Fails the command the way Tauri does: the promise rejects with the command's error value itself. */
export function refuse(error: ErrorPayload): never {
  // eslint-disable-next-line @typescript-eslint/only-throw-error
  throw error;
}

export class FakeBackend {
  readonly calls: Call[] = [];

  /** The arguments of every call of `command`, in order. */
  argsOf<N extends CommandName>(command: N): Args<N>[] {
    return this.calls.filter((call) => call.command === command).map((call) => call.args as Args<N>);
  }

  called(command: CommandName): boolean {
    return this.calls.some((call) => call.command === command);
  }
}

/** Installs the fake backend: `handlers` over the start-up answers. Cleared by `clearBackend`. */
export function mockBackend(handlers: Handlers = {}): FakeBackend {
  const backend = new FakeBackend();
  // Here, at the IPC boundary, the table is looked up by a name that came in as a string.
  const table: Record<string, ((...args: never[]) => unknown) | undefined> = { ...startup, ...handlers };
  mockIPC((command, payload) => {
    // The bindings send the arguments as an object in the order of their parameters.
    const args = payload && typeof payload === "object" ? Object.values(payload) : [];
    backend.calls.push({ command: command as CommandName, args });
    const handler = table[command];
    if (!handler) throw new Error(`unexpected command ${command}`);
    return handler(...(args as never[]));
  });
  return backend;
}

export function clearBackend(): void {
  clearMocks();
}
