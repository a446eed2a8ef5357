/**
 * The bridge when the renderer runs in a browser against the web host: contract calls and events
 * over one WebSocket (`/ws`), cache files over `/media/<ref>`, dropped files uploaded to `/upload`.
 * Each carries the host's per-run secret, which the page got in its address (`?token=`; kept for
 * the tab in sessionStorage and taken out of the address bar).
 * Calls made while the socket is (re)connecting wait in a queue; calls in flight when it drops fail
 * with a clear line rather than being replayed, since some (job.start) must not run twice.
 */
import { buildBridgeCalls, encodeMediaRef } from '../../common/contract/api';
import type { Bridge } from '../../common/contract/api';
import type { CallName, EventName } from '../../common/contract/channels';
import type { Envelope } from '../../common/contract/define';
import type { ErrorInfo } from '../../common/errors';
import { ContractError } from './contract-error';

type Pending = { resolve: (e: Envelope<unknown>) => void; text: string };

const lostConnection: ErrorInfo = { code: 'io', message: 'The connection to the Cleanplate host was lost; check that it is still running, then retry.' };
const noToken: ErrorInfo = { code: 'unsupported', message: 'This page was opened without the host’s access token; open the address the Cleanplate host printed (it ends in ?token=…).' };

export interface WebBridge extends Bridge {
  upload(file: File): Promise<string>;
}

const TOKEN_KEY = 'cleanplate.token';

/** The host's secret from the page address, else from an earlier load of this tab. */
export function pageToken(): string {
  if (typeof window === 'undefined') return '';
  const fromUrl = new URLSearchParams(window.location.search).get('token');
  if (fromUrl) {
    try {
      window.sessionStorage.setItem(TOKEN_KEY, fromUrl);
      const clean = new URL(window.location.href);
      clean.searchParams.delete('token');
      window.history.replaceState(window.history.state, '', clean.pathname + clean.search + clean.hash);
    } catch {
      /* storage refused: the address keeps the token */
    }
    return fromUrl;
  }
  try {
    return window.sessionStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

export function createWebBridge(location: { host: string; protocol: string } = window.location, token: string = pageToken()): WebBridge {
  const query = `token=${encodeURIComponent(token)}`;
  const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws?${query}`;
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const inFlight = new Map<number, Pending>();
  const queue: Pending[] = [];
  let socket: WebSocket | null = null;
  let nextId = 1;
  let retryMs = 250;

  const flush = () => {
    while (socket?.readyState === WebSocket.OPEN && queue.length) socket.send(queue.shift()!.text);
  };

  const connect = () => {
    if (!token) return; // the host would refuse it: every call answers why instead
    const ws = new WebSocket(wsUrl);
    socket = ws;
    ws.onopen = () => {
      retryMs = 250;
      flush();
    };
    ws.onmessage = (msg) => {
      let data: { id?: number; envelope?: Envelope<unknown>; event?: string; payload?: unknown };
      try {
        data = JSON.parse(String(msg.data));
      } catch {
        return;
      }
      if (data.event) {
        for (const l of listeners.get(data.event) ?? []) l(data.payload);
      } else if (typeof data.id === 'number' && data.envelope) {
        const p = inFlight.get(data.id);
        inFlight.delete(data.id);
        p?.resolve(data.envelope);
      }
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      for (const [id, p] of inFlight) {
        // Queued ones never reached the host and are sent after reconnecting; sent ones may have run.
        if (!queue.includes(p)) {
          inFlight.delete(id);
          p.resolve({ ok: false, error: lostConnection });
        }
      }
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 4000);
    };
  };
  connect();

  const transport = (channel: CallName, args: unknown) =>
    new Promise<Envelope<unknown>>((resolve) => {
      if (!token) return resolve({ ok: false, error: noToken });
      const id = nextId++;
      const pending: Pending = { resolve, text: JSON.stringify({ id, channel, args }) };
      inFlight.set(id, pending);
      if (socket?.readyState === WebSocket.OPEN) socket.send(pending.text);
      else queue.push(pending);
    });

  return {
    calls: buildBridgeCalls(transport),
    on(name: EventName, listener: (payload: never) => void) {
      const set = listeners.get(name) ?? new Set();
      listeners.set(name, set);
      const l = listener as (payload: unknown) => void;
      set.add(l);
      return () => set.delete(l);
    },
    mediaUrl: (ref: string) => `/media/${encodeMediaRef(ref)}?${query}`,
    async upload(file: File): Promise<string> {
      let res: Response;
      try {
        res = await fetch('/upload', {
          method: 'POST',
          headers: { 'Content-Type': 'application/octet-stream', 'X-Cleanplate-Upload': '1', 'X-Cleanplate-File-Name': encodeURIComponent(file.name), 'X-Cleanplate-Token': token },
          body: file,
        });
      } catch {
        throw new ContractError(lostConnection);
      }
      const body = (await res.json().catch(() => null)) as { path?: string; error?: ErrorInfo } | null;
      if (res.ok && body?.path) return body.path;
      throw new ContractError(body?.error ?? { code: 'internal', message: `The upload of ${file.name} failed (HTTP ${res.status}); please retry.` });
    },
  };
}
