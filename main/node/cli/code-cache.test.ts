// The CLI's code cache: a command's bundle runs with V8's compiled code from the last run when that code was made
// from these exact bytes and sits where only this user can write; anything else is compiled from source and the
// cache replaced. Bundles here are small CommonJS files in a temp folder, loaded as the CLI's entry loads a command.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire, Module } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { codeCacheFile, codeCacheUse, folderIsPrivate, requireBundle, saveCodeCaches } from './code-cache.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-code-cache-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

let dir: string;
let cacheDir: string;
let seq = 0;
beforeEach(() => {
  dir = path.join(tmp, `case-${++seq}`);
  cacheDir = path.join(dir, 'cache');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
});

/** A bundle whose functions run lazily, so the cache holds code compiled after the first call too. */
function bundleSource(word: string): string {
  return [
    'const helper = require("./helper.cjs");',
    `function say() { return helper.shout(${JSON.stringify(word)}); }`,
    'module.exports = { say, where: () => [__filename, __dirname], self: () => module.exports };',
    '',
  ].join('\n');
}

function writeBundle(word: string): string {
  const file = path.join(dir, 'cli-demo.cjs');
  fs.writeFileSync(path.join(dir, 'helper.cjs'), 'exports.shout = (w) => w.toUpperCase() + "!";\n');
  fs.writeFileSync(file, bundleSource(word));
  return file;
}

/** Loads `file` as a fresh process would: nothing of it in Node's module cache. */
function load(file: string, cache: string | null = cacheDir): { say(): string; where(): string[]; self(): unknown } {
  delete createRequire(file).cache[file];
  return requireBundle(file, cache) as { say(): string; where(): string[]; self(): unknown };
}

function sha256(data: Uint8Array): Buffer {
  return crypto.createHash('sha256').update(data).digest();
}

/** The cache file of `file` after a run that compiled it from source. */
function runOnceAndSave(file: string): string {
  expect(load(file).say()).toMatch(/!$/);
  saveCodeCaches();
  return codeCacheFile(cacheDir, file);
}

