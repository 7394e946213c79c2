// Caps the channels open on one SSH connection below OpenSSH's MaxSessions (10) and queues the rest,
// first come first served; a queued request can be cancelled.
import { CwError } from '../../common/errors.js';

export class ChannelLimiter {
  private inUse = 0;
  private readonly waiting: { grant: () => void; fail: (error: Error) => void }[] = [];

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error('channel capacity must be a positive integer');
  }

  get active(): number {
    return this.inUse;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Resolves with a release function once a channel slot is free. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(new CwError('CANCELLED', 'Cancelled while waiting for a free SSH channel.'));
    const release = this.releaser();
    if (this.inUse < this.capacity) {
      this.inUse++;
      return Promise.resolve(release);
    }
    return new Promise((resolve, reject) => {
      const entry = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
        fail: (error: Error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      const onAbort = () => {
        const index = this.waiting.indexOf(entry);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(new CwError('CANCELLED', 'Cancelled while waiting for a free SSH channel.'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(entry);
    });
  }

  /** Fails everyone still waiting (the connection is gone). */
  failAll(error: Error): void {
    for (const entry of this.waiting.splice(0)) entry.fail(error);
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next.grant();
      else this.inUse--;
    };
  }
}
