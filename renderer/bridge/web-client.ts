/**
 * The bridge when the renderer runs in a browser against the web host: contract calls and events
 * over one WebSocket (`/ws`), cache files over `/media/<ref>`, dropped files uploaded to `/upload`.
 * Each carries the host's per-run secret, which the page got in its address (`?token=`; kept for
 * the tab in sessionStorage and taken out of the address bar).
 *
 * The connection is watched: a closed socket is noticed at once, and a host that stops answering
 * (hung, or its machine asleep) within SILENCE_MS, because a heartbeat (`app.info`) goes out every
 * HEARTBEAT_MS and anything heard counts as an answer. The state is `online` or `offline`; the bridge
 * reconnects by itself. Calls made while offline wait in a queue and go out once reconnected. Calls
 * in flight when the connection drops are sent again only where that is harmless (REPLAYABLE: reads,
 * and saves of the same document to the same file); the others fail with a clear line, since some
 * (job.start) must not run twice.
 */
import { buildBridgeCalls, encodeMediaRef } from '../../common/contract/api';
import type { Bridge } from '../../common/contract/api';
import type { CallName, EventName } from '../../common/contract/channels';
import type { Envelope } from '../../common/contract/define';
import type { ErrorInfo } from '../../common/errors';
import { ContractError } from './contract-error';

export type ConnectionState = 'connecting' | 'online' | 'offline';

/** A heartbeat goes out this often while the socket is open. */
export const HEARTBEAT_MS = 400;
/** Silence longer than this means the host is gone: noticed at most SILENCE_MS + HEARTBEAT_MS after it went quiet (under 2 s). */
export const SILENCE_MS = 1200;
/** A connection attempt that has not opened by then is dropped and tried again. */
const CONNECT_TIMEOUT_MS = 3000;
const MAX_RETRY_MS = 2000;

const REPLAYABLE = new Set<CallName>(['app.info', 'app.initialState', 'project.recent', 'project.save', 'project.autosave', 'models.status', 'task.list', 'media.probe', 'media.frame', 'media.thumbnails']);

type Pending = { resolve: (e: Envelope<unknown>) => void; text: string; channel: CallName };

const lostConnection: ErrorInfo = { code: 'io', message: 'The connection to the Cleanplate host was lost; check that it is still running, then retry.' };
const noToken: ErrorInfo = { code: 'unsupported', message: 'This page was opened without the host’s access token; open the address the Cleanplate host printed (it ends in ?token=…).' };

export interface WebBridge extends Bridge {
  upload(file: File): Promise<string>;
  connection: { state(): ConnectionState; subscribe(listener: (state: ConnectionState) => void): () => void };
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
  const stateListeners = new Set<(state: ConnectionState) => void>();
  const inFlight = new Map<number, Pending>();
  const queue: Pending[] = [];
  let socket: WebSocket | null = null;
  let state: ConnectionState = 'connecting';
  let nextId = 1;
  let heartbeats = 0;
  let retryMs = 250;
  let lastHeard = 0;
  let connectTimer = 0;

  const setState = (next: ConnectionState) => {
    if (next === state) return;
    state = next;
    for (const l of stateListeners) l(next);
  };

  const flush = () => {
    while (socket?.readyState === WebSocket.OPEN && queue.length) socket.send(queue.shift()!.text);
  };

  /** The socket is gone (closed, or silent too long): replay what may be replayed, fail the rest, reconnect. */
  const lost = (ws: WebSocket) => {
    if (socket !== ws) return;
    socket = null;
    clearTimeout(connectTimer);
    setState('offline');
    for (const [id, p] of inFlight) {
      if (queue.includes(p)) continue; // never sent: goes out after reconnecting
      if (REPLAYABLE.has(p.channel)) queue.push(p);
      else {
        inFlight.delete(id);
        p.resolve({ ok: false, error: lostConnection });
      }
    }
    try {
      ws.close();
    } catch {
      /* already closing */
    }
    setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
  };

  const connect = () => {
    if (!token) return; // the host would refuse it: every call answers why instead
    const ws = new WebSocket(wsUrl);
    socket = ws;
    connectTimer = setTimeout(() => ws.readyState === WebSocket.CONNECTING && lost(ws), CONNECT_TIMEOUT_MS) as unknown as number;
    ws.onopen = () => {
      clearTimeout(connectTimer);
      retryMs = 250;
      lastHeard = performance.now();
      setState('online');
      flush();
    };
    ws.onmessage = (msg) => {
      lastHeard = performance.now();
      let data: { id?: number | string; envelope?: Envelope<unknown>; event?: string; payload?: unknown };
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
    ws.onclose = () => lost(ws);
  };
  connect();

  let lastTick = performance.now();
  setInterval(() => {
    const now = performance.now();
    // A tick that comes late means this page was busy: answers may be waiting unread, so no verdict now.
    const late = now - lastTick > 2 * HEARTBEAT_MS;
    lastTick = now;
    const ws = socket;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    if (late) lastHeard = Math.max(lastHeard, now - HEARTBEAT_MS);
    else if (now - lastHeard > SILENCE_MS) return lost(ws);
    ws.send(JSON.stringify({ id: `heartbeat-${++heartbeats}`, channel: 'app.info', args: {} }));
  }, HEARTBEAT_MS);

  const transport = (channel: CallName, args: unknown) =>
    new Promise<Envelope<unknown>>((resolve) => {
      if (!token) return resolve({ ok: false, error: noToken });
      const id = nextId++;
      const pending: Pending = { resolve, text: JSON.stringify({ id, channel, args }), channel };
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
    connection: {
      state: () => state,
      subscribe(listener) {
        stateListeners.add(listener);
        return () => stateListeners.delete(listener);
      },
    },
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
