/**
 * Where the app keeps its files. Electron passes `app.getPath('userData')`; the web host takes
 * CLEANPLATE_USER_DATA or the same folder Electron would use, so both hosts share recent projects.
 */
import os from 'node:os';
import path from 'node:path';

export interface UserDataPaths {
  root: string;
  /** Everything the media protocol may serve: frames, thumbnails, job previews, imported masks. */
  cache: string;
  autosave: string;
  /** Files dropped onto the web host's page (uploads). */
  imports: string;
  logs: string;
  recent: string;
  /** The user's preferences (settings.ts). */
  settings: string;
  sessionLock: string;
}

export function userDataPaths(root: string): UserDataPaths {
  const abs = path.resolve(root);
  return {
    root: abs,
    cache: path.join(abs, 'cache'),
    autosave: path.join(abs, 'autosave'),
    imports: path.join(abs, 'imports'),
    logs: path.join(abs, 'logs'),
    recent: path.join(abs, 'recent.json'),
    settings: path.join(abs, 'settings.json'),
    sessionLock: path.join(abs, 'session.lock'),
  };
}

/** Electron's default userData folder for an app named Cleanplate, per platform. */
export function defaultUserDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const home = os.homedir();
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Cleanplate');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Cleanplate');
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'Cleanplate');
}
