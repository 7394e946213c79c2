// Benchmark: the plan engine's overhead on a 30-step, 3-node plan (3 chains of 10 steps; each step a
// precheck plus a 20 ms action), against the same commands run one after another: locally (the
// shell export run by sh; sh -c per command) and over SSH to a real sshd on loopback (three
// addresses, three connections). vitest prints the table; nothing here asserts a speed.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { parsePlan } from '../../main/common/plan/dag.js';
import type { PlanInput, StepInput } from '../../main/common/plan/schema.js';
import { PlanEngine } from '../../main/node/engine/engine.js';
import { exportShell } from '../../main/node/engine/export-shell.js';
import { LocalRunner } from '../../main/node/engine/local-runner.js';
import { EnvSecretResolver, liveCommand } from '../../main/node/engine/render.js';
import { SshStepRunner } from '../../main/node/engine/ssh-runner.js';
import { MemorySecretStore } from '../../main/node/secrets/memory-store.js';
import { createSshEngine, type SshEngine, type SshTarget } from '../../main/node/ssh/index.js';
import { startSshd, type SshdFixture } from '../support/sshd.js';
import { instantRunner } from './plan-timing.js';
import { benchFigure, benchTimings } from './results.js';

const NODES = ['n1', 'n2', 'n3'];
const STEPS_PER_NODE = 10;
const ACTION_S = 0.02;
const options = { iterations: 6, warmupIterations: 1, time: 0 };

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-engine-bench-'));
let counter = 0;
const freshDir = () => {
  const dir = path.join(root, String(counter++));
  fs.mkdirSync(dir);
  return dir;
};

function benchPlan(dir: string, nodes: PlanInput['nodes'], limits: { global: number; perTarget: number }): PlanInput {
  const steps: StepInput[] = [];
  for (const node of NODES) {
    for (let i = 0; i < STEPS_PER_NODE; i++) {
      const file = `${dir}/${node}-${i}`;
      steps.push({
        id: `${node}-${i}`,
        title: `step ${i} on ${node}`,
        target: { node },
        action: { kind: 'exec', command: { sh: `sleep ${ACTION_S}; touch ${file}` } },
        precheck: { kind: 'exec', command: { argv: ['test', '-e', file] } },
        dependsOn: i > 0 ? [`${node}-${i - 1}`] : [],
      });
    }
  }
  return { id: 'bench', title: 'bench', nodes, limits, steps };
}

const localNodes = Object.fromEntries(NODES.map((n) => [n, { local: true as const }]));
const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-engine-bench-ws-'));

async function applyWith(runner: LocalRunner | SshStepRunner, plan: PlanInput): Promise<void> {
  const engine = new PlanEngine({ runner, secrets: new EnvSecretResolver({}), workspaceDir: workspace });
  const result = await engine.apply(plan).done;
  if (result.status !== 'succeeded' || result.changed !== NODES.length * STEPS_PER_NODE) throw new Error(result.message);
}

function sh(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', args, { stdio: 'ignore' });
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`sh exited ${code}`))));
  });
}

const timings = benchTimings();
afterAll(() => {
  // The engine's own time (an instant runner) as a share of the same plan run locally in parallel; the
  // target (≤ 5 %) is weighed on the lab hosts (engine-lab.bench.ts), where the steps take real round trips.
  benchFigure('plan engine\'s own time for 30 steps, % of the local parallel run (20 ms actions, local processes)', (100 * timings.median('alone')) / timings.median('parallel'), '%', undefined, `${timings.median('alone').toFixed(1)} ms of ${timings.median('parallel').toFixed(0)} ms`);
});

