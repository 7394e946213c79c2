// A machine-wide lock around `lab up`, so that two labs starting at once never pick the same address slot.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { CwError } from '../../common/errors.js';
import { isRunning, sleep } from './system.js';

export const labLockPath = '/run/clusterwright-lab.lock';

/** Runs fn while holding the lock; a lock left by a process that is gone is taken over. */
export async function withLabLock<T>(fn: () => Promise<T>, options: { path?: string; timeoutMs?: number } = {}): Promise<T> {
  const file = options.path ?? labLockPath;
  const timeoutMs = options.timeoutMs ?? 120_000;
  const token = `${process.pid} ${randomBytes(8).toString('hex')}`;
  const deadline = Date.now() + timeoutMs;
  let holder = '';
  for (;;) {
    try {
      fs.writeFileSync(file, token, { flag: 'wx', mode: 0o600 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    try {
      holder = fs.readFileSync(file, 'utf8');
    } catch {
      continue; // released between our attempt and the read
    }
    const pid = Number(holder.split(' ')[0]);
    if (!pid || !isRunning(pid)) {
      // Its owner died while starting a lab: take the lock over (rename is atomic, so only one process wins).
      const stale = `${file}.stale.${process.pid}`;
      try {
        fs.renameSync(file, stale);
        if (fs.readFileSync(stale, 'utf8') !== holder) fs.renameSync(stale, file); // someone else's fresh lock: put it back
        else fs.rmSync(stale, { force: true });
      } catch {
        /* another process took it over first */
      }
      continue;
    }
    if (Date.now() >= deadline) {
      throw new CwError('TIMEOUT', `Another lab is being started (process ${pid} holds ${file}) and did not finish within ${timeoutMs / 1000} s. Wait for it, or remove ${file} if that process is stuck.`);
    }
    await sleep(100);
  }
  try {
    return await fn();
  } finally {
    try {
      if (fs.readFileSync(file, 'utf8') === token) fs.rmSync(file, { force: true });
    } catch {
      /* already gone */
    }
  }
}
