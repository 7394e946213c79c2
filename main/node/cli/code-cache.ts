// Loads a CLI command's bundle (dist/node/cli-<command>.cjs) with V8's code cache: the first run of a command
// compiles the bundle and, when the process exits, stores V8's compiled code for what ran; later runs skip the
// parse and compile of that code. Node 20 has no module compile cache of its own, so the CLI keeps one in the
// user's cache folder (paths.ts: cacheHome).
//
// A code cache is code, and V8 checks little before running it (its own version, its flags, the source's
// length). So a cache file is used only when all of these hold, and is otherwise ignored (and replaced at exit):
// - the folder holding it, and every folder above, can be written by no one but this user or root (the rule
//   OpenSSH applies to ~/.ssh); the file is a regular file (not a link) owned by this user and writable by no
//   one else. Whoever could plant a file there could already run code as this user.
// - its header carries the SHA-256 of the exact bundle bytes being loaded (a rebuilt bundle of the same length
//   would otherwise be run with the old bundle's compiled code), and the SHA-256 of its own payload (a torn or
//   damaged file never reaches V8's deserializer).
// Windows has no owner bits to check here: the cache folder is under the user's own %LOCALAPPDATA% there.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire, Module } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import { cacheHome } from '../paths.js';

const MAGIC = Buffer.from('CWV8CC1\n');
const HEADER_BYTES = MAGIC.length + 32 + 32;
/** A cache far larger than any bundle's compiled code is not one of ours. */
const MAX_CACHE_BYTES = 64 * 1024 * 1024;

interface LoadedBundle {
  script: vm.Script;
  cacheFile: string;
  sourceHash: Buffer;
}

/** Bundles loaded without a usable cache: their caches are written when the process exits. */
const toSave: LoadedBundle[] = [];

/**
 * How each bundle was compiled, by its path: with its cached code (`used`), from source because there was no
 * cache file (`missing`), because the file failed one of the checks above (`ignored`), or because V8 refused it
 * (`rejected`: another Node build or other V8 flags), or with caching off (`off`).
 */
export const codeCacheUse = new Map<string, 'used' | 'missing' | 'ignored' | 'rejected' | 'off'>();

function sha256(data: Uint8Array | string): Buffer {
  return crypto.createHash('sha256').update(data).digest();
}

/** The cache file of `bundleFile` in `cacheDir`: one per bundle path, Node version and architecture. */
export function codeCacheFile(cacheDir: string, bundleFile: string): string {
  const key = sha256(`${path.resolve(bundleFile)}\0${process.version}\0${process.arch}`).toString('hex').slice(0, 16);
  return path.join(cacheDir, 'code', `${path.basename(bundleFile, '.cjs')}-${key}.v8cache`);
}

const ourUid = typeof process.getuid === 'function' ? process.getuid() : undefined;

/** Owned by this user (or root, for folders), and writable by no one else. Always true where there are no owners (Windows). */
function ownedByUs(stat: fs.Stats, rootMayOwn: boolean): boolean {
  if (ourUid === undefined) return true;
  if (stat.uid !== ourUid && !(rootMayOwn && stat.uid === 0)) return false;
  return (stat.mode & 0o022) === 0;
}

/** `folder` and every folder above it can be written by no one but this user or root (or are sticky, as /tmp). */
export function folderIsPrivate(folder: string): boolean {
  if (ourUid === undefined) return true;
  let dir: string;
  try {
    dir = fs.realpathSync(folder);
  } catch {
    return false;
  }
  for (let first = true; ; first = false) {
    const stat = fs.statSync(dir, { throwIfNoEntry: false });
    if (!stat?.isDirectory()) return false;
    const sticky = (stat.mode & 0o1000) !== 0;
    if (stat.uid !== ourUid && stat.uid !== 0) return false;
    // The folder holding the cache must be private itself; a sticky folder above it (/tmp) cannot be used to replace it.
    if ((stat.mode & 0o022) !== 0 && (first || !sticky)) return false;
    const parent = path.dirname(dir);
    if (parent === dir) return true;
    dir = parent;
  }
}

