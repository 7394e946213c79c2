// Builds the lab's vCenter simulator from Debian's govmomi source with Debian's Go, offline (GOPATH
// mode, no module proxy), our launcher and vSAN extension compiled into it with `go build -overlay`,
// and caches the binary under ~/.cache/clusterwright/vcsim keyed by a hash of everything that went in.
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CwError } from '../../../../common/errors.js';

/** Where Debian's golang-github-vmware-govmomi-dev puts the govmomi source. */
export const GOVMOMI_SOURCE = '/usr/share/gocode/src/github.com/vmware/govmomi';
const DEBIAN_GOPATH = '/usr/share/gocode';

/** Stock methods renamed (to cwStock…) so the extension can define the method vCenter clients call. */
export const STOCK_RENAMES: { file: string; from: string; to: string }[] = [
  { file: 'simulator/cluster_compute_resource.go', from: 'func (c *ClusterComputeResource) AddHostTask(', to: 'func (c *ClusterComputeResource) cwStockAddHostTask(' },
  { file: 'simulator/cluster_compute_resource.go', from: 'func (c *ClusterComputeResource) ReconfigureComputeResourceTask(', to: 'func (c *ClusterComputeResource) cwStockReconfigureComputeResourceTask(' },
  { file: 'simulator/folder.go', from: 'func (f *Folder) AddStandaloneHostTask(', to: 'func (f *Folder) cwStockAddStandaloneHostTask(' },
  { file: 'simulator/virtual_machine.go', from: 'func (vm *VirtualMachine) RelocateVMTask(', to: 'func (vm *VirtualMachine) cwStockRelocateVMTask(' },
  { file: 'simulator/host_network_system.go', from: 'func (s *HostNetworkSystem) AddPortGroup(', to: 'func (s *HostNetworkSystem) cwStockAddPortGroup(' },
];

export interface SimulatorBuild {
  binary: string;
  /** True when the cached binary was used. */
  cached: boolean;
  /** Wall time of the build (0 when cached). */
  buildMs: number;
  key: string;
}

export interface BuildOptions {
  /** Cache root; default `$XDG_CACHE_HOME/clusterwright/vcsim` (or ~/.cache/…). */
  cacheDir?: string;
  govmomiSource?: string;
  log?: (line: string) => void;
  timeoutMs?: number;
}

/** The folder holding launcher/ and extension/ (beside this file in the repository). */
export function simulatorSourceDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    for (const candidate of [dir, path.join(dir, 'main/node/stacks/vsan/simulator')]) {
      if (fs.existsSync(path.join(candidate, 'launcher', 'main.go')) && fs.existsSync(path.join(candidate, 'extension'))) return candidate;
    }
    dir = path.dirname(dir);
  }
  throw new CwError('MISSING_DEPENDENCY', 'Cannot find the vCenter simulator source (main/node/stacks/vsan/simulator/launcher and extension) beside this installation.');
}

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'clusterwright', 'vcsim');
}

function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(err, { stdout, stderr }));
      else resolve({ stdout, stderr });
    });
  });
}

async function goVersion(): Promise<string> {
  try {
    return (await run('go', ['version'])).stdout.trim();
  } catch {
    throw new CwError('MISSING_DEPENDENCY', "The vCenter simulator is built with Go, and 'go' was not found. Install Debian's golang-go and golang-github-vmware-govmomi-dev (apt-get install golang-go golang-github-vmware-govmomi-dev).");
  }
}

/** Sizes and times of every file of the govmomi packages the simulator links: a Debian upgrade changes the key. */
function govmomiStamp(source: string): string {
  const hash = crypto.createHash('sha256');
  for (const sub of ['simulator', 'vim25', 'vsan', 'object', 'property', 'session']) {
    const walk = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        const p = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(p);
        else {
          const st = fs.statSync(p);
          hash.update(`${p}\0${st.size}\0${st.mtimeMs}\n`);
        }
      }
    };
    const dir = path.join(source, sub);
    if (fs.existsSync(dir)) walk(dir);
  }
  return hash.digest('hex');
}

function readSources(dir: string): { launcher: string; extension: Record<string, string> } {
  const launcher = fs.readFileSync(path.join(dir, 'launcher', 'main.go'), 'utf8');
  const extension: Record<string, string> = {};
  for (const name of fs.readdirSync(path.join(dir, 'extension')).sort()) {
    if (name.endsWith('.go')) extension[name] = fs.readFileSync(path.join(dir, 'extension', name), 'utf8');
  }
  return { launcher, extension };
}

