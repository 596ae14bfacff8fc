// The client secret's shape, checked here as it is typed so that the secret never crosses IPC before it
// is saved. The rules and words mirror crates/dataverse/src/input.rs `client_secret`.
import type { FieldProblem } from "../bindings";

// Every form `Uuid::try_parse` accepts: hyphenated, simple (32 digits), braced, and as a URN.
const hex = "[0-9a-fA-F]";
const hyphenated = `${hex}{8}-${hex}{4}-${hex}{4}-${hex}{4}-${hex}{12}`;
/** `MAX_SECRET` in input.rs, in characters (code points, as Rust counts `chars`). */
export const maxSecretLength = 1024;
const guid = new RegExp(`^(?:${hyphenated}|${hex}{32}|\\{${hyphenated}\\}|urn:uuid:${hyphenated})$`);

function problem(message: string, hint: string): FieldProblem {
  return { field: "client_secret", message, hint };
}

/** What is wrong with the secret as typed, in the words shown beside its field; undefined when nothing. */
export function clientSecretProblem(secret: string): FieldProblem | undefined {
  if (secret === "") return problem("It is empty", "Paste the secret's Value.");
  // Code points, not UTF-16 units: Rust counts `chars`.
  const length = Array.from(secret).length;
  if (length > maxSecretLength) {
    return problem(
      `It is ${String(length)} characters long; a client secret has about 40`,
      "Paste the secret's Value, and only that.",
    );
  }
  if (secret.trim() !== secret) {
    return problem("It has spaces or line breaks around it", "Paste the secret's Value exactly.");
  }
  if (guid.test(secret)) {
    return problem(
      "This looks like the secret's ID, not its value",
      "In Certificates & secrets, copy the Value column (shown only right after creating the secret).",
    );
  }
  return undefined;
}
