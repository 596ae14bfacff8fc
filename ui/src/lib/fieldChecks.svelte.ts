// The connection forms' field checks: the core's rules run 150 ms after the last keystroke, and a field's
// problem shows once the field has been left (or the form submitted).
import type { FieldProblem } from "../bindings";

export class FieldChecks {
  problems = $state<FieldProblem[]>([]);
  touched = $state<Record<string, boolean>>({});
  #ticket = 0;

  /** From an `$effect` that has read the form: checks it after a pause. Returns the effect's cleanup. */
  later(check: () => Promise<FieldProblem[]>, onfail: (err: unknown) => void): () => void {
    const ticket = ++this.#ticket;
    const timer = setTimeout(() => {
      check().then((problems) => {
        if (ticket === this.#ticket) this.problems = problems;
      }, onfail);
    }, 150);
    return () => {
      clearTimeout(timer);
    };
  }

  /** On submit: every field's problem is shown, from a check of the form as it is now (the pending check
   * may be of an earlier keystroke). */
  async now(fields: string[], check: () => Promise<FieldProblem[]>): Promise<void> {
    this.touched = Object.fromEntries(fields.map((field) => [field, true]));
    const ticket = ++this.#ticket;
    const problems = await check();
    if (ticket === this.#ticket) this.problems = problems;
  }

  touch(field: string): void {
    this.touched = { ...this.touched, [field]: true };
  }

  /** The field's problem among `problems` (all of them by default), once the field has been left. */
  shown(field: string, problems: FieldProblem[] = this.problems): FieldProblem | undefined {
    return this.touched[field] ? problems.find((p) => p.field === field) : undefined;
  }
}
