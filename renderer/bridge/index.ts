/**
 * The renderer's only door to the host. In Electron it wraps `window.cleanplate` (the preload's
 * contextBridge API); in a browser it talks to the web host. Both are built from the same contract
 * table, so the rest of the renderer cannot tell which host it runs in.
 *
 *   await api.project.open({ path })            // throws ContractError { code, message }
 *   const off = onEvent('job.frame', (p) => …)   // off() unsubscribes
 *   <img src={mediaUrl(ref)}>
 */
import type { Bridge, BridgeCalls } from '../../common/contract/api';
import type { CallArgs, CallName, CallResult, EventName, EventPayload } from '../../common/contract/channels';
import type { MediaRef } from '../../common/contract/define';
import type { AppInfo } from '../../common/contract/types';
import { ContractError } from './contract-error';
import { createWebBridge } from './web-client';
import type { WebBridge } from './web-client';

export { ContractError } from './contract-error';

type GroupOf<K extends string> = K extends `${infer G}.${string}` ? G : never;
type MethodOf<K extends string, G extends string> = K extends `${G}.${infer M}` ? M : never;
type Call<K extends CallName> = {} extends CallArgs<K> ? (args?: CallArgs<K>) => Promise<CallResult<K>> : (args: CallArgs<K>) => Promise<CallResult<K>>;

/** `api.<group>.<call>(args)`: resolves with the result or throws ContractError. */
export type Api = {
  [G in GroupOf<CallName>]: { [M in MethodOf<CallName, G>]: `${G}.${M}` extends infer K extends CallName ? Call<K> : never };
};

declare global {
  interface Window {
    /** Set by the Electron preload; absent in a browser. */
    cleanplate?: Bridge;
  }
}

const bridge: Bridge | WebBridge = typeof window !== 'undefined' && window.cleanplate ? window.cleanplate : createWebBridge();

function unwrap(calls: BridgeCalls): Api {
  const api: Record<string, Record<string, (args?: unknown) => Promise<unknown>>> = {};
  for (const [group, methods] of Object.entries(calls as unknown as Record<string, Record<string, (a: unknown) => Promise<{ ok: boolean; value?: unknown; error?: never }>>>)) {
    api[group] = {};
    for (const [method, invoke] of Object.entries(methods)) {
      api[group][method] = async (args?: unknown) => {
        const envelope = await invoke(args ?? {});
        if (envelope.ok) return envelope.value;
        throw new ContractError(envelope.error ?? { code: 'internal', message: 'The host gave no answer; please retry.' });
      };
    }
  }
  return api as unknown as Api;
}

export const api: Api = unwrap(bridge.calls);

export function onEvent<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): () => void {
  return bridge.on(name, listener);
}

/** URL of a cache file: cleanplate-media://cache/<ref> in Electron, /media/<ref> in the web host. */
export function mediaUrl(ref: MediaRef): string {
  return bridge.mediaUrl(ref);
}

/** A local path for a file dropped on the window: its own path in Electron, an uploaded copy in the web host. */
export async function resolveDroppedFile(file: File): Promise<string> {
  if ('upload' in bridge) return bridge.upload(file);
  const path = bridge.pathForFile?.(file);
  if (!path) throw new ContractError({ code: 'bad-input', message: `${file.name} is not a file on this computer; drop a file from a folder instead.` });
  return path;
}

let info: Promise<AppInfo> | null = null;

/** What this host can do (cached). `nativeDialogs` false: ask for paths in the page instead of api.dialog.*. */
export function hostInfo(): Promise<AppInfo> {
  info ??= api.app.info().catch((err) => {
    info = null;
    throw err;
  });
  return info;
}
