// OpenStack lab tests' harness: skips a file (with the reason) where the Debian packages are missing unless
// CW_REQUIRE_LAB=1, and starts the real services for a file in beforeAll and stops them in afterAll.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { openstackLabSkipReason, startOpenstackLab, type OpenstackLab, type OpenstackLabSpec } from '../../../main/node/stacks/openstack/lab/index.js';
import { connectCloud, type Cloud } from '../../../main/node/stacks/openstack/client/index.js';

export const openstackSkipReason = openstackLabSkipReason();

export interface OpenstackLabHandle {
  readonly lab: OpenstackLab;
  /** Clients as the bootstrap admin; request lines are collected in `log`. */
  readonly admin: Cloud;
  readonly log: string[];
}

/** Starts the lab before the file's tests and stops it after them, even when a test failed. */
export function useOpenstackLab(spec: OpenstackLabSpec): OpenstackLabHandle {
  let lab: OpenstackLab | undefined;
  let admin: Cloud | undefined;
  const log: string[] = [];
  let failed = false;
  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') failed = true;
  });
  beforeAll(async () => {
    lab = await startOpenstackLab({ maxSeconds: 900, ...spec });
    admin = connectCloud({
      authUrl: lab.keystone.url,
      credentials: { kind: 'password', user: { name: lab.admin.username, domain: { id: 'default' } }, password: lab.admin.password, scope: { project: { name: lab.admin.project, domain: { id: 'default' } } } },
      log: (line) => log.push(line),
      timeoutMs: 60_000,
    });
  }, 240_000);
  afterAll(async () => {
    await admin?.close();
    if (lab) {
      const dir = lab.dir;
      // After a failure the services' logs go to test-results/ for the post-mortem; the lab folder still goes.
      const keepLogsIn = failed ? path.resolve('test-results', `openstack-lab-${new Date().toISOString().replace(/[:.]/g, '-')}`) : undefined;
      await lab.stop({ keepLogsIn });
      if (keepLogsIn) console.log(`OpenStack lab logs kept in ${keepLogsIn}`);
      if (fs.existsSync(dir)) throw new Error(`The OpenStack lab left its folder ${dir} behind.`);
    }
  }, 60_000);
  return {
    get lab(): OpenstackLab {
      if (!lab) throw new Error('The OpenStack lab is not up (its beforeAll failed or has not run).');
      return lab;
    },
    get admin(): Cloud {
      if (!admin) throw new Error('The OpenStack lab is not up (its beforeAll failed or has not run).');
      return admin;
    },
    log,
  };
}
