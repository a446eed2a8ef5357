/**
 * The renderer's security settings, kept free of Electron imports so tests can check them: a
 * sandboxed, context-isolated renderer without Node, in any frame or worker, and no <webview>.
 * Web security stays at its default (on); nothing here may turn it off.
 */
export const secureWebPreferences = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInSubFrames: false,
  nodeIntegrationInWorker: false,
  webviewTag: false,
  spellcheck: false,
} as const;

/** Only https links leave the app, and only to the system browser; anything else is dropped. */
export function externalUrl(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' ? u.toString() : null;
  } catch {
    return null;
  }
}
