import type { ErrorCode, ErrorInfo } from '../../common/errors';

/** A failed contract call. `message` is the one line to show a person; `code` is for branching. */
export class ContractError extends Error {
  readonly code: ErrorCode;
  constructor(info: ErrorInfo) {
    super(info.message);
    this.name = 'ContractError';
    this.code = info.code;
  }
}
