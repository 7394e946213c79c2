import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { PlanPreview, RunInfo, RunResult } from '../../common/contract/plan.js';
import type { PlanInput } from '../../common/plan/schema.js';
import { runCli } from '../cli/index.js';
import type { CliIO } from '../cli/types.js';
import { sshdAvailable, startSshd } from '../ssh/testing/openssh-server.js';
import { localPlan, tempDir } from './test-helpers.js';

function capture(isTTY = false) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (t) => out.push(t), err: (t) => err.push(t), isTTY, distDir: '/nonexistent', env: { PATH: process.env.PATH } };
  return { io, out, err, text: () => out.join('\n'), errors: () => err.join('\n') };
}

function writePlan(dir: string, plan: PlanInput, name = 'plan.yaml'): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, name.endsWith('.json') ? JSON.stringify(plan) : stringify(plan));
  return file;
}

function demoPlan(dir: string): PlanInput {
  return localPlan('cli-demo', [
    { id: 'make', title: 'make a folder', target: { node: 'n1' }, action: { kind: 'exec', command: { argv: ['mkdir', '-p', `${dir}/srv`] } }, precheck: { kind: 'exec', command: { argv: ['test', '-d', `${dir}/srv`] } } },
    { id: 'conf', title: 'write config', target: { node: 'n2' }, action: { kind: 'upload', path: `${dir}/srv/app.conf`, content: 'x = 1\n' }, dependsOn: ['make'] },
    {
      id: 'drop',
      title: 'remove the stale file',
      target: { node: 'n1' },
      action: { kind: 'exec', command: { argv: ['rm', '-f', `${dir}/stale`] } },
      precheck: { kind: 'exec', command: { sh: `! test -e '${dir}/stale'` } },
      destructive: true,
      dependsOn: ['make'],
    },
  ]);
}

describe('clusterwright plan / apply / resume / status', () => {
  it('previews a plan file as text and as JSON, and writes exports', async () => {
    const dir = tempDir('cw-cli-plan-');
    fs.writeFileSync(`${dir}/stale`, 'old');
    const file = writePlan(dir, demoPlan(dir));
    const ws = path.join(dir, 'ws');
    const text = capture();
    expect(await runCli(['plan', file, '--workspace', ws], text.io)).toBe(0);
    expect(text.text()).toContain('● drop — remove the stale file [node n1] DESTRUCTIVE');
    expect(text.text()).toContain(`$ rm -f ${dir}/stale`);
    expect(text.text()).toContain(`+++ b${dir}/srv/app.conf`);
    const json = capture();
    expect(await runCli(['plan', file, '--json', '--workspace', ws], json.io)).toBe(0);
    const preview = JSON.parse(json.text()) as PlanPreview;
    expect(preview).toMatchObject({ planId: 'cli-demo', approved: false, destructiveSteps: ['drop'] });
    const exported = capture();
    expect(await runCli(['plan', file, '--export', 'shell', '--out', `${dir}/out`, '--workspace', ws], exported.io)).toBe(0);
    expect(fs.statSync(`${dir}/out/cli-demo.sh`).mode & 0o111).not.toBe(0);
    expect(await runCli(['plan', file, '--export', 'ansible', '--out', `${dir}/out`, '--workspace', ws], capture().io)).toBe(0);
    expect(fs.existsSync(`${dir}/out/cli-demo.playbook.yml`)).toBe(true);
  });

  it('exits 64 for a missing plan file and 2 for a plan that does not validate', async () => {
    const dir = tempDir('cw-cli-bad-');
    const missing = capture();
    expect(await runCli(['plan', `${dir}/nope.yaml`], missing.io)).toBe(64);
    expect(missing.errors()).toContain('does not exist');
    const file = writePlan(dir, localPlan('bad', [{ id: 'a', title: 'a', target: { node: 'n1' }, action: { kind: 'exec', command: 'true' }, dependsOn: ['ghost'] }]));
    const bad = capture();
    expect(await runCli(['plan', file, '--workspace', `${dir}/ws`], bad.io)).toBe(2);
    expect(bad.errors()).toContain('Step "a" depends on "ghost", which is not in the plan.');
  });

  it('refuses destructive steps without --approve-destructive, then applies, then reports nothing changed', async () => {
    const dir = tempDir('cw-cli-apply-');
    fs.writeFileSync(`${dir}/stale`, 'old');
    const file = writePlan(dir, demoPlan(dir), 'plan.json');
    const ws = path.join(dir, 'ws');
    const refused = capture();
    expect(await runCli(['apply', file, '--workspace', ws], refused.io)).toBe(1);
    expect(refused.errors()).toContain('--approve-destructive');
    expect(fs.existsSync(`${dir}/stale`)).toBe(true);
    expect(fs.existsSync(`${dir}/srv`)).toBe(false);

    const plain = capture();
    expect(await runCli(['apply', file, '--approve-destructive', '--workspace', ws], plain.io)).toBe(0);
    expect(fs.existsSync(`${dir}/stale`)).toBe(false);
    expect(plain.text()).toMatch(/^\[\d\/3\] make on node n1: succeeded$/m);
    expect(plain.text()).toContain('Plan "cli-demo" applied: 3 steps changed something, 0 were already done.');

    const again = capture();
    expect(await runCli(['apply', file, '--json', '--workspace', ws], again.io)).toBe(0);
    const result = JSON.parse(again.text()) as RunResult;
    expect(result).toMatchObject({ status: 'succeeded', nothingChanged: true, changed: 0, skipped: 3 });

    const status = capture();
    expect(await runCli(['status', '--json', '--workspace', ws], status.io)).toBe(0);
    const runs = JSON.parse(status.text()) as RunInfo[];
    expect(runs).toHaveLength(2);
    expect(runs.every((r) => r.status === 'succeeded')).toBe(true);
    const one = capture();
    expect(await runCli(['status', runs[0]!.runId, '--workspace', ws], one.io)).toBe(0);
    expect(one.text()).toContain(`Run ${runs[0]!.runId}: succeeded`);
  });

  it('draws a progress bar on a terminal', async () => {
    const dir = tempDir('cw-cli-tty-');
    const file = writePlan(dir, localPlan('tty', [{ id: 'one', title: 'one', target: { node: 'n1' }, action: { kind: 'exec', command: 'echo hello' } }]));
    const tty = capture(true);
    expect(await runCli(['apply', file, '--workspace', `${dir}/ws`], tty.io)).toBe(0);
    expect(tty.text()).toContain('[##############################] 1/1');
    expect(tty.text()).toContain('\x1b[1A\x1b[2K');
    expect(tty.text()).toContain('one| hello');
  });

  it('exits 3 when an endpoint is unreachable and 1 when a command fails; resume by journal path finishes the run', async () => {
    const dir = tempDir('cw-cli-fail-');
    const ws = path.join(dir, 'ws');
    const unreachable: PlanInput = {
      id: 'unreachable',
      title: 'closed port',
      apis: { dead: { baseUrl: 'http://127.0.0.1:9/' } },
      steps: [{ id: 'call', title: 'call a dead API', target: { api: 'dead' }, action: { kind: 'api', request: { method: 'GET', path: '/x' } } }],
    };
    const down = capture();
    expect(await runCli(['apply', writePlan(dir, unreachable, 'u.yaml'), '--workspace', ws], down.io)).toBe(3);
    expect(down.text()).toMatch(/Step "call" on API dead( failed)?:/);

    const flag = `${dir}/flag`;
    const failing = writePlan(dir, localPlan('fails', [{ id: 'needs-flag', title: 'needs the flag', target: { node: 'n1' }, action: { kind: 'exec', command: `test -e ${flag}` } }]), 'f.yaml');
    const failed = capture();
    expect(await runCli(['apply', failing, '--json', '--workspace', ws], failed.io)).toBe(1);
    const result = JSON.parse(failed.text()) as RunResult;
    expect(result.failure).toMatchObject({ stepId: 'needs-flag', target: 'node n1', code: 'REMOTE_FAILED' });
    fs.writeFileSync(flag, '');
    const resumed = capture();
    expect(await runCli(['resume', path.join(ws, 'runs', result.runId, 'journal.jsonl')], resumed.io)).toBe(0);
    expect(resumed.text()).toContain('applied: 1 steps changed something');
    const again = capture();
    expect(await runCli(['resume', result.runId, '--workspace', ws], again.io)).toBe(1);
    expect(again.errors()).toContain('already finished successfully');
  });
});

