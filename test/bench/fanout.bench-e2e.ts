// Exec fan-out, `true` on every host of a lab (needs root): `clusterwright exec` against Debian's
// parallel-ssh (as it comes, and with curve25519 key exchange instead of OpenSSH's default
// post-quantum hybrid) and `ansible -m command`, all on fresh connections (no ControlMaster), the
// tools alternated over several rounds (each round starts with the next tool), medians and ranges.
// On the LAN lab (14 and 50 hosts) and on assets/labs/fourteen-hosts.yml (metro and WAN links, one
// site behind a jump host); plus the engine on sessions it already holds. A tool that is not
// installed is said loudly, in the output and in the summary table: never a silent skip.
// Asserts nothing about speed.
import { afterAll, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadLabSpec, presets, startLab, stopLab, type Lab } from '../../main/node/lab/index.js';
import { MemorySecretStore } from '../../main/node/secrets/memory-store.js';
import { createSshEngine, type SshHop, type SshTarget } from '../../main/node/ssh/index.js';
import { labSkipReason } from '../support/lab.js';
import { benchFigure, benchRow, benchSkipped, median } from './results.js';

const ROUNDS = Number(process.env.CW_BENCH_ROUNDS ?? 5);
const labs: { stateDir: string; prefix: string }[] = [];
const report: string[] = [];

afterAll(async () => {
  for (const l of labs) {
    await stopLab(l.stateDir, { prefix: l.prefix });
    fs.rmSync(l.stateDir, { recursive: true, force: true });
  }
}, 180_000);

const have = (program: string) => spawnSync('sh', ['-c', `command -v ${program}`]).status === 0;
const fmt = (ms: number) => ms.toFixed(0);
const range = (values: number[], digits = 0) => `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`;

interface Tool {
  name: string;
  /** The summary row's target for clusterwright ÷ this tool. */
  target: number;
  /** Why it cannot run here, or null. */
  missing: string | null;
  /** One run; its wall time in ms. */
  run(): number;
}

