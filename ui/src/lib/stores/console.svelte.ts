// The Web API console of one connection: the request being typed, the last answer, and the requests
// sent before (kept in localStorage, see lib/consoleHistory.ts).
import type { ConsoleAnswer, ConsoleHeader, ErrorPayload } from "../../bindings";
import { consoleSend, errorPayload } from "../api";
import { consoleHistory, rememberRequest, type ConsoleEntry } from "../consoleHistory";

export const METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE"] as const;

export class ConsoleSession {
  readonly connection: string;
  method = $state("GET");
  path = $state("WhoAmI");
  headers = $state<ConsoleHeader[]>([]);
  body = $state("");
  sending = $state(false);
  answer = $state.raw<ConsoleAnswer | null>(null);
  failure = $state.raw<ErrorPayload | null>(null);
  history = $state.raw<ConsoleEntry[]>([]);

  constructor(connection: string) {
    this.connection = connection;
    this.history = consoleHistory(connection);
  }

  /** Sends the request as typed (headers without a name are left out, an empty body is none). */
  async send(): Promise<void> {
    if (this.sending || !this.path.trim()) return;
    const entry: ConsoleEntry = {
      method: this.method,
      path: this.path.trim(),
      headers: $state.snapshot(this.headers).filter((header) => header.name.trim()),
      body: this.body,
    };
    this.sending = true;
    this.failure = null;
    this.history = rememberRequest(this.connection, entry);
    try {
      this.answer = await consoleSend(this.connection, {
        method: entry.method,
        path: entry.path,
        headers: entry.headers,
        body: entry.body.trim() ? entry.body : null,
      });
    } catch (err) {
      this.answer = null;
      this.failure = errorPayload(err);
    }
    this.sending = false;
  }

  /** Puts a request sent before back into the form, to send again or change. */
  reuse(entry: ConsoleEntry): void {
    this.method = entry.method;
    this.path = entry.path;
    this.headers = entry.headers.map((header) => ({ ...header }));
    this.body = entry.body;
  }

  addHeader(): void {
    this.headers.push({ name: "", value: "" });
  }

  removeHeader(index: number): void {
    this.headers.splice(index, 1);
  }
}
