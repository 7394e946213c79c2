// Atomic saves: a crash between writing and renaming (simulated, and a real process killed there)
// leaves the previous file intact; a successful save keeps the previous version as .bak.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { backupPath, removeStaleTemps, writeFileAtomic, writeFileAtomicSync } from './atomic-write.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-atomic-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const leftovers = (dir: string) => fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'));

describe('writeFileAtomic', () => {
  it('replaces the content and keeps the previous version as .bak', async () => {
    const file = path.join(tmp, 'a.yaml');
    fs.writeFileSync(file, 'old\n');
    await writeFileAtomic(file, 'new\n', { backup: true });
    expect(fs.readFileSync(file, 'utf8')).toBe('new\n');
    expect(fs.readFileSync(backupPath(file), 'utf8')).toBe('old\n');
    await writeFileAtomic(file, 'newer\n', { backup: true });
    expect(fs.readFileSync(backupPath(file), 'utf8')).toBe('new\n');
    expect(leftovers(tmp)).toEqual([]);
  });

  it('leaves the previous file intact and no temp file when the save fails before the rename', async () => {
    const file = path.join(tmp, 'b.yaml');
    fs.writeFileSync(file, 'precious\n');
    await expect(
      writeFileAtomic(file, 'half-written', {
        backup: true,
        beforeRename: () => {
          throw new Error('disk vanished');
        },
      }),
    ).rejects.toThrow('disk vanished');
    expect(fs.readFileSync(file, 'utf8')).toBe('precious\n');
    expect(leftovers(tmp)).toEqual([]);
  });

  it('keeps the file mode of an existing file', async () => {
    const file = path.join(tmp, 'c.yaml');
    fs.writeFileSync(file, 'x', { mode: 0o640 });
    fs.chmodSync(file, 0o640);
    await writeFileAtomic(file, 'y');
    expect(fs.statSync(file).mode & 0o777).toBe(0o640);
  });

  it('survives a process killed between writing the temp file and renaming it', async () => {
    const file = path.join(tmp, 'd.yaml');
    fs.writeFileSync(file, 'before the crash\n');
    const script = path.join(tmp, 'crash.mjs');
    await build({
      stdin: {
        contents: `import { writeFileAtomic } from ${JSON.stringify(path.resolve(__dirname, 'atomic-write.ts'))};
await writeFileAtomic(process.argv[2], 'after the crash\\n'.repeat(10000), { backup: true, beforeRename: () => process.kill(process.pid, 'SIGKILL') });`,
        resolveDir: __dirname,
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: script,
      logLevel: 'silent',
    });
    const child = spawnSync(process.execPath, [script, file], { encoding: 'utf8' });
    expect(child.signal).toBe('SIGKILL');
    expect(fs.readFileSync(file, 'utf8')).toBe('before the crash\n');
    expect(fs.readFileSync(backupPath(file), 'utf8')).toBe('before the crash\n');
    // The orphaned temp file never replaced the workspace; opening it later clears it away.
    expect(leftovers(tmp).length).toBe(1);
    expect(await removeStaleTemps(file, 60_000)).toEqual([]);
    expect(await removeStaleTemps(file, 0)).toHaveLength(1);
    expect(leftovers(tmp)).toEqual([]);
  });
});

describe('writeFileAtomicSync', () => {
  it('creates the folder and a 0600 file, keeps an existing mode, and leaves no temp file', () => {
    const file = path.join(tmp, 'sync', 'nested', 'state.json');
    writeFileAtomicSync(file, '{"a":1}\n');
    expect(fs.readFileSync(file, 'utf8')).toBe('{"a":1}\n');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    fs.chmodSync(file, 0o640);
    writeFileAtomicSync(file, '{"a":2}\n', { mode: 0o600 });
    expect(fs.readFileSync(file, 'utf8')).toBe('{"a":2}\n');
    expect(fs.statSync(file).mode & 0o777).toBe(0o640);
    expect(leftovers(path.dirname(file))).toEqual([]);
  });

  it('leaves the previous file and no temp file when the rename fails', () => {
    const folder = path.join(tmp, 'sync-fail');
    fs.mkdirSync(folder);
    const target = path.join(folder, 'is-a-folder');
    fs.mkdirSync(path.join(target, 'child'), { recursive: true });
    expect(() => writeFileAtomicSync(target, 'x')).toThrow();
    expect(fs.statSync(path.join(target, 'child')).isDirectory()).toBe(true);
    expect(leftovers(folder)).toEqual([]);
  });
});
