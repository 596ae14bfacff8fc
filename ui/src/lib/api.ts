// The one door to Rust. Every command goes through here: tauri-specta's `{status, data | error}` answers
// become plain values, or an `ApiError` carrying the command's ErrorPayload; channels become callbacks.
// Components and stores import from here, never `commands` itself (an ESLint rule enforces it).
import { Channel } from "@tauri-apps/api/core";
import {
  commands,
  type About,
  type AppInfo,
  type AppliedChange,
  type BearerForm,
  type CertificateAdded,
  type CertificateView,
  type CommitMode,
  type CommitPreview,
  type CommitResult,
  type ConnectionView,
  type ConsoleAnswer,
  type ConsoleRequest,
  type DataEvent,
  type EnvironmentTag,
  type ErrorPayload,
  type FieldProblem,
  type Format,
  type GridProgress,
  type GridRequest,
  type GridRow,
  type ImportOutcome,
  type ImportPreview,
  type ImportSource,
  type Inverse,
  type LookupCandidate,
  type OpenedGrid,
  type OrgForm,
  type PendingChange,
  type RecordRead,
  type RecordView,
  type SandboxInfo,
  type SavedExport,
  type SignInEvent,
  type SignInMethod,
  type SignInResult,
  type Step,
  type TableInfo,
  type TableView,
  type ThirdParty,
  type TokenFacts,
  type UserForm,
  type ValueCheck,
  type VerifyOutcome,
} from "../bindings";

/** A command answered with its error: `payload` says what happened and what to do, in the user's terms. */
export class ApiError extends Error {
  readonly payload: ErrorPayload;

  constructor(payload: ErrorPayload) {
    super(payload.message);
    this.name = "ApiError";
    this.payload = payload;
  }
}

/** Any failure as the UI shows it: a command's own payload, or anything else as `app.unexpected`. */
export function errorPayload(err: unknown): ErrorPayload {
  if (err instanceof ApiError) return err.payload;
  const message = err instanceof Error ? err.message : String(err);
  return { kind: "app.unexpected", category: "other", message, hint: null, column: null, details: null };
}

type Answer<T> = { status: "ok"; data: T } | { status: "error"; error: ErrorPayload };

async function unwrap<T>(answer: Promise<Answer<T>>): Promise<T> {
  const result = await answer;
  if (result.status === "error") throw new ApiError(result.error);
  return result.data;
}

function channel<T>(onmessage: (message: T) => void): Channel<T> {
  const progress = new Channel<T>();
  progress.onmessage = onmessage;
  return progress;
}

export const appInfo = (): Promise<AppInfo> => commands.appInfo();
/** What the About dialog says about the app: its version, licence, repository and log folder. */
export const about = (): Promise<About> => commands.about();
/** Every third-party package in the app with its licence texts, from the lists built into the UI. Large:
 * asked only when the About dialog's licences part opens. */
export const thirdPartyLicences = (): Promise<ThirdParty> => unwrap(commands.thirdPartyLicences());

export const sandboxStart = (): Promise<SandboxInfo> => unwrap(commands.sandboxStart());
export const sandboxStatus = (): Promise<SandboxInfo | null> => unwrap(commands.sandboxStatus());
/** Starts the sandbox if need be and verifies it; `onstep` hears each step as it begins. */
export const sandboxVerify = (onstep: (step: Step) => void): Promise<VerifyOutcome> =>
  unwrap(commands.sandboxVerify(channel(onstep)));

export const listConnections = (): Promise<ConnectionView[]> => unwrap(commands.connectionsList());

/** The org form's problems field by field. The client secret is not part of it: the UI checks its shape
 * (lib/clientSecret.ts) and the secret travels only with `addOrg`. */
export const checkOrg = (form: OrgForm): Promise<FieldProblem[]> => unwrap(commands.connectionCheckOrg(form));
export const addOrg = (form: OrgForm, clientSecret: string): Promise<ConnectionView> =>
  unwrap(commands.connectionAddOrg(form, clientSecret));

