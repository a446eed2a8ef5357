/**
 * The contract over Electron IPC: one `ipcMain.handle` per contract call, each checking that the
 * sender is the app's own page in the main window's top frame before the shared dispatcher
 * validates the arguments. Events go to that window on the one event channel.
 */
import { ipcMain } from 'electron';
import type { BrowserWindow, WebFrameMain } from 'electron';
import { EVENT_CHANNEL } from '../../common/contract/api';
import { callNames } from '../../common/contract/channels';
import type { Envelope } from '../../common/contract/define';
import type { Emit } from '../services/context';
import type { Dispatch } from '../services/dispatcher';
import type { Log } from '../services/log';
import { isAppPageUrl } from './schemes';

export function bindContract(dispatch: Dispatch, window: () => BrowserWindow | null, log: Log): void {
  const trusted = (frame: WebFrameMain | null): boolean => {
    const win = window();
    return !!frame && !!win && !win.isDestroyed() && frame === win.webContents.mainFrame && isAppPageUrl(frame.url);
  };
  for (const channel of callNames) {
    ipcMain.handle(channel, async (event, args): Promise<Envelope<unknown>> => {
      if (!trusted(event.senderFrame)) {
        log.warn(`refused ${channel} from ${event.senderFrame?.url ?? 'a destroyed frame'}`);
        return { ok: false, error: { code: 'invalid-args', message: 'This page may not call Cleanplate.' } };
      }
      return dispatch(channel, args);
    });
  }
}

export function eventSender(window: () => BrowserWindow | null): Emit {
  return (event, payload) => {
    const win = window();
    if (win && !win.isDestroyed()) win.webContents.send(EVENT_CHANNEL, { event, payload });
  };
}