/** The stock files with their methods renamed; refuses when Debian's source no longer has a method exactly once. */
export function patchedStockFiles(source: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of STOCK_RENAMES) {
    const text = out[r.file] ?? fs.readFileSync(path.join(source, r.file), 'utf8');
    const count = text.split(r.from).length - 1;
    if (count !== 1) {
      throw new CwError('UNSUPPORTED', `Debian's govmomi source at ${source} does not have "${r.from.trim()}" exactly once in ${r.file} (found ${count}); the simulator extension was written for govmomi 0.24.2.`);
    }
    out[r.file] = text.replace(r.from, r.to);
  }
  return out;
}

/** Returns the simulator binary, building it first when nothing cached matches the sources. */
export async function ensureSimulator(options: BuildOptions = {}): Promise<SimulatorBuild> {
  const source = options.govmomiSource ?? GOVMOMI_SOURCE;
  const go = await goVersion();
  if (!fs.existsSync(path.join(source, 'simulator', 'simulator.go')) || !fs.existsSync(path.join(source, 'vsan', 'types', 'types.go'))) {
    throw new CwError('MISSING_DEPENDENCY', `The govmomi source is not at ${source}. Install Debian's golang-github-vmware-govmomi-dev (apt-get install golang-github-vmware-govmomi-dev).`);
  }
  const sources = readSources(simulatorSourceDir());
  const patched = patchedStockFiles(source);
  const hash = crypto.createHash('sha256');
  hash.update(`${go}\n${govmomiStamp(source)}\n${sources.launcher}\n`);
  for (const [name, text] of Object.entries(sources.extension)) hash.update(`${name}\0${text}\n`);
  for (const [name, text] of Object.entries(patched)) hash.update(`${name}\0${text}\n`);
  const key = hash.digest('hex').slice(0, 16);
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const binary = path.join(cacheDir, key, 'cw-vcsim');
  if (fs.existsSync(binary)) return { binary, cached: true, buildMs: 0, key };

  fs.mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
  const work = fs.mkdtempSync(path.join(cacheDir, 'build-'));
  const started = Date.now();
  try {
    const overlay: Record<string, string> = {};
    fs.mkdirSync(path.join(work, 'overlay'));
    for (const [name, text] of Object.entries(sources.extension)) {
      const file = path.join(work, 'overlay', name);
      fs.writeFileSync(file, text);
      overlay[path.join(source, 'simulator', name)] = file;
    }
    for (const [rel, text] of Object.entries(patched)) {
      const file = path.join(work, 'overlay', `stock-${path.basename(rel)}`);
      fs.writeFileSync(file, text);
      overlay[path.join(source, rel)] = file;
    }
    fs.writeFileSync(path.join(work, 'overlay.json'), JSON.stringify({ Replace: overlay }));
    const pkg = path.join(work, 'src', 'clusterwright', 'vcsim');
    fs.mkdirSync(pkg, { recursive: true });
    fs.writeFileSync(path.join(pkg, 'main.go'), sources.launcher);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME ?? os.homedir(),
      GO111MODULE: 'off',
      GOPROXY: 'off',
      GOFLAGS: '',
      GOPATH: `${work}${path.delimiter}${source === GOVMOMI_SOURCE ? DEBIAN_GOPATH : path.resolve(source, '../../../..')}`,
      GOCACHE: path.join(cacheDir, 'go-build'),
      CGO_ENABLED: '0',
    };
    options.log?.(`Building the vCenter simulator (${go}, govmomi from ${source}) …`);
    const out = path.join(work, 'cw-vcsim');
    try {
      await run('go', ['build', '-overlay', path.join(work, 'overlay.json'), '-trimpath', '-ldflags', '-s -w', '-o', out, 'clusterwright/vcsim'], { env, cwd: work, timeoutMs: options.timeoutMs ?? 600_000 });
    } catch (err) {
      const e = err as Error & { stderr?: string; killed?: boolean };
      throw new CwError('REMOTE_FAILED', `Building the vCenter simulator failed${e.killed ? ' (timed out)' : ''}: ${(e.stderr ?? e.message).trim().split('\n').slice(0, 30).join('\n')}`);
    }
    fs.mkdirSync(path.dirname(binary), { recursive: true });
    fs.renameSync(out, binary);
    const buildMs = Date.now() - started;
    options.log?.(`Built the vCenter simulator in ${(buildMs / 1000).toFixed(1)} s (${binary}).`);
    return { binary, cached: false, buildMs, key };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