/** Runs a command to completion; a non-zero exit is an error with its output (a failed host is not a figure). */
function timed(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const started = performance.now();
  const result = spawnSync(file, args, { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`${path.basename(file)} ${args.slice(0, 3).join(' ')} … exited with ${result.status ?? result.signal}:\n${(result.stderr + result.stdout).slice(-1500)}`);
  return ms;
}

async function fanOut(name: string, spec: string, prefix: string, rounds: number): Promise<void> {
  const stateDir = fs.mkdtempSync(`/tmp/${prefix}-`);
  labs.push({ stateDir, prefix });
  const lab: Lab = await startLab(loadLabSpec(spec, `(fan-out bench ${name})`), { stateDir, prefix, replace: true });
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-fan-'));
  const names = lab.hosts.map((h) => h.name);
  const count = names.length;
  const env = { ...process.env, CLUSTERWRIGHT_HOME: home };
  // Pin every host key once (as an admin would have), so every tool below starts from trusted keys.
  execFileSync(process.execPath, ['bin/clusterwright.mjs', 'exec', lab.workspacePath, 'all', '--accept-new', '--', 'true'], { env, stdio: 'ignore' });

  // Every tool reads the lab's OpenSSH client config: host names, keys, known_hosts, the jump host.
  const hostsFile = path.join(home, 'hosts');
  fs.writeFileSync(hostsFile, names.join('\n') + '\n');
  const curveConfig = path.join(home, 'ssh_config_curve25519');
  // Appended, so it applies to every host and to the jump host's own connection (ProxyJump reads -F too).
  fs.writeFileSync(curveConfig, `${fs.readFileSync(lab.sshConfigPath, 'utf8')}\nHost *\n  KexAlgorithms curve25519-sha256\n`);
  const inventory = path.join(home, 'inventory.ini');
  fs.writeFileSync(inventory, ['[lab]', ...names, '', '[lab:vars]', `ansible_ssh_common_args='-F ${lab.sshConfigPath}'`, 'ansible_python_interpreter=/usr/bin/python3', ''].join('\n'));
  // Ansible's default ssh arguments minus ControlMaster/ControlPersist: every round on fresh connections.
  const ansibleEnv = { ...process.env, ANSIBLE_SSH_ARGS: '-C -o ControlMaster=no', ANSIBLE_HOST_KEY_CHECKING: 'True', ANSIBLE_NOCOLOR: '1', ANSIBLE_LOCAL_TEMP: path.join(home, 'ansible-tmp') };
  const pssh = have('parallel-ssh') ? null : 'parallel-ssh is not installed (Debian package pssh; .ci/run installs it)';
  const ansible = have('ansible') ? null : 'ansible is not installed (Debian package ansible-core; .ci/run installs it)';
  const clusterwright = () => timed(process.execPath, ['bin/clusterwright.mjs', 'exec', lab.workspacePath, 'all', '--', 'true'], env);
  const tools: Tool[] = [
    { name: 'parallel-ssh', target: 0.3, missing: pssh, run: () => timed('parallel-ssh', ['-h', hostsFile, '-p', String(count), '-t', '60', '-x', `-F ${lab.sshConfigPath}`, 'true']) },
    { name: 'parallel-ssh, curve25519 key exchange', target: 0.6, missing: pssh, run: () => timed('parallel-ssh', ['-h', hostsFile, '-p', String(count), '-t', '60', '-x', `-F ${curveConfig}`, 'true']) },
    { name: 'ansible -m command', target: 0.08, missing: ansible, run: () => timed('ansible', ['all', '-i', inventory, '-m', 'command', '-a', 'true', '-f', String(count)], ansibleEnv) },
  ];
  for (const tool of tools) {
    if (tool.missing) {
      const message = `NOT COMPARED on ${name}: ${tool.missing}`;
      console.error(`\n${'!'.repeat(100)}\n!!! fan-out benchmark: ${message}\n${'!'.repeat(100)}\n`);
      report.push(`| ${name} | ${tool.name} | **not compared: ${tool.missing}** | | |`);
      benchRow({ measure: `exec fan-out, cold, ${name}: clusterwright exec ÷ ${tool.name}`, target: `≤ ${tool.target}`, figure: `NOT COMPARED: ${tool.missing}`, met: false });
    }
  }
  const runnable = tools.filter((t) => !t.missing);
  // Each round: every tool once; the round's first tool moves on by one each round.
  const sequence: { name: string; run: () => number }[] = [
    { name: 'clusterwright exec', run: clusterwright },
    ...runnable.map((t) => ({ name: t.name, run: () => t.run() })),
  ];
  const times = new Map<string, number[]>(sequence.map((s) => [s.name, []]));
  const ratios = new Map<string, number[]>(runnable.map((t) => [t.name, []]));
  for (let round = 0; round < rounds; round++) {
    const thisRound = new Map<string, number>();
    for (let i = 0; i < sequence.length; i++) {
      const step = sequence[(i + round) % sequence.length]!;
      thisRound.set(step.name, step.run());
    }
    for (const [tool, ms] of thisRound) times.get(tool)!.push(ms);
    for (const tool of runnable) ratios.get(tool.name)!.push(thisRound.get('clusterwright exec')! / thisRound.get(tool.name)!);
  }
  const cw = times.get('clusterwright exec')!;
  report.push(`| ${name} | clusterwright exec (fresh process and connections) | ${fmt(median(cw))} | ${range(cw)} | — |`);
  for (const tool of runnable) {
    const own = times.get(tool.name)!;
    const r = ratios.get(tool.name)!;
    report.push(`| ${name} | ${tool.name} | ${fmt(median(own))} | ${range(own)} | ${median(r).toFixed(2)} (${range(r, 2)}; target ≤ ${tool.target}) |`);
    benchFigure(`exec fan-out, cold, ${name}: clusterwright exec ÷ ${tool.name}`, median(r), '', { atMost: tool.target }, `median of ${rounds} alternated rounds, range ${range(r, 2)}; ${fmt(median(cw))} ms ÷ ${fmt(median(own))} ms`);
  }

  // Held sessions: the engine keeps one connection per host (and per jump chain) open and reuses it.
  const engine = createSshEngine({ secrets: new MemorySecretStore(), knownHostsFiles: [lab.knownHostsPath], pinnedHostKeysFile: path.join(home, 'pins.json'), env: {} });
  const hop = (h: { name: string; addresses: Record<string, string> }): SshHop => ({ label: h.name, host: h.addresses.management!, port: 22, user: 'root', auth: [{ kind: 'privateKey', identityFile: lab.clientKeyPath }] });
  const targets: SshTarget[] = lab.hosts.map((h) => ({ destination: hop(h), jumps: h.jumpHost ? [hop(lab.host(h.jumpHost))] : [] }));
  await Promise.all(targets.map((t) => engine.run(t, 'true')));
  const held: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    await Promise.all(targets.map((t) => engine.run(t, 'true')));
    held.push(performance.now() - started);
  }
  await engine.closeAll();
  // One round trip is the slowest link's (the jump host's site sits on a lan link).
  const rtt = Math.max(presets.lan.delayMs, ...lab.links.flatMap((l) => l.networks.map((n) => n.params.delayMs)));
  report.push(`| ${name} | engine on held sessions (5 runs) | ${fmt(median(held))} | ${range(held)} | target one RTT (${rtt} ms) + 100 ms |`);
  benchFigure(`exec fan-out, ${name}: the engine on sessions it already holds`, median(held), 'ms', { atMost: rtt + 100 }, `median of 5, range ${range(held)}; target one RTT + 100 ms`);
  fs.rmSync(home, { recursive: true, force: true });
}

const lanLab = (count: number) => `name: fan-${count}\nsites:\n  - name: a\n    hosts: ${Math.ceil(count / 2)}\n  - name: b\n    hosts: ${count - Math.ceil(count / 2)}\n    link: lan\n`;

it('exec fan-out', async () => {
  if (labSkipReason) {
    console.error(`\n!!! fan-out benchmark NOT RUN: ${labSkipReason}\n`);
    for (const lab of ['LAN lab, 14 hosts', 'LAN lab, 50 hosts', 'fourteen-hosts.yml']) benchSkipped(`exec fan-out, ${lab}`, 'see README', labSkipReason);
    return;
  }
  await fanOut('LAN lab, 14 hosts', lanLab(14), 'cwf1', ROUNDS);
  await fanOut('fourteen-hosts.yml (metro, WAN, jump host)', fs.readFileSync('assets/labs/fourteen-hosts.yml', 'utf8'), 'cwf3', ROUNDS);
  await fanOut('LAN lab, 50 hosts', lanLab(50), 'cwf2', Math.min(ROUNDS, 3));
  console.log(`\nExec fan-out, \`true\` on every host, fresh connections (tools alternated, ${ROUNDS} rounds; 3 for 50 hosts; load average now ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')})\n`);
  console.log('| lab | tool | median (ms) | range (ms) | clusterwright ÷ tool, median of the rounds (range) |\n|---|---|---|---|---|');
  for (const row of report) console.log(row);
}, 1_800_000);
