// OpenStack on the I/O side: one cloud (Keystone session and per-region clients) per workspace Keystone block,
// shared by its contract methods (openstack.*), the inventory (servers per region), the moves (live migration
// inside a region, cold copy between regions) and the executor of their plan operations, the catalog's
// registration, the Kolla-Ansible deploy and the inter-region VPN; the lab's real Keystone and nova on 127.0.0.1.
import { openstackStack } from '../../../common/stacks/openstack/definition.js';
import type { StackExecutor } from '../../engine/stack-ops.js';
import type { StackModule } from '../types.js';
import { createOpenstackClouds } from './cloud.js';
import { createRegistrationExecutor, isRegistrationOp, openstackHandlers } from './handlers.js';
import { createOpenstackInventory } from './inventory.js';
import { createKollaExecutor, isKollaOp } from './kolla-deploy.js';
import { openstackLab } from './lab.js';
import { createOpenstackMoves } from './migration.js';
import { monitorOpenstack } from './monitor.js';
import { createVpnExecutor, isVpnOp } from './vpn.js';

/** What `createCore({ stackOptions: { openstack: … } })` may set. */
export interface OpenstackOptions {
  pollMs?: number;
  migrateTimeoutMs?: number;
  /** How long the monitor waits for Keystone and nova (ms, default 10 s). */
  monitorTimeoutMs?: number;
  /** A token slower than this raises a warning (ms, default 2 s). */
  keystoneWarnMs?: number;
}

export const openstackModule: StackModule = {
  definition: openstackStack,
  lab: openstackLab,
  create(deps) {
    const options = deps.options as OpenstackOptions;
    const clouds = createOpenstackClouds(deps.secrets);
    const { migration, executor: moves } = createOpenstackMoves({
      clouds,
      workspaces: deps.workspaces,
      ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
      ...(options.migrateTimeoutMs !== undefined ? { migrateTimeoutMs: options.migrateTimeoutMs } : {}),
    });
    const registration = createRegistrationExecutor(clouds, deps.workspaces);
    // The monitor's own sessions: short timeouts, and its fresh token each round leaves the others' cached ones alone.
    const monitorClouds = createOpenstackClouds(deps.secrets, { timeoutMs: options.monitorTimeoutMs ?? 10_000 });
    const kolla = createKollaExecutor();
    const vpn = createVpnExecutor(clouds, deps.workspaces, deps.secrets);
    const pick = (op: string) => (isRegistrationOp(op) ? registration : isKollaOp(op) ? kolla : isVpnOp(op) ? vpn : moves);
    const executor: StackExecutor = {
      describe: (c) => pick(c.op).describe(c),
      command: (c) => pick(c.op).command?.(c),
      act: (c, ctx) => pick(c.op).act(c, ctx),
      check: (c, ctx) => pick(c.op).check(c, ctx),
    };
    return {
      handlers: openstackHandlers({ workspaces: deps.workspaces, clouds }),
      inventory: createOpenstackInventory(clouds),
      migration,
      executor,
      discovery: { monitor: (workspace) => monitorOpenstack(workspace, monitorClouds, options.keystoneWarnMs !== undefined ? { keystoneWarnMs: options.keystoneWarnMs } : {}) },
      close: async () => {
        await clouds.close();
        await monitorClouds.close();
      },
    };
  },
};
