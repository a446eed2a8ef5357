/**
 * Errors that reach a person. `message` is one line that names the problem and what to do about it;
 * `code` lets callers branch without parsing text. Anything that is not a UserError is a bug and is
 * reported as `internal` with a generic line (details go to the log, never to the user).
 */
export type ErrorCode =
  | 'invalid-args' // a caller broke the contract (schema validation failed)
  | 'bad-input' // a file or value the user gave us cannot be used
  | 'not-found'
  | 'unsupported' // this host or platform cannot do it
  | 'cancelled'
  | 'busy'
  | 'io' // the disk refused (permissions, disk full)
  | 'engine' // an engine failed while running
  | 'internal';

export interface ErrorInfo {
  code: ErrorCode;
  message: string;
}

export class UserError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'UserError';
    this.code = code;
  }
}

export function isUserError(err: unknown): err is UserError {
  return err instanceof UserError || (typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'UserError');
}

/** Turns anything thrown into the shape that crosses process boundaries. */
export function toErrorInfo(err: unknown): ErrorInfo {
  if (isUserError(err)) return { code: err.code, message: err.message };
  return { code: 'internal', message: 'Something went wrong inside Cleanplate; the log has the details. Please retry, and report it if it happens again.' };
}
