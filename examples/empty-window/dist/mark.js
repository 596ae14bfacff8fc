// The same User Timing mark the app sets when its first screen is painted (ui/src/lib/firstScreen.ts), so that
// `make bench` times both windows the same way.
document.addEventListener("DOMContentLoaded", () => {
  requestAnimationFrame(() => setTimeout(() => performance.mark("d365desk:first-screen"), 0));
});
