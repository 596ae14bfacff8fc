// Small presentation helpers shared by the connection components.
import type { ConnectionKind, EnvironmentTag, ErrorPayload, Step } from "../bindings";

export const kindLabels: Record<ConnectionKind, string> = {
  org: "Organisation",
  certificate: "Organisation (certificate)",
  user: "User",
  bearer: "Bearer token",
  sandbox: "Sandbox",
};

export const tagLabels: Record<EnvironmentTag, string> = {
  dev: "DEV",
  test: "TEST",
  uat: "UAT",
  prod: "PROD",
};

export const stepLabels: Record<Step, string> = {
  token: "Get a token from Entra ID",
  who_am_i: "Reach the Web API (WhoAmI)",
  organization: "Read the organisation",
};

/** "3 minutes ago", "yesterday", or the date. */
export function since(iso: string, now: Date = new Date()): string {
  const at = new Date(iso);
  const seconds = Math.round((now.getTime() - at.getTime()) / 1000);
  if (Number.isNaN(seconds)) return iso;
  if (seconds < 60) return "just now";
  if (seconds < 3600) return `${String(Math.floor(seconds / 60))} min ago`;
  if (seconds < 86400) return `${String(Math.floor(seconds / 3600))} h ago`;
  return at.toLocaleDateString();
}

/** What "copy details" puts on the clipboard for a support ticket: never a secret (none reaches the UI). */
export function details(error: ErrorPayload, context: Record<string, string>): string {
  const lines = Object.entries(context).map(([key, value]) => `${key}: ${value}`);
  lines.push(`error: ${error.kind}`, `message: ${error.message}`);
  if (error.hint) lines.push(`what to do: ${error.hint}`);
  if (error.details) lines.push(`details: ${error.details}`);
  return lines.join("\n");
}