describe('the CLI code cache', () => {
  it('compiles a bundle from source the first time, stores its code (0600, in a 0700 folder) and uses it the next time', () => {
    const file = writeBundle('hello');
    const bundle = load(file);
    expect(codeCacheUse.get(file)).toBe('missing');
    expect(bundle.say()).toBe('HELLO!');
    expect(bundle.where()).toEqual([file, dir]);
    expect(requireBundle(file, cacheDir)).toBe(bundle.self()); // loaded once per process, as require() does
    saveCodeCaches();
    const cacheFile = codeCacheFile(cacheDir, file);
    expect(fs.statSync(cacheFile).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(cacheFile)).mode & 0o777).toBe(0o700);

    expect(load(file).say()).toBe('HELLO!');
    expect(codeCacheUse.get(file)).toBe('used');
    // A run that used the cache leaves it as it was.
    const before = fs.statSync(cacheFile).mtimeMs;
    saveCodeCaches();
    expect(fs.statSync(cacheFile).mtimeMs).toBe(before);
  });

  it('never runs the code of a rebuilt bundle of the same length from the old cache', () => {
    const file = writeBundle('alpha');
    runOnceAndSave(file);
    // What the bundle's hash in the cache guards against: V8 itself checks the source's length only, and runs
    // the old bundle's compiled functions for the new source.
    const cacheBytes = fs.readFileSync(codeCacheFile(cacheDir, file));
    const v8Payload = cacheBytes.subarray(8 + 32 + 32);
    const rebuilt = bundleSource('omega');
    expect(rebuilt.length).toBe(bundleSource('alpha').length);
    // (Another file name: V8 keeps each script it compiled in memory by source and name.)
    const probe = new vm.Script(Module.wrap(rebuilt), { filename: path.join(dir, 'probe.cjs'), cachedData: v8Payload });
    expect(probe.cachedDataRejected).toBe(false);
    const stale = { exports: {} as { say(): string } };
    (probe.runInThisContext() as (...args: unknown[]) => void)(stale.exports, createRequire(file), stale, file, dir);
    expect(stale.exports.say()).toBe('ALPHA!');

    fs.writeFileSync(file, rebuilt);
    expect(load(file).say()).toBe('OMEGA!');
    expect(codeCacheUse.get(file)).toBe('ignored');
    saveCodeCaches();
    expect(load(file).say()).toBe('OMEGA!');
    expect(codeCacheUse.get(file)).toBe('used');
  });

  it('ignores a damaged cache file (a torn write, a flipped byte) and replaces it', () => {
    const file = writeBundle('intact');
    const cacheFile = runOnceAndSave(file);
    const good = fs.readFileSync(cacheFile);
    for (const damage of [(b: Buffer) => b.subarray(0, b.length - 100), (b: Buffer) => Buffer.concat([b.subarray(0, 200), Buffer.from([b[200]! ^ 0xff]), b.subarray(201)]), () => Buffer.from('not a cache at all')]) {
      fs.writeFileSync(cacheFile, damage(good), { mode: 0o600 });
      expect(load(file).say()).toBe('INTACT!');
      expect(codeCacheUse.get(file)).toBe('ignored');
    }
    saveCodeCaches();
    expect(load(file).say()).toBe('INTACT!');
    expect(codeCacheUse.get(file)).toBe('used');
  });

  it('compiles from source when V8 refuses a cache that passes the file checks, and replaces it', () => {
    const file = writeBundle('refused');
    // Well-formed for our header (this bundle's hash, the payload's hash), but not V8's code: V8's own check refuses
    // it. (Written before the bundle is first compiled here: V8 keeps each script it compiled in memory, and would
    // not read the cache at all for a source it compiled before in this process.)
    const payload = Buffer.alloc(4096, 7);
    const cacheFile = codeCacheFile(cacheDir, file);
    fs.mkdirSync(path.dirname(cacheFile), { recursive: true, mode: 0o700 });
    fs.writeFileSync(cacheFile, Buffer.concat([Buffer.from('CWV8CC1\n'), sha256(fs.readFileSync(file)), sha256(payload), payload]), { mode: 0o600 });
    expect(load(file).say()).toBe('REFUSED!');
    expect(codeCacheUse.get(file)).toBe('rejected');
    saveCodeCaches();
    expect(fs.readFileSync(cacheFile).subarray(72).equals(payload)).toBe(false);
    expect(load(file).say()).toBe('REFUSED!');
    expect(codeCacheUse.get(file)).toBe('used');
  });

  it.skipIf(process.platform === 'win32')('ignores a cache that someone else could have written: a writable file, a link, an open folder', () => {
    const file = writeBundle('guarded');
    const cacheFile = runOnceAndSave(file);
    const codeDir = path.dirname(cacheFile);

    fs.chmodSync(cacheFile, 0o666);
    expect(load(file).say()).toBe('GUARDED!');
    expect(codeCacheUse.get(file)).toBe('ignored');
    fs.chmodSync(cacheFile, 0o600);

    const elsewhere = path.join(dir, 'planted.v8cache');
    fs.renameSync(cacheFile, elsewhere);
    fs.symlinkSync(elsewhere, cacheFile);
    expect(load(file).say()).toBe('GUARDED!');
    expect(codeCacheUse.get(file)).toBe('ignored');
    fs.rmSync(cacheFile);
    fs.renameSync(elsewhere, cacheFile);

    fs.chmodSync(codeDir, 0o777);
    expect(folderIsPrivate(codeDir)).toBe(false);
    expect(load(file).say()).toBe('GUARDED!');
    expect(codeCacheUse.get(file)).toBe('ignored');
    // Nor does it write into such a folder.
    fs.rmSync(cacheFile);
    saveCodeCaches();
    expect(fs.existsSync(cacheFile)).toBe(false);
    fs.chmodSync(codeDir, 0o700);

    // A folder above that others may write (not sticky) could be swapped under us: the cache is not used either.
    fs.chmodSync(dir, 0o777);
    expect(folderIsPrivate(codeDir)).toBe(false);
    fs.chmodSync(dir, 0o1777);
    expect(folderIsPrivate(codeDir)).toBe(true); // sticky, as /tmp: no one else can rename our folder away
    fs.chmodSync(dir, 0o700);

    runOnceAndSave(file);
    expect(load(file).say()).toBe('GUARDED!');
    expect(codeCacheUse.get(file)).toBe('used');
    if (process.getuid?.() === 0) {
      // Root can hand the file to another user: a cache owned by someone else is not ours to run.
      fs.chownSync(cacheFile, 65534, 65534);
      expect(load(file).say()).toBe('GUARDED!');
      expect(codeCacheUse.get(file)).toBe('ignored');
      // Nor does it create its folders in another user's home (sudo keeping HOME): nothing of root's left there.
      const theirs = path.join(dir, 'their-home');
      fs.mkdirSync(theirs, { mode: 0o700 });
      fs.chownSync(theirs, 65534, 65534);
      const other = path.join(dir, 'cli-other.cjs');
      fs.writeFileSync(other, 'exports.ok = true;\n');
      expect(requireBundle(other, path.join(theirs, '.cache', 'clusterwright'))).toEqual({ ok: true });
      expect(codeCacheUse.get(other)).toBe('missing');
      saveCodeCaches();
      expect(fs.readdirSync(theirs)).toEqual([]);
    }
  });

  it('with no cache folder, compiles from source and writes nothing', () => {
    const file = writeBundle('plain');
    expect(load(file, null).say()).toBe('PLAIN!');
    expect(codeCacheUse.get(file)).toBe('off');
    saveCodeCaches();
    expect(fs.existsSync(cacheDir)).toBe(false);
  });

  it('a bundle that throws while loading is not kept half-loaded', () => {
    const file = path.join(dir, 'cli-broken.cjs');
    fs.writeFileSync(file, 'exports.before = 1;\nthrow new Error("broken bundle");\n');
    expect(() => requireBundle(file, cacheDir)).toThrow('broken bundle');
    expect(createRequire(file).cache[file]).toBeUndefined();
    expect(() => requireBundle(file, cacheDir)).toThrow('broken bundle');
  });
});
