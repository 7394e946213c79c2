// Test harness for the vSAN stack: builds (or reuses) the vCenter simulator, starts one for a test file,
// connects the client with the simulator's certificate pinned, and runs the pyvmomi cross-check.
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { VsphereClient } from '../../../main/node/stacks/vsan/client/client.js';
import { ensureSimulator, GOVMOMI_SOURCE, type SimulatorBuild } from '../../../main/node/stacks/vsan/simulator/build.js';
import { startSimulator, type RunningSimulator } from '../../../main/node/stacks/vsan/simulator/run.js';

function missing(): string | undefined {
  if (!fs.existsSync(path.join(GOVMOMI_SOURCE, 'simulator', 'simulator.go'))) return `Debian's golang-github-vmware-govmomi-dev is not installed (${GOVMOMI_SOURCE})`;
  if (!fs.existsSync('/usr/bin/go')) return "Debian's golang-go is not installed (/usr/bin/go)";
  if (!fs.existsSync('/usr/lib/python3/dist-packages/pyVmomi')) return "Debian's python3-pyvmomi is not installed";
  return undefined;
}

/** Why the simulator cannot be built here (for describeLab's `unless`), or undefined. */
export function vcsimSkipReason(): string | undefined {
  return missing();
}

export interface VcsimHandle {
  readonly sim: RunningSimulator;
  readonly build: SimulatorBuild;
  readonly username: string;
  readonly password: string;
  readonly hostPassword: string;
  /** Lines the clients logged, to prove no secret is in them. */
  readonly logLines: string[];
  /** Request bodies the clients sent (secrets already masked), for the WSDL order check. */
  readonly requests: { method: string; body: string }[];
  connect(): Promise<VsphereClient>;
  /** Runs test/support/vsan/pyvmomi-readback.py with the simulator's login. */
  pyvmomi<T>(...args: string[]): Promise<T>;
}

export function useVcsim(options: { vmotionMs?: number } = {}): VcsimHandle {
  let sim: RunningSimulator | undefined;
  let build: SimulatorBuild | undefined;
  const username = 'administrator@vsphere.local';
  const password = `vc-${crypto.randomBytes(9).toString('base64url')}`;
  const hostPassword = `esx-${crypto.randomBytes(9).toString('base64url')}`;
  const logLines: string[] = [];
  const requests: { method: string; body: string }[] = [];
  const clients: VsphereClient[] = [];
  beforeAll(async () => {
    build = await ensureSimulator({ log: (l) => console.log(l) });
    sim = await startSimulator({ binary: build.binary, username, password, hostPassword, vmotionMs: options.vmotionMs ?? 1500 });
    console.log(`vCenter simulator: ${build.cached ? 'cached build' : `built in ${(build.buildMs / 1000).toFixed(1)} s`}, listening on ${sim.host}:${sim.port} after ${sim.startMs} ms`);
  }, 900_000);
  afterAll(async () => {
    for (const c of clients) await c.logout().catch(() => undefined);
    await sim?.stop();
  }, 30_000);
  const handle: VcsimHandle = {
    get sim() {
      if (!sim) throw new Error('The simulator is not running (its beforeAll failed).');
      return sim;
    },
    get build() {
      if (!build) throw new Error('The simulator was not built (its beforeAll failed).');
      return build;
    },
    username,
    password,
    hostPassword,
    logLines,
    requests,
    async connect() {
      const client = await VsphereClient.connect({
        endpoint: { host: handle.sim.host, port: handle.sim.port, thumbprint: handle.sim.thumbprint },
        username,
        password: () => password,
        log: (l) => logLines.push(l),
        onRequest: (method, body) => requests.push({ method, body }),
      });
      clients.push(client);
      return client;
    },
    pyvmomi<T>(...args: string[]) {
      return new Promise<T>((resolve, reject) => {
        execFile(
          '/usr/bin/python3',
          [path.join(import.meta.dirname, 'pyvmomi-readback.py'), ...args],
          { env: { PATH: process.env.PATH, CW_VSPHERE_ADDRESS: `${handle.sim.host}:${handle.sim.port}`, CW_VSPHERE_USER: username, CW_VSPHERE_PASSWORD: password, CW_VSPHERE_THUMBPRINT: handle.sim.thumbprint }, timeout: 60_000 },
          (err, stdout, stderr) => (err ? reject(new Error(`pyvmomi ${args[0]} failed: ${stderr || err.message}`)) : resolve(JSON.parse(stdout) as T)),
        );
      });
    },
  };
  return handle;
}
