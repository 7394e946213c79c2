// Exec fan-out on 14 and 50 lab hosts (needs root): `clusterwright exec` against Debian's
// parallel-ssh and `ansible -m command` on the same hosts in the same run (fresh connections), and
// the engine on sessions it already holds. Prints a table; asserts nothing about speed.
import { afterAll, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadLabSpec, startLab, stopLab, type Lab } from '../../main/node/lab/index.js';
import { MemorySecretStore } from '../../main/node/secrets/memory-store.js';
import { createSshEngine, type SshTarget } from '../../main/node/ssh/index.js';
import { labSkipReason } from '../support/lab.js';
import { presets } from '../../main/node/lab/index.js';
import { benchFigure, benchSkipped } from './results.js';

const rows: string[] = [];
const labs: { stateDir: string; prefix: string }[] = [];

afterAll(async () => {
  for (const l of labs) {
    await stopLab(l.stateDir, { prefix: l.prefix });
    fs.rmSync(l.stateDir, { recursive: true, force: true });
  }
}, 120_000);

function timed(run: () => void): number {
  const t0 = performance.now();
  run();
  return performance.now() - t0;
}

const have = (program: string) => spawnSync('sh', ['-c', `command -v ${program}`]).status === 0;

async function fanOut(count: number, prefix: string): Promise<void> {
  const stateDir = fs.mkdtempSync(`/tmp/${prefix}-`);
  labs.push({ stateDir, prefix });
  const half = Math.ceil(count / 2);
  const lab: Lab = await startLab(loadLabSpec(`name: fan-${count}\nsites:\n  - name: a\n    hosts: ${half}\n  - name: b\n    hosts: ${count - half}\n    link: lan\n`), { stateDir, prefix, replace: true });
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-fan-'));
  const names = lab.hosts.map((h) => h.name);
  const env = { ...process.env, CLUSTERWRIGHT_HOME: home };
  // Pin every host key once (as an admin would have), so every tool below starts from trusted keys.
  execFileSync(process.execPath, ['bin/clusterwright.mjs', 'exec', lab.workspacePath, 'all', '--accept-new', '--', 'true'], { env, stdio: 'ignore' });
  const cw = timed(() => execFileSync(process.execPath, ['bin/clusterwright.mjs', 'exec', lab.workspacePath, 'all', '--', 'true'], { env, stdio: 'ignore' }));
  rows.push(`| ${count} | clusterwright exec (fresh process and connections) | ${cw.toFixed(0)} |`);
  if (have('parallel-ssh')) {
    const hostsFile = path.join(home, 'hosts');
    fs.writeFileSync(hostsFile, names.join('\n') + '\n');
    const pssh = timed(() => execFileSync('parallel-ssh', ['-h', hostsFile, '-p', String(count), '-t', '60', '-x', `-F ${lab.sshConfigPath}`, 'true'], { stdio: 'ignore' }));
    rows.push(`| ${count} | parallel-ssh (pssh) | ${pssh.toFixed(0)} (clusterwright ÷ pssh = ${(cw / pssh).toFixed(2)}; target ≤ 0.5) |`);
    benchFigure(`exec fan-out, ${count} lab hosts, fresh connections: clusterwright exec ÷ parallel-ssh`, cw / pssh, '', { atMost: 0.5 }, `${cw.toFixed(0)} ms ÷ ${pssh.toFixed(0)} ms`);
  } else {
    rows.push(`| ${count} | parallel-ssh | not installed (apt-get install pssh) |`);
    benchSkipped(`exec fan-out, ${count} lab hosts, fresh connections: clusterwright exec ÷ parallel-ssh`, '≤ 0.5', 'parallel-ssh is not installed (apt-get install pssh)');
  }
  if (have('ansible')) {
    const inventory = path.join(home, 'inventory.ini');
    fs.writeFileSync(
      inventory,
      ['[lab]', ...lab.hosts.map((h) => `${h.name} ansible_host=${h.addresses.management} ansible_user=root ansible_ssh_private_key_file=${lab.clientKeyPath}`), '', '[lab:vars]', `ansible_ssh_common_args='-o UserKnownHostsFile=${lab.knownHostsPath} -o StrictHostKeyChecking=yes'`, 'ansible_python_interpreter=/usr/bin/python3', ''].join('\n'),
    );
    const ansible = timed(() => execFileSync('ansible', ['all', '-i', inventory, '-m', 'command', '-a', 'true', '-f', String(count)], { stdio: 'ignore', env: { ...process.env, ANSIBLE_HOST_KEY_CHECKING: 'True', ANSIBLE_NOCOLOR: '1' } }));
    rows.push(`| ${count} | ansible -m command | ${ansible.toFixed(0)} (clusterwright ÷ ansible = ${(cw / ansible).toFixed(2)}; target ≤ 0.15) |`);
    benchFigure(`exec fan-out, ${count} lab hosts, fresh connections: clusterwright exec ÷ ansible -m command`, cw / ansible, '', { atMost: 0.15 }, `${cw.toFixed(0)} ms ÷ ${ansible.toFixed(0)} ms`);
  } else {
    rows.push(`| ${count} | ansible | not installed (apt-get install ansible-core) |`);
    benchSkipped(`exec fan-out, ${count} lab hosts, fresh connections: clusterwright exec ÷ ansible -m command`, '≤ 0.15', 'ansible is not installed (apt-get install ansible-core)');
  }
  // Held sessions: the engine keeps one connection per host open and reuses it.
  const engine = createSshEngine({ secrets: new MemorySecretStore(), knownHostsFiles: [lab.knownHostsPath], pinnedHostKeysFile: path.join(home, 'pins.json'), env: {} });
  const targets: SshTarget[] = lab.hosts.map((h) => ({ destination: { label: h.name, host: h.addresses.management!, port: 22, user: 'root', auth: [{ kind: 'privateKey', identityFile: lab.clientKeyPath }] }, jumps: [] }));
  await Promise.all(targets.map((t) => engine.run(t, 'true')));
  const held: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await Promise.all(targets.map((t) => engine.run(t, 'true')));
    held.push(performance.now() - t0);
  }
  held.sort((a, b) => a - b);
  rows.push(`| ${count} | engine on held sessions (median of 5) | ${held[2]!.toFixed(0)} (target: one RTT + 100 ms) |`);
  // The hosts sit on lan links: one round trip is the lan preset's.
  benchFigure(`exec fan-out, ${count} lab hosts: the engine on sessions it already holds`, held[2]!, 'ms', { atMost: presets.lan.delayMs + 100 }, 'median of 5; target one RTT + 100 ms');
  await engine.closeAll();
  fs.rmSync(home, { recursive: true, force: true });
}

it('exec fan-out', async () => {
  if (labSkipReason) {
    console.log(`fan-out benchmark skipped: ${labSkipReason}`);
    for (const count of [14, 50]) benchSkipped(`exec fan-out, ${count} lab hosts`, 'see README', labSkipReason);
    return;
  }
  await fanOut(14, 'cwf1');
  await fanOut(50, 'cwf2');
  console.log('\nExec fan-out (`true` on every host; lab hosts on lan links)\n');
  console.log('| hosts | tool | wall time (ms) |\n|---|---|---|');
  for (const row of rows) console.log(row);
}, 600_000);
