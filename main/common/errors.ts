// Error codes the UI can act on, and the structured error that crosses every transport. No zod here:
// every command of the CLI loads this module, `--version` included (the schema lives in wire.ts).

export const errorCodes = [
  'INVALID_INPUT',
  'INVALID_OUTPUT',
  'NOT_FOUND',
  'UNKNOWN_METHOD',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'HOST_KEY_UNKNOWN',
  'HOST_KEY_CHANGED',
  'AUTH_FAILED',
  /** The passphrase-sealed secret store is locked: unlock it (the app's dialog, a terminal prompt, or the variable) and try again. */
  'SECRETS_LOCKED',
  'UNREACHABLE',
  'TIMEOUT',
  'CANCELLED',
  'REMOTE_FAILED',
  'CONFLICT',
  'UNSUPPORTED',
  'MISSING_DEPENDENCY',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export interface ErrorPayload {
  code: ErrorCode;
  message: string;
  detail?: unknown;
}

/** An error that knows its code; services throw it, transports carry its payload. */
export class CwError extends Error {
  readonly code: ErrorCode;
  readonly detail: unknown;

  constructor(code: ErrorCode, message: string, detail?: unknown) {
    super(message);
    this.name = 'CwError';
    this.code = code;
    this.detail = detail;
  }

  toPayload(): ErrorPayload {
    return this.detail === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, detail: this.detail };
  }

  static fromPayload(payload: ErrorPayload): CwError {
    return new CwError(payload.code, payload.message, payload.detail);
  }
}

export function isCwError(value: unknown): value is CwError {
  return value instanceof CwError;
}