/** The cached code in `file` when it was made from the bundle with `sourceHash` and is intact; `missing` or `ignored` otherwise. */
function readCache(file: string, sourceHash: Buffer): Buffer | 'missing' | 'ignored' {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0));
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'ignored';
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile() || !ownedByUs(stat, false) || stat.size <= HEADER_BYTES || stat.size > MAX_CACHE_BYTES) return 'ignored';
    const data = Buffer.allocUnsafe(stat.size);
    let read = 0;
    while (read < data.length) {
      const n = fs.readSync(fd, data, read, data.length - read, read);
      if (n === 0) return 'ignored';
      read += n;
    }
    if (!data.subarray(0, MAGIC.length).equals(MAGIC)) return 'ignored';
    if (!data.subarray(MAGIC.length, MAGIC.length + 32).equals(sourceHash)) return 'ignored';
    const payload = data.subarray(HEADER_BYTES);
    if (!sha256(payload).equals(data.subarray(MAGIC.length + 32, HEADER_BYTES))) return 'ignored';
    return payload;
  } catch {
    return 'ignored';
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes the compiled code of `bundle` as it stands now (with every function that ran), atomically, mode 0600. */
function writeCache(bundle: LoadedBundle): void {
  const dir = path.dirname(bundle.cacheFile);
  const temp = path.join(dir, `.${path.basename(bundle.cacheFile)}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`);
  try {
    // Create nothing under a folder that is not ours alone (`sudo` keeping another user's HOME): no root-owned folders there.
    let existing = dir;
    while (!fs.existsSync(existing) && path.dirname(existing) !== existing) existing = path.dirname(existing);
    if (!folderIsPrivate(existing)) return;
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!folderIsPrivate(dir)) return;
    const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;
    // Opened before V8 serializes anything: a folder that cannot be written costs no serialization.
    const fd = fs.openSync(temp, O_WRONLY | O_CREAT | O_EXCL | (O_NOFOLLOW ?? 0), 0o600);
    try {
      const payload = bundle.script.createCachedData();
      fs.writeSync(fd, Buffer.concat([MAGIC, bundle.sourceHash, sha256(payload), payload]));
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, bundle.cacheFile);
  } catch {
    // A cache that cannot be written costs the next run its compile time, nothing else (never this run's exit code).
    try {
      fs.rmSync(temp, { force: true });
    } catch {
      // a read-only folder: there is no temp file to remove
    }
  }
}

/** Writes the caches of the bundles loaded without a usable one (called when the process exits). */
export function saveCodeCaches(): void {
  for (const bundle of toSave.splice(0)) writeCache(bundle);
}

function userCacheDir(): string | null {
  try {
    return cacheHome();
  } catch {
    return null; // no home folder: no cache
  }
}

/**
 * `require(bundleFile)` for a CommonJS bundle of ours, compiled with the cached code in `cacheDir` when that is
 * usable (see the top of this file); otherwise compiled from source, its cache written when the process exits.
 * `cacheDir` null: no cache at all.
 */
export function requireBundle(bundleFile: string, cacheDir: string | null = userCacheDir()): unknown {
  const file = path.resolve(bundleFile);
  const requireFromBundle = createRequire(file);
  const loaded = requireFromBundle.cache[file];
  if (loaded) return loaded.exports;
  const bytes = fs.readFileSync(file);
  let cache: Omit<LoadedBundle, 'script'> | undefined;
  let cached: Buffer | 'missing' | 'ignored' = 'missing';
  if (cacheDir !== null) {
    cache = { cacheFile: codeCacheFile(cacheDir, file), sourceHash: sha256(bytes) };
    cached = folderIsPrivate(path.dirname(cache.cacheFile)) ? readCache(cache.cacheFile, cache.sourceHash) : fs.existsSync(cache.cacheFile) ? 'ignored' : 'missing';
  }
  const cachedData = typeof cached === 'string' ? undefined : cached;
  const script = new vm.Script(Module.wrap(bytes.toString('utf8')), { filename: file, ...(cachedData ? { cachedData } : {}) });
  codeCacheUse.set(file, !cache ? 'off' : typeof cached === 'string' ? cached : script.cachedDataRejected ? 'rejected' : 'used');
  const mod = new Module(file);
  mod.filename = file;
  requireFromBundle.cache[file] = mod;
  try {
    const wrapper = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: Module, filename: string, dirname: string) => void;
    wrapper.call(mod.exports, mod.exports, requireFromBundle, mod, file, path.dirname(file));
  } catch (error) {
    delete requireFromBundle.cache[file];
    throw error;
  }
  mod.loaded = true;
  if (cache && (!cachedData || script.cachedDataRejected)) {
    if (toSave.length === 0) process.once('exit', saveCodeCaches);
    toSave.push({ ...cache, script });
  }
  return mod.exports;
}
