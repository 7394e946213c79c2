import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlanInput } from '../../common/plan/schema.js';
import { sshdAvailable, startSshd, type SshdFixture } from '../ssh/testing/openssh-server.js';
import { directTarget, ScriptedPrompter, testEngine, type TestEngine } from '../ssh/testing/engine-helpers.js';
import { PlanEngine } from './engine.js';
import { previewPlan } from './preview.js';
import { EnvSecretResolver } from './render.js';
import { SshStepRunner } from './ssh-runner.js';
import { EventRecorder, readTree, tempDir } from './test-helpers.js';

const unavailable = sshdAvailable();

describe.skipIf(unavailable !== null)('SSH runner against a real sshd on 127.0.0.1', () => {
  let sshd: SshdFixture;
  let ssh: TestEngine;
  let runner: SshStepRunner;

  beforeAll(async () => {
    sshd = await startSshd();
    ssh = testEngine({ prompter: new ScriptedPrompter('pin') });
    runner = new SshStepRunner(ssh.engine, () => directTarget(sshd.host, sshd.port, sshd.user, [{ kind: 'privateKey', identityFile: sshd.clientKeyFile }]));
  }, 30_000);
  afterAll(async () => {
    await ssh?.engine.closeAll();
    await sshd?.stop();
  });

  it('applies a plan over SSH (exec, upload with mode, wait), then finds everything done', async () => {
    const dir = tempDir('cw-ssh-plan-');
    const secret = "ssh-s3cret-'q'";
    const plan: PlanInput = {
      id: 'over-ssh',
      title: 'over ssh',
      nodes: { pve1: { address: sshd.host, port: sshd.port, user: sshd.user } },
      steps: [
        { id: 'mk', title: 'folder', target: { node: 'pve1' }, action: { kind: 'exec', command: { argv: ['mkdir', '-p', `${dir}/etc`] } }, precheck: { kind: 'exec', command: { argv: ['test', '-d', `${dir}/etc`] } } },
        { id: 'conf', title: 'config', target: { node: 'pve1' }, action: { kind: 'upload', path: `${dir}/etc/corosync.conf`, content: ['totem {\n  secret: ', { secretRef: 'key' }, '\n}\n'], mode: '0600' }, dependsOn: ['mk'] },
        { id: 'echo', title: 'print', target: { node: 'pve1' }, action: { kind: 'exec', command: { sh: 'for i in 1 2 3; do echo line $i; done; echo "$K" >&2', env: { K: { secretRef: 'key' } } } }, precheck: `test -e ${dir}/echoed`, verify: `touch ${dir}/echoed` },
        { id: 'wait', title: 'wait', target: { node: 'pve1' }, action: { kind: 'wait', until: `test -e ${dir}/echoed`, intervalMs: 50, deadlineMs: 5000 }, dependsOn: ['echo'] },
      ],
    };
    const sink = new EventRecorder();
    const workspaceDir = tempDir();
    const engine = new PlanEngine({ runner, secrets: new EnvSecretResolver({ CW_SECRET_KEY: secret }), workspaceDir, sink });
    const preview = await previewPlan(plan, { runner, secrets: new EnvSecretResolver({ CW_SECRET_KEY: secret }), approval: null });
    expect(preview.steps.find((s) => s.id === 'conf')?.upload?.exists).toBe(false);
    const first = await engine.apply(plan).done;
    expect(first.status, first.message).toBe('succeeded');
    expect(fs.readFileSync(`${dir}/etc/corosync.conf`, 'utf8')).toBe(`totem {\n  secret: ${secret}\n}\n`);
    expect(fs.statSync(`${dir}/etc/corosync.conf`).mode & 0o777).toBe(0o600);
    expect(sink.logs.filter((l) => l.stepId === 'echo' && l.stream === 'stdout').map((l) => l.text)).toEqual(['line 1', 'line 2', 'line 3']);
    expect(sink.logs.some((l) => l.stream === 'stderr' && l.text === '«secret:key»')).toBe(true);
    const second = await engine.apply(plan).done;
    expect(second).toMatchObject({ status: 'succeeded', nothingChanged: true });
    expect(readTree(workspaceDir)).not.toContain(secret);
    expect(JSON.stringify(sink)).not.toContain(secret);
  }, 60_000);

  it('reports an unreachable node as a transient fault before the command started', async () => {
    const dead = new SshStepRunner(ssh.engine, () => directTarget('127.0.0.1', 9, sshd.user, [{ kind: 'privateKey', identityFile: sshd.clientKeyFile }]));
    await expect(dead.exec({ node: 'gone' }, 'true', { signal: new AbortController().signal, timeoutMs: 5000 })).rejects.toMatchObject({ code: 'UNREACHABLE', detail: expect.objectContaining({ notStarted: true }) });
    expect(path.isAbsolute(sshd.dir)).toBe(true);
  }, 30_000);
});
