// `clusterwright lab up` of a `proxmox: true` lab from the built CLI: the Proxmox test servers keep running in a
// background process after the command exits, answer with the printed fingerprints, the workspace names their
// password by secret id and the app core logs in with it; a crashed server process is reported; `lab down` ends it all.
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseWorkspace } from '../../main/common/workspace/parse.js';
import { createCore } from '../../main/node/core.js';
import { readLabState, stopLab } from '../../main/node/lab/index.js';
import { defaultSecretStore } from '../../main/node/secrets/index.js';
import { PveApiSchema } from '../../main/node/stacks/proxmox/api-schema.js';
import { PveClient } from '../../main/node/stacks/proxmox/client.js';
import { labProxmoxRecord } from '../../main/node/stacks/proxmox/simulator/lab-daemon.js';
import { describeLab } from '../support/lab.js';

const prefix = 'cwcp';
const root = path.resolve(__dirname, '../..');
const cliBundle = path.join(root, 'dist', 'node', 'cli.cjs');
const tmp = fs.mkdtempSync(`/tmp/${prefix}-`);
const stateDir = path.join(tmp, 'lab');
const specFile = path.join(tmp, 'pve-two.yml');
const passphrase = 'cwcp lab test passphrase';
/** The environment an admin would have: their own data folder (here a temp one) and the store's passphrase. */
const env: NodeJS.ProcessEnv = { ...process.env, CLUSTERWRIGHT_HOME: path.join(tmp, 'home'), CLUSTERWRIGHT_SECRETS_PASSPHRASE: passphrase };
const schema = new PveApiSchema(path.join(root, 'test', 'fixtures', 'proxmox', 'pve-apidata.json'));

function cli(args: string[], withEnv: NodeJS.ProcessEnv = env): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cliBundle, ...args], { env: withEnv, cwd: tmp, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, out: stdout, err: stderr });
    });
  });
}

