// Runs before every test file: each test starts on the default route with no component or IPC mock
// left over from the one before.
import { cleanup } from "@testing-library/svelte";
import { afterEach } from "vitest";
import { clearBackend } from "./ipc";

// jsdom lays nothing out and has no scrollIntoView; the webviews have it.
Element.prototype.scrollIntoView = function scrollIntoView() {
  // nothing to scroll in jsdom
};

afterEach(() => {
  cleanup();
  clearBackend();
  window.location.hash = "";
});