describe.skipIf(sshdAvailable() !== null)('clusterwright apply over SSH (real sshd on 127.0.0.1)', () => {
  it('refuses an unknown host key at once, showing its fingerprint, and pins it with --accept-new', async () => {
    const sshd = await startSshd();
    const home = tempDir('cw-cli-home-');
    fs.mkdirSync(path.join(home, '.ssh'), { mode: 0o700 });
    fs.copyFileSync(sshd.clientKeyFile, path.join(home, '.ssh', 'id_ed25519'));
    fs.chmodSync(path.join(home, '.ssh', 'id_ed25519'), 0o600);
    const saved = { HOME: process.env.HOME, CLUSTERWRIGHT_HOME: process.env.CLUSTERWRIGHT_HOME, SSH_AUTH_SOCK: process.env.SSH_AUTH_SOCK };
    process.env.HOME = home;
    process.env.CLUSTERWRIGHT_HOME = path.join(home, 'data');
    delete process.env.SSH_AUTH_SOCK;
    try {
      const marker = path.join(home, 'marker');
      const plan: PlanInput = {
        id: 'cli-ssh',
        title: 'over ssh',
        nodes: { pve1: { address: sshd.host, port: sshd.port, user: sshd.user } },
        steps: [{ id: 'touch', title: 'touch', target: { node: 'pve1' }, action: { kind: 'exec', command: { argv: ['touch', marker] } }, precheck: { kind: 'exec', command: { argv: ['test', '-e', marker] } } }],
      };
      const file = writePlan(home, plan);
      const ws = path.join(home, 'ws');
      const refused = capture();
      const started = Date.now();
      expect(await runCli(['apply', file, '--workspace', ws], refused.io)).toBe(4);
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(refused.errors()).toContain(sshd.hostKeyFingerprints.ed25519!);
      expect(refused.errors()).toContain('--accept-new');
      expect(fs.existsSync(marker)).toBe(false);

      const pinned = capture();
      expect(await runCli(['apply', file, '--accept-new', '--workspace', ws], pinned.io)).toBe(0);
      expect(fs.existsSync(marker)).toBe(true);
      const again = capture();
      expect(await runCli(['apply', file, '--json', '--workspace', ws], again.io)).toBe(0);
      expect((JSON.parse(again.text()) as RunResult).nothingChanged).toBe(true);
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
      await sshd.stop();
    }
  }, 60_000);
});