/** The system's Open dialog for a certificate file, asked by Rust: its path, or null when closed. */
export const pickCertificate = (): Promise<string | null> => unwrap(commands.connectionPickCertificate());
/** The system's Open dialog for XrmToolBox's or pac's file; its path, or null when closed. */
export const pickImportFile = (source: ImportSource): Promise<string | null> =>
  unwrap(commands.importPickFile(source));
/** What each connection of that file becomes here; nothing is saved. */
export const previewImport = (source: ImportSource, path: string): Promise<ImportPreview> =>
  unwrap(commands.importPreview(source, path));
/** Saves the picked connections (by number) without any secret; each waits for its credential. `sha256` is the
 * preview's: a file changed since its preview is refused. */
export const applyImport = (
  source: ImportSource,
  path: string,
  picked: number[],
  sha256: string,
): Promise<ImportOutcome> => unwrap(commands.importApply(source, path, picked, sha256));
/** What the certificate file at `path` is, or why it cannot be used; the password is not kept. */
export const inspectCertificate = (path: string, password: string | null): Promise<CertificateView> =>
  unwrap(commands.connectionInspectCertificate(path, password));
/** Saves a certificate connection; its key goes to the keyring, never to the window. */
export const addCertificate = (
  form: OrgForm,
  path: string,
  password: string | null,
): Promise<CertificateAdded> => unwrap(commands.connectionAddCertificate(form, path, password));

export const checkUser = (form: UserForm, discovering: boolean): Promise<FieldProblem[]> =>
  unwrap(commands.connectionCheckUser(form, discovering));
export const signInUser = (
  form: UserForm,
  method: SignInMethod,
  onevent: (event: SignInEvent) => void,
): Promise<SignInResult> => unwrap(commands.connectionSignInUser(form, method, channel(onevent)));
export const addDiscovered = (form: UserForm, instanceUrl: string): Promise<ConnectionView> =>
  unwrap(commands.connectionAddDiscovered(form, instanceUrl));
/** Gives up the sign-in under way; false when there was none. */
export const cancelSignIn = (): Promise<boolean> => unwrap(commands.connectionCancelSignIn());
export const signInAgain = (
  id: string,
  method: SignInMethod,
  onevent: (event: SignInEvent) => void,
): Promise<ConnectionView> => unwrap(commands.connectionSignInAgain(id, method, channel(onevent)));

export const inspectBearer = (form: BearerForm, token: string): Promise<TokenFacts> =>
  unwrap(commands.connectionInspectBearer(form, token));
export const addBearer = (form: BearerForm, token: string): Promise<ConnectionView> =>
  unwrap(commands.connectionAddBearer(form, token));

/** Token → WhoAmI → organisation; `onstep` hears each step as it begins. */
export const verifyConnection = (id: string, onstep: (step: Step) => void): Promise<VerifyOutcome> =>
  unwrap(commands.connectionVerify(id, channel(onstep)));
export const editConnection = (
  id: string,
  change: { name: string; tag: EnvironmentTag | null; read_only: boolean },
): Promise<ConnectionView> => unwrap(commands.connectionEdit(id, change.name, change.tag, change.read_only));
/** Deletes the connection with its secrets; the steps to revoke its access elsewhere come back. */
export const deleteConnection = (id: string): Promise<string[]> => unwrap(commands.connectionDelete(id));

/** The connection's tables, common ones first: from the metadata cache, or with `refresh` from the
 * environment. The built-in sandbox's id is `"sandbox"`. */
export const tablesList = (connection: string, refresh: boolean): Promise<TableInfo[]> =>
  unwrap(commands.tablesList(connection, refresh));

/** Opens a grid: its columns, the count and the first rows. Its rows stay in Rust until `gridClose`. */
export const gridOpen = (connection: string, request: GridRequest): Promise<OpenedGrid> =>
  unwrap(commands.gridOpen(connection, request));
/** Rows `start..start + count` of those read so far (`count` at most 1000). */
export const gridRows = (grid: number, start: number, count: number): Promise<GridRow[]> =>
  unwrap(commands.gridRows(grid, start, count));
