// What the connections' clients are doing behind the screens, for the status bar: a wait Dataverse
// asked for (throttling) counted down to the second, or a retry after a failure. Heard from Rust's
// `dataWatch` channel, started once by the shell. Never an error: it only explains a slow answer.
import type { DataEvent, RetryReason } from "../../bindings";
import { dataWatch } from "../api";

/** How often the countdown is redrawn: often enough that a second is never skipped. */
const TICK_MS = 250;

type Retry = { reason: RetryReason; attempt: number; until: number };

export class DataActivity {
  retry = $state.raw<Retry | null>(null);
  now = $state(Date.now());
  #timer: ReturnType<typeof setInterval> | null = null;
  #watching = false;

  /** Starts hearing the clients' events; once only, however often it is called. */
  watch(): void {
    if (this.#watching) return;
    this.#watching = true;
    // A watch that cannot start leaves the status bar quiet: nothing the user could do about it.
    dataWatch((event) => {
      this.hear(event);
    }).catch(() => undefined);
  }

  hear({ event }: DataEvent): void {
    this.now = Date.now();
    this.retry = { reason: event.reason, attempt: event.attempt, until: this.now + event.wait_ms };
    this.#timer ??= setInterval(() => {
      this.#tick();
    }, TICK_MS);
  }

  /** Whole seconds left of the wait, rounded up (a wait of 0.2 s still says 1). */
  get secondsLeft(): number {
    return this.retry ? Math.max(0, Math.ceil((this.retry.until - this.now) / 1000)) : 0;
  }

  /** What the status bar says, or null when no client waits. */
  get label(): string | null {
    if (!this.retry) return null;
    if (this.retry.reason === "throttled") return `Dataverse asked us to wait ${String(this.secondsLeft)} s`;
    return `Retrying (try ${String(this.retry.attempt)})…`;
  }

  #tick(): void {
    this.now = Date.now();
    if (this.retry && this.now < this.retry.until) return;
    this.retry = null; // the wait is over: the request has been sent again
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }
}
