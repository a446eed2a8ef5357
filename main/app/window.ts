/**
 * The editor window, locked down: sandboxed renderer with context isolation and no Node, our own
 * page only (navigation and new windows refused; https links go to the system browser), no
 * permission ever granted, no <webview>.
 */
import { BrowserWindow, app, dialog, shell } from 'electron';
import type { Session } from 'electron';
import { APP_URL } from './schemes';
import { externalUrl, secureWebPreferences } from './security';

function openExternally(url: string): void {
  const target = externalUrl(url);
  if (target) void shell.openExternal(target);
}

export function denyPermissions(session: Session): void {
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

export function createMainWindow(preload: string): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 1024,
    minHeight: 640,
    show: false,
    title: 'Cleanplate',
    backgroundColor: '#17191d',
    webPreferences: { ...secureWebPreferences, preload, devTools: !app.isPackaged },
  });
  win.once('ready-to-show', () => win.show());
  const contents = win.webContents;
  contents.on('will-navigate', (event, url) => {
    event.preventDefault();
    openExternally(url);
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  // The page refuses to unload (beforeunload) while it has unsaved edits; ask before losing them.
  contents.on('will-prevent-unload', (event) => {
    const choice = dialog.showMessageBoxSync(win, {
      type: 'warning',
      buttons: ['Close without saving', 'Cancel'],
      defaultId: 1,
      cancelId: 1,
      message: 'The project has unsaved changes.',
      detail: 'Close anyway and lose them, or cancel and save first.',
    });
    if (choice === 0) event.preventDefault(); // preventDefault here lets the unload go ahead
  });
  contents.setWindowOpenHandler(({ url }) => {
    openExternally(url);
    return { action: 'deny' };
  });
  void win.loadURL(APP_URL);
  return win;
}
