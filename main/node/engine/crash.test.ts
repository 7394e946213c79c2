import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../common/contract/plan.js';
import type { StepInput } from '../../common/plan/schema.js';
import { journalFileName } from './journal.js';
import { localPlan, tempDir } from './test-helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));

// The engine in a child process of its own, so that the test can kill -9 it mid-run.
const childSource = `
import fs from 'node:fs';
import { PlanEngine } from './engine.js';
import { LocalRunner } from './local-runner.js';
import { EnvSecretResolver } from './render.js';
const [mode, workspaceDir, arg, rerun] = process.argv.slice(2);
const engine = new PlanEngine({ runner: new LocalRunner(), secrets: new EnvSecretResolver(), workspaceDir });
const handle = mode === 'apply' ? engine.apply(JSON.parse(fs.readFileSync(arg, 'utf8'))) : engine.resume(arg, { rerunInterrupted: rerun ? rerun.split(',') : [] });
process.stdout.write(JSON.stringify({ runId: handle.runId }) + '\\n');
const result = await handle.done;
process.stdout.write(JSON.stringify(result) + '\\n');
`;

let childScript = '';

/** Deterministic pseudo-random numbers (mulberry32), so a failing trial can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function runChild(args: string[], killAfterStarted?: { count: number; delayMs: number; journalDir: string }) {
  return new Promise<{ lines: unknown[]; killed: boolean; code: number | null }>((resolve, reject) => {
    const child = spawn(process.execPath, [childScript, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let killed = false;
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    let poll: NodeJS.Timeout | undefined;
    if (killAfterStarted) {
      poll = setInterval(() => {
        const first = out.split('\n')[0];
        if (!first) return;
        const { runId } = JSON.parse(first) as { runId: string };
        const journal = path.join(killAfterStarted.journalDir, runId, journalFileName);
        let started = 0;
        try {
          started = fs.readFileSync(journal, 'utf8').split('\n').filter((l) => l.includes('"state":"started"')).length;
        } catch {
          return;
        }
        if (started >= killAfterStarted.count) {
          clearInterval(poll);
          setTimeout(() => {
            killed = child.exitCode === null;
            child.kill('SIGKILL');
          }, killAfterStarted.delayMs);
        }
      }, 3);
    }
    child.on('error', reject);
    child.on('close', (code) => {
      if (poll) clearInterval(poll);
      if (code !== 0 && !killed && err) reject(new Error(err));
      resolve({ lines: out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown), killed, code });
    });
  });
}

describe('crash and resume', () => {
  beforeAll(async () => {
    const out = tempDir('cw-crash-child-');
    childScript = path.join(out, 'child.mjs');
    await build({ stdin: { contents: childSource, resolveDir: here, loader: 'ts', sourcefile: 'child.ts' }, bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: childScript, logLevel: 'error' });
  });

  it('kill -9 at a random step, resume completes, and a non-idempotent append never runs twice (10 seeded trials)', async () => {
    const rng = seeded(20261124);
    const stats = { killed: 0, skippedAfterCrash: 0, refusedThenRerun: 0 };
    for (let trial = 0; trial < 10; trial++) {
      const dir = tempDir('cw-crash-');
      const steps: StepInput[] = [];
      for (const node of ['n1', 'n2', 'n3']) {
        const journalFile = path.join(dir, `${node}.members`);
        steps.push(
          {
            id: `${node}-prepare`,
            title: 'prepare',
            target: { node },
            action: { kind: 'exec', command: { sh: `sleep 0.05; mkdir -p ${dir}/${node}` } },
            precheck: `test -d ${dir}/${node}`,
          },
          {
            id: `${node}-config`,
            title: 'config',
            target: { node },
            action: { kind: 'upload', path: `${dir}/${node}/app.conf`, content: `node = ${node}\n` },
            dependsOn: [`${node}-prepare`],
          },
          {
            // Not idempotent: running it twice would add the member twice.
            id: `${node}-join`,
            title: 'join (append a line)',
            target: { node },
            action: { kind: 'exec', command: { sh: `sleep 0.08; echo member-${node} >> ${journalFile}` } },
            precheck: `grep -qx member-${node} ${journalFile}`,
            idempotent: false,
            dependsOn: [`${node}-config`],
          },
          {
            id: `${node}-finish`,
            title: 'finish',
            target: { node },
            action: { kind: 'exec', command: { sh: `sleep 0.05; touch ${dir}/${node}/done` } },
            precheck: `test -e ${dir}/${node}/done`,
            dependsOn: [`${node}-join`],
          },
        );
      }
      const planFile = path.join(dir, 'plan.json');
      fs.writeFileSync(planFile, JSON.stringify(localPlan(`crash-${trial}`, steps)));
      const workspace = path.join(dir, 'ws');
      const count = 1 + Math.floor(rng() * 11);
      const delayMs = Math.floor(rng() * 90);
      const first = await runChild(['apply', workspace, planFile], { count, delayMs, journalDir: path.join(workspace, 'runs') });
      const { runId } = first.lines[0] as { runId: string };
      // Commands the dead engine started keep running on the "node", as they would over SSH.
      await new Promise((r) => setTimeout(r, 300));

      let result: RunResult | undefined = first.killed ? undefined : (first.lines[1] as RunResult);
      if (first.killed) {
        stats.killed++;
        const resumed = await runChild(['resume', workspace, runId]).catch((error: Error) => {
          // Killed after the run had journaled its end: nothing left to resume, which is right.
          if (error.message.includes('already finished successfully')) return { lines: [null, { status: 'succeeded', message: 'finished before the kill' }] };
          throw error;
        });
        result = resumed.lines[1] as RunResult;
        const journal = fs.readFileSync(path.join(workspace, 'runs', runId, journalFileName), 'utf8');
        // A join that got through before the kill is found done by its precheck on resume.
        if (/"stepId":"n\d-join","state":"skipped"/.test(journal)) stats.skippedAfterCrash++;
        const rerun: string[] = [];
        for (let round = 0; round < 4 && result.status === 'failed'; round++) {
          // A join cut off before it appended: the engine refuses to guess; the admin checked and allows the re-run.
          expect(result.failure?.code, `trial ${trial}: ${result.message}`).toBe('CONFLICT');
          expect(result.failure?.message).toContain('not safe to repeat');
          const stepId = result.failure!.stepId;
          const node = stepId.split('-')[0]!;
          const members = path.join(dir, `${node}.members`);
          expect(fs.existsSync(members) ? fs.readFileSync(members, 'utf8') : '').not.toContain(`member-${node}`);
          rerun.push(stepId);
          stats.refusedThenRerun++;
          const again = await runChild(['resume', workspace, runId, rerun.join(',')]);
          result = again.lines[1] as RunResult;
        }
      }
      expect(result?.status, `trial ${trial} (kill after ${count} starts + ${delayMs} ms): ${result?.message}`).toBe('succeeded');
      for (const node of ['n1', 'n2', 'n3']) {
        expect(fs.readFileSync(path.join(dir, `${node}.members`), 'utf8'), `trial ${trial}, node ${node}`).toBe(`member-${node}\n`);
        expect(fs.existsSync(path.join(dir, node, 'done'))).toBe(true);
        expect(fs.readFileSync(path.join(dir, node, 'app.conf'), 'utf8')).toBe(`node = ${node}\n`);
      }
    }
    console.log(`crash trials: ${JSON.stringify(stats)}`);
    expect(stats.killed).toBeGreaterThanOrEqual(7);
  }, 180_000);
});
