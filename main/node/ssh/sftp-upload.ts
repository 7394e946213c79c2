// Atomic config-file upload over SFTP: write a temp file beside the target, fsync, check its
// sha256 on the remote host, then rename over the target (posix-rename). The target is either
// the old file or the complete new one, never half-written.
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path/posix';
import type { SFTPWrapper, Stats } from 'ssh2';
import { CwError } from '../../common/errors.js';
import type { SshConnection } from './connection.js';
import type { SshEngine } from './engine.js';
import { shellCommand } from './shell-quote.js';
import { hopName, type SshTarget } from './types.js';

export interface UploadOptions {
  /** File mode for a new file; an existing file keeps its mode and owner. Default 0644. */
  mode?: number;
  signal?: AbortSignal;
  chunkBytes?: number;
  onProgress?: (writtenBytes: number, totalBytes: number) => void;
}

export interface UploadResult {
  remotePath: string;
  bytes: number;
  sha256: string;
  durationMs: number;
}

function call<T>(fn: (cb: (error: Error | null | undefined, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((error, value) => (error ? reject(error) : resolve(value))));
}

/** Runs `use` on an SFTP session; every SFTP call fails fast if the session or the connection ends (ssh2 would leave it pending). */
async function withSftp<T>(connection: SshConnection, signal: AbortSignal | undefined, use: (sftp: SFTPWrapper, io: <R>(fn: (cb: (error: Error | null | undefined, value: R) => void) => void) => Promise<R>) => Promise<T>): Promise<T> {
  const release = await connection.limiter.acquire(signal);
  try {
    const sftp = await call<SFTPWrapper>((cb) => connection.client.sftp((error, value) => cb(error, value)));
    let lostError: Error | null = null;
    const lostListeners = new Set<(error: Error) => void>();
    const lose = (error: Error) => {
      lostError ??= error;
      for (const listener of lostListeners) listener(lostError);
    };
    sftp.on('close', () => lose(connection.closeError ?? new CwError('UNREACHABLE', `The SFTP session to ${hopName(connection.hop)} ended unexpectedly.`)));
    connection.onClose((error) => lose(error ?? new CwError('UNREACHABLE', `The connection to ${hopName(connection.hop)} was lost.`)));
    const io = <R>(fn: (cb: (error: Error | null | undefined, value: R) => void) => void): Promise<R> =>
      new Promise<R>((resolve, reject) => {
        if (lostError) return reject(lostError);
        lostListeners.add(reject);
        fn((error, value) => {
          lostListeners.delete(reject);
          if (error) reject(error);
          else resolve(value);
        });
      });
    try {
      return await use(sftp, io);
    } finally {
      lostListeners.clear();
      sftp.end();
    }
  } finally {
    release();
  }
}

export function tempPathFor(remotePath: string): string {
  return path.join(path.dirname(remotePath), `.${path.basename(remotePath)}.cw-upload-${randomBytes(6).toString('hex')}`);
}

export async function uploadAtomically(engine: SshEngine, target: SshTarget, remotePath: string, content: Uint8Array, options: UploadOptions = {}): Promise<UploadResult> {
  if (!path.isAbsolute(remotePath)) throw new CwError('INVALID_INPUT', `The remote path "${remotePath}" must be absolute.`);
  const where = hopName(target.destination);
  const started = performance.now();
  const data = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  const sha256 = createHash('sha256').update(data).digest('hex');
  const temp = tempPathFor(remotePath);
  const chunk = options.chunkBytes ?? 256 * 1024;
  const signal = options.signal;
  const checkCancelled = () => {
    if (signal?.aborted) throw new CwError('CANCELLED', `The upload of ${remotePath} to ${where} was cancelled; the old file is unchanged.`);
  };
  const connection = await engine.connect(target, signal);
  let tempWritten = false;

  try {
    await withSftp(connection, signal, async (sftp, io) => {
      const existing = await io<Stats>((cb) => sftp.stat(remotePath, cb)).catch((error: unknown) => {
        if (error instanceof CwError) throw error;
        return null;
      });
      const mode = existing ? existing.mode & 0o7777 : (options.mode ?? 0o644);
      const handle = await io<Buffer>((cb) => sftp.open(temp, 'wx', { mode }, cb));
      tempWritten = true;
      try {
        for (let offset = 0; offset < data.byteLength; offset += chunk) {
          checkCancelled();
          const length = Math.min(chunk, data.byteLength - offset);
          await io<void>((cb) => sftp.write(handle, data, offset, length, offset, (error) => cb(error, undefined)));
          options.onProgress?.(offset + length, data.byteLength);
        }
        checkCancelled();
        if (existing) await io<void>((cb) => sftp.fchown(handle, existing.uid, existing.gid, (error) => cb(error, undefined))).catch(() => {});
        await io<void>((cb) => sftp.fchmod(handle, mode, (error) => cb(error, undefined)));
        await io<unknown>((cb) => sftp.ext_openssh_fsync(handle, (error, info) => cb(error, info))).catch(() => {});
      } finally {
        await io<void>((cb) => sftp.close(handle, (error) => cb(error, undefined))).catch(() => {});
      }
    });

    checkCancelled();
    const check = await engine.run(target, shellCommand('sha256sum', '--', temp), { timeoutMs: 60_000, ...(signal ? { signal } : {}) });
    const remoteSum = check.stdout.split(/\s+/)[0] ?? '';
    if (check.exitCode !== 0 || remoteSum !== sha256) {
      throw new CwError(
        'REMOTE_FAILED',
        check.exitCode !== 0
          ? `Could not verify the upload of ${remotePath} on ${where} (sha256sum: ${check.stderr.trim() || `exit ${check.exitCode}`}); the old file is unchanged.`
          : `The uploaded copy of ${remotePath} on ${where} does not match what was sent (sha256 ${remoteSum} ≠ ${sha256}); the old file is unchanged. Check the disk on that host.`,
        { host: target.destination.host, remotePath, expected: sha256, actual: remoteSum },
      );
    }
    checkCancelled();
    await withSftp(connection, signal, (sftp, io) => io<void>((cb) => sftp.ext_openssh_rename(temp, remotePath, (error) => cb(error, undefined))));
    tempWritten = false;
    return { remotePath, bytes: data.byteLength, sha256, durationMs: performance.now() - started };
  } catch (error) {
    if (tempWritten && connection.alive) {
      await engine.run(target, shellCommand('rm', '-f', '--', temp), { timeoutMs: 15_000 }).catch(() => {});
    }
    if (error instanceof CwError) throw error;
    throw new CwError('REMOTE_FAILED', `Uploading ${remotePath} to ${where} failed: ${(error as Error).message}. The old file is unchanged.`, { host: target.destination.host, remotePath });
  }
}
