/**
 * Electron main process: windows, menu, protocols, IPC routing. It never computes: frames, masks
 * and inference run in engine utility processes, and ffmpeg in its own processes.
 */
// Runs once on the launch arguments, before any window exists.
// eslint-disable-next-line no-restricted-imports -- nothing is waiting on the main process yet
import { existsSync } from 'node:fs';
import path from 'node:path';
import { BrowserWindow, Menu, app, dialog, session } from 'electron';
import type { AppCommand } from '../../common/contract/channels';
import { createLog } from '../services/log';
import { createServices } from '../services/index';
import type { Services } from '../services/index';
import { userDataPaths } from '../services/paths';
import { electronDialogs } from './dialogs';
import { utilityEngineLauncher } from './engine-launcher';
import { bindContract, eventSender } from './ipc';
import { buildMenu } from './menu';
import { handleSchemes, registerSchemes } from './protocols';
import { createMainWindow, denyPermissions } from './window';

// Bundled as dist/main/main.cjs: the renderer, preload, engine and (in development) sample are siblings in dist/.
const distDir = path.resolve(__dirname, '..');
const version = process.env.CLEANPLATE_BUILD_VERSION ?? app.getVersion();

/** `.cleanplate` files named on a command line (file associations on Windows and Linux). */
function projectPathsIn(argv: string[]): string[] {
  return argv.slice(1).filter((a) => a.toLowerCase().endsWith('.cleanplate') && existsSync(a)).map((a) => path.resolve(a));
}

registerSchemes();
if (process.env.CLEANPLATE_USER_DATA) app.setPath('userData', path.resolve(process.env.CLEANPLATE_USER_DATA));

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let win: BrowserWindow | null = null;
  let services: Services | null = null;
  let rendererStarted = false;
  // Files the OS asked us to open before the page asked what to show first.
  const pending: string[] = projectPathsIn(process.argv);
  const window = () => win;
  const emit = eventSender(window);
  const send = (command: AppCommand, filePath?: string) => emit('app.command', filePath ? { command, path: filePath } : { command });

  const openFromOs = (file: string) => {
    if (rendererStarted) send('openPath', file);
    else pending.push(file);
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  };
  app.on('open-file', (event, file) => {
    event.preventDefault();
    openFromOs(file);
  });
  app.on('second-instance', (_event, argv) => {
    const files = projectPathsIn(argv);
    if (files.length) files.forEach(openFromOs);
    else win?.focus();
  });

  app.whenReady().then(async () => {
    const userDataDir = app.getPath('userData');
    const log = createLog(userDataPaths(userDataDir).logs);
    services = await createServices({
      host: 'electron',
      appVersion: version,
      userDataDir,
      sampleDir: app.isPackaged ? path.join(process.resourcesPath, 'sample') : path.join(distDir, 'sample'),
      emit,
      launchEngine: utilityEngineLauncher(path.join(distDir, 'engine', 'engine.cjs'), log),
      dialogs: electronDialogs(window),
      log,
      openAtStartup: () => {
        rendererStarted = true;
        return pending.pop() ?? null;
      },
      onRecentChanged: (recent) => Menu.setApplicationMenu(buildMenu(send, recent)),
    });
    denyPermissions(session.defaultSession);
    handleSchemes(session.defaultSession, { renderer: path.join(distDir, 'renderer'), cache: services.paths.cache });
    bindContract(services.dispatch, window, log);
    Menu.setApplicationMenu(buildMenu(send, await services.recentProjects()));
    win = createMainWindow(path.join(distDir, 'preload', 'preload.cjs'));
    win.on('closed', () => (win = null));
  }).catch((err: unknown) => {
    dialog.showErrorBox('Cleanplate could not start', err instanceof Error ? err.message : String(err));
    app.exit(1);
  });

  app.on('window-all-closed', () => app.quit());

  let disposed = false;
  // After every window has closed (a page may have refused to unload, cancelling the quit): stop
  // engine processes and end the session cleanly, so the next start offers no recovery.
  app.on('will-quit', (event) => {
    if (disposed || !services) return;
    event.preventDefault();
    disposed = true;
    void services.dispose().finally(() => app.quit());
  });
}
