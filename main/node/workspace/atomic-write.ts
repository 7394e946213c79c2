// Writes a file so that a crash at any moment leaves either the old or the new content: a temp file
// in the same folder, fsync, keep the previous version as <file>.bak, rename over, fsync the folder.
import { randomBytes } from 'node:crypto';
import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

export interface AtomicWriteOptions {
  /** Keep the previous content as `<file>.bak` (itself replaced atomically). */
  backup?: boolean;
  /** Permissions of a new file (an existing file keeps its own). */
  mode?: number;
  /** Called after the temp file is complete and before it replaces the file (tests simulate crashes here). */
  beforeRename?: (tempPath: string) => void | Promise<void>;
}

export function backupPath(file: string): string {
  return `${file}.bak`;
}

function tempPathFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

async function fsyncFolder(folder: string): Promise<void> {
  if (process.platform === 'win32') return;
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(folder, 'r');
    await handle.sync();
  } catch {
    // Some filesystems refuse to fsync a directory; the rename is still atomic there.
  } finally {
    await handle?.close();
  }
}

async function keepBackup(file: string): Promise<void> {
  const temp = tempPathFor(backupPath(file));
  try {
    // A hard link costs nothing and keeps the exact old bytes; copy where links are not supported.
    await fs.link(file, temp).catch(async () => {
      await fs.copyFile(file, temp);
      const handle = await fs.open(temp, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    });
    await fs.rename(temp, backupPath(file));
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
}

export async function writeFileAtomic(file: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const existing = await fs.stat(file).catch(() => undefined);
  const mode = existing ? existing.mode & 0o777 : (options.mode ?? 0o644);
  const temp = tempPathFor(file);
  const handle = await fs.open(temp, 'wx', mode);
  try {
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (options.backup && existing?.isFile()) await keepBackup(file);
    await options.beforeRename?.(temp);
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
  await fsyncFolder(path.dirname(file));
}

/**
 * The same for callers that cannot wait (the approval store, the lab's state, the secret and host-key files):
 * temp file in the same folder, fsync, rename over, fsync the folder. A new file gets `mode` (default 0600),
 * an existing one keeps its own; the folder is created (0700) when missing.
 */
export function writeFileAtomicSync(file: string, data: string | Uint8Array, options: { mode?: number } = {}): void {
  const folder = path.dirname(file);
  fsSync.mkdirSync(folder, { recursive: true, mode: 0o700 });
  const existing = fsSync.statSync(file, { throwIfNoEntry: false });
  const mode = existing ? existing.mode & 0o777 : (options.mode ?? 0o600);
  const temp = tempPathFor(file);
  try {
    const fd = fsSync.openSync(temp, 'wx', mode);
    try {
      fsSync.writeFileSync(fd, data);
      fsSync.fsyncSync(fd);
    } finally {
      fsSync.closeSync(fd);
    }
    fsSync.renameSync(temp, file);
  } catch (error) {
    fsSync.rmSync(temp, { force: true });
    throw error;
  }
  if (process.platform === 'win32') return;
  try {
    const dir = fsSync.openSync(folder, 'r');
    try {
      fsSync.fsyncSync(dir);
    } finally {
      fsSync.closeSync(dir);
    }
  } catch {
    // Some filesystems refuse to fsync a directory; the rename is still atomic there.
  }
}

/**
 * Removes temp files a crashed save left beside `file` (older than `olderThanMs`, so a save running
 * in another process right now is left alone). Best effort: returns what it removed.
 */
export async function removeStaleTemps(file: string, olderThanMs = 10 * 60_000): Promise<string[]> {
  const folder = path.dirname(file);
  const prefix = `.${path.basename(file)}.`;
  const removed: string[] = [];
  const names = await fs.readdir(folder).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const full = path.join(folder, name);
    const stat = await fs.stat(full).catch(() => undefined);
    if (!stat?.isFile() || Date.now() - stat.mtimeMs < olderThanMs) continue;
    await fs.rm(full, { force: true }).then(() => removed.push(full), () => undefined);
  }
  return removed;
}
