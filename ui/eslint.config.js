import js from "@eslint/js";
import svelte from "eslint-plugin-svelte";
import globals from "globals";
import ts from "typescript-eslint";
import svelteConfig from "./svelte.config.js";

export default ts.config(
  // Generated from Rust (`make bindings`): checked for drift by a Rust test, not linted.
  { ignores: ["dist/", "node_modules/", "src/bindings/", ".stryker-tmp/", "reports/"] },
  js.configs.recommended,
  ...ts.configs.strictTypeChecked,
  ...svelte.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.browser },
      parserOptions: {
        projectService: { allowDefaultProject: ["*.config.js", "scripts/*.mjs"] },
        tsconfigRootDir: import.meta.dirname,
        extraFileExtensions: [".svelte"],
      },
    },
  },
  {
    files: ["**/*.svelte", "**/*.svelte.ts"],
    languageOptions: {
      parserOptions: { parser: ts.parser, svelteConfig },
    },
  },
  {
    // Rust is reached through src/lib/api.ts only: it unwraps the command results once, in one place.
    files: ["src/**/*.ts", "src/**/*.svelte"],
    ignores: ["src/lib/api.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/bindings", "**/bindings/index", "**/bindings/index.ts"],
              importNames: ["commands"],
              allowTypeImports: true,
              message: "Call Rust through src/lib/api.ts, not the generated commands.",
            },
            {
              group: ["@tauri-apps/api/core"],
              allowTypeImports: true,
              message: "Call Rust through src/lib/api.ts (it makes the channels too).",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["*.config.js", "*.config.ts", "scripts/*.mjs"],
    ...ts.configs.disableTypeChecked,
    languageOptions: { globals: { ...globals.node } },
  },
);