function alive(pid: number): boolean {
  try {
    return !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function netnsWithPrefix(): string[] {
  const listed = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
  return listed.split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(`${prefix}-`));
}

/** Servers as `lab up` / `lab status` print them: host, https://address:port, fingerprint. */
function printedServers(out: string): { host: string; address: string; port: number; fingerprint: string }[] {
  return [...out.matchAll(/^\s+(\S+)\s+https:\/\/([\d.]+):(\d+)\s+fingerprint ((?:[0-9A-F]{2}:){31}[0-9A-F]{2})/gm)].map((m) => ({ host: m[1]!, address: m[2]!, port: Number(m[3]), fingerprint: m[4]! }));
}

async function storedPassword(): Promise<{ id: string; password: string; count: number }> {
  const store = defaultSecretStore('web', env);
  const list = await store.list();
  const id = list.at(-1)?.id ?? '';
  return { id, password: id ? await store.get(id) : '', count: list.length };
}

/** The background server process this test's `lab up` started (the only processes it ever signals). */
const daemonPids: number[] = [];

afterAll(async () => {
  try {
    if (readLabState(stateDir)) await cli(['lab', 'down', '--state', stateDir]);
  } finally {
    for (const pid of daemonPids) {
      if (!alive(pid)) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await stopLab(stateDir, { prefix });
    for (const dir of fs.readdirSync('/var/tmp').filter((d) => d.startsWith(`cw-lab-pve-${prefix}-`))) fs.rmSync(path.join('/var/tmp', dir), { recursive: true, force: true });
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}, 60_000);

describeLab('clusterwright lab up with Proxmox test servers (CLI, background process)', () => {
  beforeAll(() => {
    // The background process runs the bundle: build it from the sources under test.
    const built = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs'), '--node-only'], { cwd: root, encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`Building the CLI failed: ${built.stderr}`);
    fs.writeFileSync(specFile, 'name: cwcp-pve\nproxmox: true\nsites:\n  - name: a\n    hosts: [p1]\n  - name: b\n    hosts: [p2]\n    link: man\n');
  }, 60_000);

  it('refuses a proxmox lab when the secret store stays locked (no terminal to ask on, no variable), saying what to set, and starts nothing', async () => {
    const noPassphrase = { ...env };
    delete noPassphrase.CLUSTERWRIGHT_SECRETS_PASSPHRASE;
    const up = await cli(['lab', 'up', specFile, '--state', stateDir, '--prefix', prefix], noPassphrase);
    expect(up.code).toBe(4);
    expect(up.err).toContain('secret store is locked');
    expect(up.err).toContain('Set CLUSTERWRIGHT_SECRETS_PASSPHRASE');
    expect(up.err).toContain('Nothing was started');
    expect(netnsWithPrefix()).toEqual([]);
    expect(readLabState(stateDir)).toBeUndefined();
  });

  it('leaves servers running after the command exits, answering with the printed fingerprints; the app logs in with the stored secret', async () => {
    const up = await cli(['lab', 'up', specFile, '--state', stateDir, '--prefix', prefix]);
    expect(up.code, up.err).toBe(0);
    const servers = printedServers(up.out);
    expect(servers.map((s) => s.host)).toEqual(['p1', 'p2']);
    const record = labProxmoxRecord(readLabState(stateDir))!;
    daemonPids.push(record.process.pid);
    expect(alive(record.process.pid)).toBe(true);
    expect(fs.readFileSync(`/proc/${record.process.pid}/cmdline`, 'utf8')).toContain(`lab\0pve-serve\0--state\0${stateDir}`);

    // The password is in the sealed store, and nowhere in what the CLI printed or logged, nor in the workspace.
    const secret = await storedPassword();
    expect(secret.id).toBe(record.passwordSecret);
    const workspaceText = fs.readFileSync(path.join(stateDir, 'workspace', 'clusterwright.yaml'), 'utf8');
    for (const text of [up.out, up.err, fs.readFileSync(record.logFile, 'utf8'), workspaceText, JSON.stringify(readLabState(stateDir))]) expect(text).not.toContain(secret.password);

    for (const s of servers) {
      const client = new PveClient({ endpoint: { host: s.address, port: s.port, fingerprint: s.fingerprint }, credentials: { kind: 'password', username: 'root@pam', password: secret.password }, schema, validateResponses: true });
      expect(await client.get<{ release: string }>('/version')).toMatchObject({ release: '9.1' });
    }

    const workspace = parseWorkspace(workspaceText).workspace!;
    const cluster = workspace.proxmox!.clusters[0]!;
    expect(cluster).toMatchObject({ name: 'homelab', nodes: ['p1', 'p2'], api: { user: 'root@pam', passwordSecret: secret.id, endpoint: `${servers[0]!.address}:${servers[0]!.port}`, fingerprint: servers[0]!.fingerprint } });

    // The app as web mode runs it on this machine: same data folder, same passphrase.
    const core = createCore({ hostKind: 'web', workspaceDir: path.join(tmp, 'app-workspace'), lab: { stateDir, prefix }, ssh: { secrets: defaultSecretStore('web', env), sshConfigFile: null, interactive: false } });
    try {
      await core.call('workspace.open', { path: path.dirname(path.join(stateDir, 'workspace', 'clusterwright.yaml')), remember: false });
      const status = await core.call('proxmox.clusterStatus', { cluster: 'homelab' });
      expect(status.quorate).toBe(false);
      // The app sees the servers of the lab the CLI started, though they run in the CLI's background process.
      expect(await core.call('lab.status', {})).toMatchObject({ running: true, stackServices: ['Proxmox test servers'] });
    } finally {
      await core.close();
    }

    const status = await cli(['lab', 'status', '--state', stateDir, '--json']);
    expect(status.code, status.err).toBe(0);
    expect(JSON.parse(status.out)).toMatchObject({ proxmox: { running: true, pid: record.process.pid, servers: [{ host: 'p1', answers: true }, { host: 'p2', answers: true }] } });
  }, 60_000);

  it('reports a crashed server process, refuses a second up, and --replace starts fresh servers', async () => {
    const crashed = labProxmoxRecord(readLabState(stateDir))!;
    process.kill(crashed.process.pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    const status = await cli(['lab', 'status', '--state', stateDir]);
    expect(status.code).toBe(1);
    expect(status.out).toContain(`Proxmox test servers: NOT RUNNING — their process ${crashed.process.pid} has exited`);
    expect(status.out).toContain(crashed.logFile);

    const again = await cli(['lab', 'up', specFile, '--state', stateDir, '--prefix', prefix]);
    expect(again.code).toBe(1);
    expect(again.err).toContain('already up');

    const replaced = await cli(['lab', 'up', specFile, '--state', stateDir, '--prefix', prefix, '--replace']);
    expect(replaced.code, replaced.err).toBe(0);
    const fresh = labProxmoxRecord(readLabState(stateDir))!;
    daemonPids.push(fresh.process.pid);
    expect(fresh.process.pid).not.toBe(crashed.process.pid);
    expect(fs.existsSync(crashed.workDir)).toBe(false);
    // The crashed run's password went with it; only the new one is stored.
    const secret = await storedPassword();
    expect(secret).toMatchObject({ id: fresh.passwordSecret, count: 1 });
    const [first] = printedServers(replaced.out);
    const client = new PveClient({ endpoint: { host: first!.address, port: first!.port, fingerprint: first!.fingerprint }, credentials: { kind: 'password', username: 'root@pam', password: secret.password }, schema });
    expect(await client.get<{ release: string }>('/version')).toMatchObject({ release: '9.1' });
  }, 60_000);

  it('lab down stops the server process, removes its files, its password and the namespaces', async () => {
    const record = labProxmoxRecord(readLabState(stateDir))!;
    const down = await cli(['lab', 'down', '--state', stateDir]);
    expect(down.code, down.err).toBe(0);
    expect(down.out).toContain('Stopped the Proxmox test servers and deleted their password');
    expect(alive(record.process.pid)).toBe(false);
    expect(fs.existsSync(record.workDir)).toBe(false);
    expect(fs.readFileSync(record.logFile, 'utf8')).toContain('Stopping the Proxmox test servers (received SIGTERM)');
    expect(netnsWithPrefix()).toEqual([]);
    expect((await storedPassword()).count).toBe(0);
  }, 60_000);
});
