// Benchmark in the lab (root only; skipped elsewhere): the engine over real SSH on a 30-step plan
// across 3 hosts at 3 sites (man links, 3.4 ms), against the same prechecks and actions run one
// after another over the same SSH connections, and the engine's own time with an instant runner.
import { afterAll, beforeAll, bench, describe } from 'vitest';
import type { PlanInput, StepInput } from '../../main/common/plan/schema.js';
import { PlanEngine } from '../../main/node/engine/engine.js';
import { EnvSecretResolver, liveCommand } from '../../main/node/engine/render.js';
import { SshStepRunner } from '../../main/node/engine/ssh-runner.js';
import { parsePlan } from '../../main/common/plan/dag.js';
import { loadLabSpec, startLab, type Lab } from '../../main/node/lab/index.js';
import { directTarget, testEngine, type TestEngine } from '../../main/node/ssh/testing/engine-helpers.js';
import { labSkipReason } from '../support/lab.js';
import { instantRunner } from './plan-timing.js';
import { benchFigure, benchSkipped, benchTimings } from './results.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const HOSTS = ['a1', 'b1', 'c1'];
const STEPS_PER_HOST = 10;
const options = { iterations: 5, warmupIterations: 1, time: 0 };
let lab: Lab | undefined;
let ssh: TestEngine;
let runner: SshStepRunner;
let stateDir: string;
const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-engine-lab-bench-'));
let round = 0;

function plan(dir: string, limits: { global: number; perTarget: number }): PlanInput {
  const steps: StepInput[] = HOSTS.flatMap((h) =>
    Array.from({ length: STEPS_PER_HOST }, (_, i): StepInput => ({
      id: `${h}-${i}`,
      title: `step ${i}`,
      target: { node: h },
      action: { kind: 'exec', command: { sh: `mkdir -p ${dir}; sleep 0.02; touch ${dir}/${i}` } },
      precheck: { kind: 'exec', command: { argv: ['test', '-e', `${dir}/${i}`] } },
      dependsOn: i > 0 ? [`${h}-${i - 1}`] : [],
      retry: { attempts: 3, backoffMs: 0, factor: 1, maxBackoffMs: 0 },
    })),
  );
  return { id: 'lab-bench', title: 'lab bench', nodes: Object.fromEntries(HOSTS.map((h) => [h, { local: true as const }])), limits, steps };
}

beforeAll(async () => {
  if (labSkipReason) return;
  stateDir = fs.mkdtempSync('/tmp/cwlb-');
  lab = await startLab(
    loadLabSpec(
      `name: engine-bench
sites:
  - { name: a, hosts: [a1] }
  - { name: b, hosts: [b1], link: man }
  - { name: c, hosts: [c1], link: man }
`,
      '(engine bench)',
    ),
    { stateDir, prefix: 'cwlb', replace: true },
  );
  ssh = testEngine({ knownHostsFiles: [lab.knownHostsPath] });
  const l = lab;
  runner = new SshStepRunner(ssh.engine, (node) => directTarget(l.host(node.node).addresses.management!, l.host(node.node).sshPort, 'root', [{ kind: 'privateKey', identityFile: l.clientKeyPath }]));
  await Promise.all(HOSTS.map((h) => runner.exec({ node: h }, 'true', { signal: new AbortController().signal, timeoutMs: 10_000 })));
}, 120_000);

const timings = benchTimings();
afterAll(async () => {
  await ssh?.engine.closeAll();
  await lab?.stop();
  const measure = 'plan engine, 30 steps on 3 lab hosts (man links): parallel ÷ the same commands one after another';
  const own = 'plan engine\'s own time for 30 steps (journal fsyncs, events, scheduling), % of the parallel run on 3 lab hosts';
  if (labSkipReason) {
    benchSkipped(measure, '≤ 0.7', labSkipReason);
    benchSkipped(own, '≤ 5 %', labSkipReason);
    return;
  }
  benchFigure(measure, timings.median('parallel') / timings.median('one after another'), '', { atMost: 0.7 }, `${timings.median('parallel').toFixed(0)} ms ÷ ${timings.median('one after another').toFixed(0)} ms`);
  benchFigure(own, (100 * timings.median('alone')) / timings.median('parallel'), '%', { atMost: 5 }, `${timings.median('alone').toFixed(1)} ms of ${timings.median('parallel').toFixed(0)} ms`);
});

describe(`30 steps on 3 lab hosts over SSH (man links)${labSkipReason ? ` — skipped: ${labSkipReason}` : ''}`, () => {
  const apply = async (limits: { global: number; perTarget: number }) => {
    if (!lab) return;
    const engine = new PlanEngine({ runner, secrets: new EnvSecretResolver({}), workspaceDir: workspace });
    const result = await engine.apply(plan(`/root/bench-${round++}`, limits)).done;
    if (result.changed !== HOSTS.length * STEPS_PER_HOST) throw new Error(result.message);
  };
  bench('engine, parallel (8 global / 2 per host)', timings.track('parallel', () => apply({ global: 8, perTarget: 2 })), options);
  bench('engine, serial (1 / 1)', () => apply({ global: 1, perTarget: 1 }), options);
  bench('engine alone: the same plan on a runner that answers at once', timings.track('alone', async () => {
    if (!lab) return;
    const engine = new PlanEngine({ runner: instantRunner(), secrets: new EnvSecretResolver({}), workspaceDir: workspace });
    const result = await engine.apply(plan(`/root/bench-${round++}`, { global: 8, perTarget: 2 })).done;
    if (result.changed !== HOSTS.length * STEPS_PER_HOST) throw new Error(result.message);
  }), { ...options, iterations: 20 });
  bench('the same prechecks and actions one after another, no engine', timings.track('one after another', async () => {
    if (!lab) return;
    const p = parsePlan(plan(`/root/bench-${round++}`, { global: 1, perTarget: 1 }));
    const signal = new AbortController().signal;
    // Retries a command whose exit status got lost (see the SSH engine note in the engine's report), as the engine does.
    const run = async (node: { node: string }, command: string) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await runner.exec(node, command, { signal, timeoutMs: 10_000 });
        } catch (error) {
          if (attempt >= 3) throw error;
        }
      }
    };
    for (const step of p.steps) {
      const node = 'node' in step.target ? step.target : { node: '' };
      if (step.precheck?.kind === 'exec') await run(node, liveCommand(step.precheck.command, new Map()));
      if (step.action.kind === 'exec') await run(node, liveCommand(step.action.command, new Map()));
    }
  }), options);
});
