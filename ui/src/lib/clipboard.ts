// The clipboard, for values the user pastes elsewhere (redirect URI, device code, support details).

/** Puts `text` on the clipboard; false when the webview refused (no permission, no focus). */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
