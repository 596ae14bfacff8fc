import { svelte } from "@sveltejs/vite-plugin-svelte";
import { defineConfig } from "vitest/config";
import { thirdPartyLicences } from "./scripts/thirdParty.mjs";

// The Tauri window loads the built files from ui/dist (see tauri.conf.json); `npm run dev` is only for
// working on the UI in a browser.
// The About dialog's third-party licences are generated into dist/third-party/ (scripts/thirdParty.mjs): the
// npm packages found in the bundle, and the Rust crates from cargo-about's list, made outside ui/ by make.
export default defineConfig(({ mode }) => ({
  plugins: [
    svelte(),
    ...thirdPartyLicences({
      rustJson: "../target/licences/rust.json",
      makeRule: "target/licences/rust.json",
    }),
  ],
  clearScreen: false,
  server: { port: 1420, strictPort: true },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // WebKitGTK 2.40+ (Debian 12) and WebView2 both support ES2022.
    target: "es2022",
  },
  // Under Vitest, resolve Svelte to its browser build (the default would be the server build).
  resolve: mode === "test" ? { conditions: ["browser"] } : {},
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.ts"],
    setupFiles: ["src/test/setup.ts"],
    restoreMocks: true,
  },
}));
