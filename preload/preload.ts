/**
 * The only door between the sandboxed renderer and the main process: exposes exactly the `Bridge`
 * shape of common/contract/api.ts as `window.cleanplate`. Every call is one `ipcRenderer.invoke`
 * on a channel named in the contract table; events are delivered only for contract event names,
 * to wrapped listeners that never see the IPC event object. Nothing else is exposed.
 * Bundled to one CommonJS file (a sandboxed preload cannot require siblings).
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { EVENT_CHANNEL, MEDIA_SCHEME, buildBridgeCalls, encodeMediaRef, isEventName } from '../common/contract/api';
import type { Bridge } from '../common/contract/api';
import type { Envelope } from '../common/contract/define';

const listeners = new Map<string, Set<(payload: unknown) => void>>();

ipcRenderer.on(EVENT_CHANNEL, (_event, message: { event?: unknown; payload?: unknown }) => {
  if (typeof message?.event !== 'string' || !isEventName(message.event)) return;
  for (const listener of listeners.get(message.event) ?? []) listener(message.payload);
});

const bridge: Bridge = {
  calls: buildBridgeCalls((channel, args) => ipcRenderer.invoke(channel, args) as Promise<Envelope<unknown>>),
  on(name, listener) {
    if (typeof name !== 'string' || !isEventName(name)) throw new Error(`Unknown event "${String(name)}"`);
    const set = listeners.get(name) ?? new Set();
    listeners.set(name, set);
    const wrapped = (payload: unknown) => (listener as (p: unknown) => void)(payload);
    set.add(wrapped);
    return () => {
      set.delete(wrapped);
    };
  },
  mediaUrl: (ref) => `${MEDIA_SCHEME}://cache/${encodeMediaRef(String(ref))}`,
  pathForFile: (file) => webUtils.getPathForFile(file as File),
};

contextBridge.exposeInMainWorld('cleanplate', bridge);
