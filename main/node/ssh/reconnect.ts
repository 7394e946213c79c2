// The reconnect policy: which failures are worth another try (unreachable, timed out) and which
// are not (authentication, host keys, cancel), and the backoff between tries, as a small state machine.
import { CwError, type ErrorCode } from '../../common/errors.js';

export interface ReconnectPolicy {
  /** Total tries including the first. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const defaultReconnectPolicy: ReconnectPolicy = { attempts: 4, baseDelayMs: 500, maxDelayMs: 8_000 };

const RETRYABLE: ErrorCode[] = ['UNREACHABLE', 'TIMEOUT'];

export function isRetryable(error: unknown): boolean {
  return error instanceof CwError && RETRYABLE.includes(error.code);
}

/** Delay before try number `attempt + 1` (attempt counts from 1): doubling, capped, with ±20 % jitter. */
export function backoffDelay(attempt: number, policy: ReconnectPolicy, random = Math.random): number {
  const plain = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(plain * (0.8 + 0.4 * random()));
}

export type ReconnectEvent =
  | { state: 'connecting'; attempt: number }
  | { state: 'connected'; attempt: number }
  | { state: 'retrying'; attempt: number; retryInMs: number; error: CwError }
  | { state: 'failed'; attempt: number; error: CwError };

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new CwError('CANCELLED', 'Cancelled while waiting to reconnect.'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CwError('CANCELLED', 'Cancelled while waiting to reconnect.'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** connecting → connected, or connecting → retrying → connecting … → failed. Never retries a non-retryable error. */
export async function connectWithRetry<T>(
  attemptOnce: (attempt: number) => Promise<T>,
  policy: ReconnectPolicy,
  onEvent: (event: ReconnectEvent) => void,
  signal?: AbortSignal,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    onEvent({ state: 'connecting', attempt });
    try {
      const value = await attemptOnce(attempt);
      onEvent({ state: 'connected', attempt });
      return value;
    } catch (raw) {
      const error = raw instanceof CwError ? raw : new CwError('INTERNAL', (raw as Error).message ?? String(raw));
      if (!isRetryable(error) || attempt >= policy.attempts || signal?.aborted) {
        onEvent({ state: 'failed', attempt, error });
        throw error;
      }
      const retryInMs = backoffDelay(attempt, policy);
      onEvent({ state: 'retrying', attempt, retryInMs, error });
      await sleep(retryInMs, signal);
    }
  }
}
