// Runs before every test file: each test starts on the default route with no component or IPC mock
// left over from the one before.
import { cleanup } from "@testing-library/svelte";
import { afterEach } from "vitest";
import { clearBackend } from "./ipc";

afterEach(() => {
  cleanup();
  clearBackend();
  window.location.hash = "";
});
