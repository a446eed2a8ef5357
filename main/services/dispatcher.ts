/**
 * The one place a call crosses from an untrusted caller into the services. Both hosts (ipcMain in
 * Electron, the WebSocket in the web host) hand every request to `dispatch`, which validates the
 * arguments with the channel's schema before any handler runs and always answers with an Envelope:
 * a handler's UserError keeps its code and line, anything else becomes `internal` (details logged).
 */
import type { z } from 'zod';
import { calls } from '../../common/contract/channels';
import type { CallName, CallResult, ParsedArgs } from '../../common/contract/channels';
import type { Envelope } from '../../common/contract/define';
import { isUserError, toErrorInfo } from '../../common/errors';
import type { Log } from './log';

export type Handler<K extends CallName> = (args: ParsedArgs<K>) => Promise<CallResult<K>> | CallResult<K>;
export type Handlers = { [K in CallName]: Handler<K> };
export type Dispatch = (channel: string, args: unknown) => Promise<Envelope<unknown>>;

function isCallName(name: string): name is CallName {
  return Object.prototype.hasOwnProperty.call(calls, name);
}

/** One line a developer can act on: "path: Too small: expected string to have >=1 characters; …". */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

export function createDispatcher(handlers: Handlers, log: Log): Dispatch {
  return async (channel, args) => {
    if (!isCallName(channel)) return { ok: false, error: { code: 'invalid-args', message: `Unknown channel "${String(channel).slice(0, 80)}".` } };
    const parsed = calls[channel].args.safeParse(args);
    if (!parsed.success) {
      return { ok: false, error: { code: 'invalid-args', message: `Invalid arguments for ${channel}: ${describeIssues(parsed.error)}` } };
    }
    try {
      const handler = handlers[channel] as (a: unknown) => Promise<unknown> | unknown;
      return { ok: true, value: await handler(parsed.data) };
    } catch (err) {
      if (!isUserError(err)) log.error(`${channel} failed`, err);
      return { ok: false, error: toErrorInfo(err) };
    }
  };
}
