import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { STOCK_RENAMES, defaultCacheDir, patchedStockFiles, simulatorSourceDir } from './build.js';

function fakeSource(edit: (file: string, text: string) => string = (_f, t) => t): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-govmomi-'));
  for (const r of STOCK_RENAMES) {
    const file = path.join(dir, r.file);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : 'package simulator\n';
    fs.writeFileSync(file, edit(r.file, `${text}${r.from}) {}\n`));
  }
  return dir;
}

describe('building the vCenter simulator', () => {
  it('renames each stock method the extension replaces, exactly once', () => {
    const dir = fakeSource();
    const patched = patchedStockFiles(dir);
    for (const r of STOCK_RENAMES) {
      expect(patched[r.file]).toContain(r.to);
      expect(patched[r.file]).not.toContain(r.from);
    }
    fs.rmSync(dir, { recursive: true });
  });

  it('refuses a govmomi source that no longer has a method it replaces', () => {
    const dir = fakeSource((file, text) => (file.endsWith('folder.go') ? text.replace('AddStandaloneHostTask', 'AddStandaloneHostTaskRenamed') : text));
    expect(() => patchedStockFiles(dir)).toThrow(/does not have "func \(f \*Folder\) AddStandaloneHostTask\(" exactly once in simulator\/folder\.go \(found 0\)/);
    fs.rmSync(dir, { recursive: true });
  });

  it('finds its Go sources and caches under the user cache folder', () => {
    const dir = simulatorSourceDir();
    expect(fs.existsSync(path.join(dir, 'launcher', 'main.go'))).toBe(true);
    expect(fs.readdirSync(path.join(dir, 'extension')).filter((f) => f.endsWith('.go')).length).toBeGreaterThanOrEqual(2);
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/tmp/xdg' })).toBe('/tmp/xdg/clusterwright/vcsim');
    expect(defaultCacheDir({})).toBe(path.join(os.homedir(), '.cache', 'clusterwright', 'vcsim'));
  });
});