describe('30 steps on 3 nodes, local runner', () => {
  const local = new LocalRunner();
  bench('engine, parallel (limits 8 global / 2 per node)', timings.track('parallel', () => applyWith(local, benchPlan(freshDir(), localNodes, { global: 8, perTarget: 2 }))), options);
  bench('engine, serial (limits 1 / 1)', () => applyWith(local, benchPlan(freshDir(), localNodes, { global: 1, perTarget: 1 })), options);
  bench('engine alone: a runner that answers at once (journal fsyncs, events, scheduling)', timings.track('alone', async () => {
    const engine = new PlanEngine({ runner: instantRunner(), secrets: new EnvSecretResolver({}), workspaceDir: workspace });
    const result = await engine.apply(benchPlan(freshDir(), localNodes, { global: 8, perTarget: 2 })).done;
    if (result.changed !== NODES.length * STEPS_PER_NODE) throw new Error(result.message);
  }), { ...options, iterations: 20 });
  bench('shell export, one sh running the guarded steps one after another', async () => {
    const dir = freshDir();
    const [script] = exportShell(parsePlan(benchPlan(dir, localNodes, { global: 1, perTarget: 1 })));
    fs.writeFileSync(`${dir}/plan.sh`, script!.content);
    await sh([`${dir}/plan.sh`]);
  }, options);
  bench('sh -c per precheck and action, one after another (what the engine spawns)', async () => {
    const plan = parsePlan(benchPlan(freshDir(), localNodes, { global: 1, perTarget: 1 }));
    for (const step of plan.steps) {
      if (step.precheck?.kind === 'exec') await sh(['-c', liveCommand(step.precheck.command, new Map())]).catch(() => undefined);
      if (step.action.kind === 'exec') await sh(['-c', liveCommand(step.action.command, new Map())]);
    }
  }, options);
});

let sshd: SshdFixture;
let ssh: SshEngine;
let keyDir: string;
const address: Record<string, string> = { n1: '127.0.0.1', n2: '127.0.0.2', n3: '127.0.0.3' };
const target = (node: string): SshTarget => ({ destination: { label: node, host: address[node]!, port: sshd.port, user: sshd.user, auth: [{ kind: 'privateKey', identityFile: sshd.clientKeyFile }] }, jumps: [] });

beforeAll(async () => {
  // A clean HOME for the sessions: root's own ~/.bashrc here runs a version manager on every command (the machine, not the engine).
  sshd = await startSshd({ cleanHome: true, extraConfig: ['ListenAddress 127.0.0.2', 'ListenAddress 127.0.0.3'] });
  keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-engine-bench-keys-'));
  ssh = createSshEngine({ secrets: new MemorySecretStore(), knownHostsFiles: [], pinnedHostKeysFile: path.join(keyDir, 'pinned.json'), acceptNewHostKeys: true, env: {} });
  await Promise.all(NODES.map((n) => ssh.exec(target(n), 'true')));
});
afterAll(async () => {
  await ssh?.closeAll();
  await sshd?.stop();
});

describe('30 steps on 3 nodes over SSH (real sshd on 127.0.0.1-3)', () => {
  const sshNodes = () => Object.fromEntries(NODES.map((n) => [n, { address: address[n]!, port: sshd.port, user: sshd.user }]));
  bench('engine over SSH, parallel (8 / 2)', () => applyWith(new SshStepRunner(ssh, (node) => target(node.node)), benchPlan(freshDir(), sshNodes(), { global: 8, perTarget: 2 })), options);
  bench('engine over SSH, serial (1 / 1)', () => applyWith(new SshStepRunner(ssh, (node) => target(node.node)), benchPlan(freshDir(), sshNodes(), { global: 1, perTarget: 1 })), options);
  bench('ssh exec of each precheck and action, one after another (no engine)', async () => {
    const plan = parsePlan(benchPlan(freshDir(), sshNodes(), { global: 1, perTarget: 1 }));
    for (const step of plan.steps) {
      const node = 'node' in step.target ? step.target.node : '';
      if (step.precheck?.kind === 'exec') await ssh.exec(target(node), liveCommand(step.precheck.command, new Map()));
      if (step.action.kind === 'exec') await ssh.exec(target(node), liveCommand(step.action.command, new Map()));
    }
  }, options);
});
