// Runs Proxmox plans through the real plan engine over SSH to lab hosts (the lab's client key, its known_hosts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { JobLog, RunResult } from '../../../main/common/contract/plan.js';
import type { PlanInput } from '../../../main/common/plan/schema.js';
import { secretEnvName } from '../../../main/common/plan/secrets.js';
import { PlanEngine } from '../../../main/node/engine/engine.js';
import { EnvSecretResolver } from '../../../main/node/engine/render.js';
import { SshStepRunner } from '../../../main/node/engine/ssh-runner.js';
import type { Lab } from '../../../main/node/lab/index.js';
import { directTarget, testEngine, type TestEngine } from '../../../main/node/ssh/testing/engine-helpers.js';

export interface LabPlanRunner {
  /** Applies the plan; `secrets` maps secret ids to values. */
  apply(plan: PlanInput, logs?: JobLog[]): Promise<RunResult>;
  close(): Promise<void>;
}

export function labPlanRunner(lab: Lab, secrets: Record<string, string>): LabPlanRunner {
  const ssh: TestEngine = testEngine({ knownHostsFiles: [lab.knownHostsPath], readyTimeoutMs: 5000 });
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-pve-plan-ws-'));
  const env = Object.fromEntries(Object.entries(secrets).map(([id, value]) => [secretEnvName(id), value]));
  return {
    apply(plan, logs = []) {
      const runner = new SshStepRunner(ssh.engine, (node) => {
        const host = lab.host(node.node);
        return directTarget(host.addresses.management!, host.sshPort, 'root', [{ kind: 'privateKey', identityFile: lab.clientKeyPath }]);
      });
      return new PlanEngine({ runner, secrets: new EnvSecretResolver(env), workspaceDir: workspace, sink: { log: (l) => void logs.push(l) } }).apply(plan).done;
    },
    async close() {
      await ssh.engine.closeAll();
      fs.rmSync(workspace, { recursive: true, force: true });
    },
  };
}
