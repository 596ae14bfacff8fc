// `npm run mutants:changed`: mutation testing of the UI files changed since MUTATE_BASE (a git ref,
// e.g. origin/main; default main), committed or not. Nothing to mutate is a success, said so.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const base = process.env.MUTATE_BASE || "main";
const changed = execFileSync("git", ["diff", "--name-only", "--relative", base, "--", "src"], {
  encoding: "utf8",
})
  .split("\n")
  .filter((file) => /\.(ts|svelte)$/.test(file))
  .filter((file) => !file.startsWith("src/bindings/") && !file.startsWith("src/test/"))
  .filter((file) => !file.endsWith(".test.ts") && file !== "src/main.ts")
  .filter((file) => existsSync(file));

if (changed.length === 0) {
  console.log(`No UI source file changed since ${base}: nothing to mutate.`);
  process.exit(0);
}
console.log(`Mutating ${String(changed.length)} file(s) changed since ${base}:\n  ${changed.join("\n  ")}`);
const run = spawnSync("npx", ["stryker", "run", "--mutate", changed.join(",")], { stdio: "inherit" });
process.exit(run.status ?? 1);