/** Reads the grid's next page (5000 rows). */
export const gridLoadMore = (grid: number): Promise<GridProgress> => unwrap(commands.gridLoadMore(grid));
export const gridClose = (grid: number): Promise<null> => unwrap(commands.gridClose(grid));

/** The table's views, the default first, each with the columns of its layout. */
export const viewsList = (connection: string, table: string): Promise<TableView[]> =>
  unwrap(commands.viewsList(connection, table));

/** One record whole, its fields grouped (`shown`: the grid's columns, listed after its name). */
export const recordGet = (
  connection: string,
  table: string,
  id: string,
  shown: string[],
): Promise<RecordView> => unwrap(commands.recordGet(connection, table, id, shown));
/** Records of `table` whose primary name contains `text` (the first 25, A–Z): a lookup's picker. */
export const lookupSearch = (connection: string, table: string, text: string): Promise<LookupCandidate[]> =>
  unwrap(commands.lookupSearch(connection, table, text));
/** Opens the record (or, with no id, the table's list) in Dynamics 365 in the system browser. */
export const openInApp = (connection: string, table: string, id: string | null): Promise<string> =>
  unwrap(commands.openInApp(connection, table, id));

/** Exports every row of the grid to the file picked in the system's Save dialog; `onrows` hears the rows
 * written so far. Null when the dialog was closed. */
export const gridExport = (
  grid: number,
  name: string,
  format: Format,
  onrows: (rows: number) => void,
): Promise<SavedExport | null> => unwrap(commands.gridExport(grid, name, format, channel(onrows)));
/** Stops the export under way; false when there was none. */
export const gridExportCancel = (): Promise<boolean> => unwrap(commands.gridExportCancel());

/** Hears, for as long as the app runs, the waits and retries of every connection's client. */
export const dataWatch = (onevent: (event: DataEvent) => void): Promise<null> =>
  unwrap(commands.dataWatch(channel(onevent)));
/** Hears the window's close button while changes are staged: the window stays open until `windowClose`. */
export const windowCloseWatch = (onrequest: () => void): Promise<null> =>
  unwrap(commands.windowCloseWatch(channel<null>(onrequest)));
/** Closes the window (the person answered the close question). */
export const windowClose = (): Promise<null> => unwrap(commands.windowClose());

/** The Web API console: one request as typed, the answer as it came. */
export const consoleSend = (connection: string, request: ConsoleRequest): Promise<ConsoleAnswer> =>
  unwrap(commands.consoleSend(connection, request));

/** The connection's staged changes kept from before (a crash, a closed window); none when it has none. */
export const pendingLoad = (connection: string): Promise<PendingChange[]> =>
  unwrap(commands.pendingLoad(connection));
/** Journals the connection's staged changes as they are now: the whole list (none removes the journal). */
export const pendingSave = (connection: string, changes: PendingChange[]): Promise<null> =>
  unwrap(commands.pendingSave(connection, changes));
/** The connections that have staged changes kept. */
export const pendingConnections = (): Promise<string[]> => unwrap(commands.pendingConnections());
/** Commits the staged changes; a result per record. The journal keeps only what was not applied. `reads`:
 * the rows as the window read them, so that a conflict lists the other columns changed since. */
export const changesCommit = (
  connection: string,
  changes: PendingChange[],
  mode: CommitMode,
  reads: RecordRead[] = [],
): Promise<CommitResult[]> => unwrap(commands.changesCommit(connection, changes, mode, reads));
/** The exact `$batch` requests a commit would send (the token hidden), and what it would refuse; sends nothing. */
export const changesPreview = (
  connection: string,
  changes: PendingChange[],
  mode: CommitMode,
): Promise<CommitPreview> => unwrap(commands.changesPreview(connection, changes, mode));
/** The changes that undo a commit's applied changes, to stage for review, and what cannot be undone. */
export const changesInverse = (connection: string, applied: AppliedChange[]): Promise<Inverse> =>
  unwrap(commands.changesInverse(connection, applied));
/** Checks an editor's value as the commit will; an `ApiError` (the column named) when it is refused. */
export const valueCheck = (connection: string, check: ValueCheck): Promise<null> =>
  unwrap(commands.valueCheck(connection, check));
