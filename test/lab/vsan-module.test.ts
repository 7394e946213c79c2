// The vSAN stack module against the lab's vCenter simulator, below the UI: the inventory finds a VM by its id
// (its cluster and vCenter moref), the vMotion precheck never offers the witness and names the site rule a
// cross-site move goes against, and the executor never starts a second vMotion: one already running in
// vCenter (a crash, a lost connection, a cancelled wait) is followed, and a resume after the move does nothing.
import { expect, it } from 'vitest';
import { workspaceSchema, type Workspace } from '../../main/common/workspace/schema.js';
import { MemorySecretStore } from '../../main/node/secrets/index.js';
import type { VsphereClient } from '../../main/node/stacks/vsan/client/client.js';
import { VsanConnections } from '../../main/node/stacks/vsan/connections.js';
import { createVsanExecutor, MOVE_TASKS } from '../../main/node/stacks/vsan/plan.js';
import { createVsanInventory, createVsanMigration } from '../../main/node/stacks/vsan/services.js';
import { runSteps, stretchedClusterSteps } from '../../main/node/stacks/vsan/stretched-cluster.js';
import { stretchedSpecFromWorkspace } from '../../main/node/stacks/vsan/workspace-spec.js';
import { describeLab } from '../support/lab.js';
import { useVcsim, vcsimSkipReason } from '../support/vsan/simulator.js';

const node = (name: string, site: string, n: number) => ({ name, site, addresses: { mgmt: `198.18.0.${n}`, data: `198.19.0.${n}` } });

describeLab(
  'the vSAN module on the vCenter simulator',
  () => {
    const vc = useVcsim({ vmotionMs: 2000 });
    const secrets = new MemorySecretStore();
    let workspace: Workspace;
    let client: VsphereClient;
    let executor: ReturnType<typeof createVsanExecutor>;
    const logs: string[] = [];
    const ctx = (signal = new AbortController().signal) => ({ signal, timeoutMs: 60_000, log: (t: string) => void logs.push(t), runId: 'r', stepId: 'move' });

    const services = () => {
      const connections = new VsanConnections(secrets);
      const deps = { workspaces: { current: async () => ({ workspace, facts: {}, path: '/w' }), save: async () => undefined, storeFacts: async () => '' }, secrets, connections };
      return { inventory: createVsanInventory(deps), migration: createVsanMigration(deps), executor: createVsanExecutor({ connections, secrets }) };
    };
    /** vMotion tasks vCenter has for the VM, whatever their state. */
    const moveTasks = async (vm: string) => {
      const recent = (await client.properties(client.content.taskManager!, ['recentTask'])).get('recentTask')!.all('ManagedObjectReference').map((t) => t.asMoRef());
      const infos = await client.retrieve([{ propSet: [{ type: 'Task', pathSet: ['info.entity', 'info.descriptionId'] }], objectSet: recent.map((obj) => ({ obj, skip: false })) }]);
      return infos.filter((t) => t.props.get('info.entity')?.textContent === vm && (MOVE_TASKS as readonly string[]).includes(t.props.get('info.descriptionId')?.text() ?? '')).length;
    };

    it('builds a 2+2+1 stretched cluster and a VM for the module to find', async () => {
      workspace = workspaceSchema.parse({
        version: 1,
        name: 'w',
        sites: [{ name: 'a', kind: 'lan' }, { name: 'b', kind: 'man' }, { name: 'c', kind: 'wan' }],
        networks: [
          { name: 'mgmt', roles: ['management'], cidr: '198.18.0.0/16' },
          { name: 'data', roles: ['vsan'], cidr: '198.19.0.0/16' },
        ],
        nodes: [node('a1', 'a', 1), node('a2', 'a', 2), node('b1', 'b', 3), node('b2', 'b', 4), node('w1', 'c', 5)],
        vsan: {
          clusters: [
            {
              name: 'stretch-01',
              datacenter: 'DC0',
              vcenter: { endpoint: `${vc.sim.host}:${vc.sim.port}`, user: vc.username, secretId: await secrets.put(vc.password, { label: 'vc', kind: 'password' }), thumbprint: vc.sim.thumbprint },
              esxi: { passwordSecret: await secrets.put(vc.hostPassword, { label: 'esx', kind: 'password' }) },
              preferredSite: { site: 'a', hosts: ['a1', 'a2'], isolationAddress: '198.19.0.1' },
              secondarySite: { site: 'b', hosts: ['b1', 'b2'], isolationAddress: '198.19.0.3' },
              witness: { host: 'w1', site: 'c' },
              dataNetwork: 'data',
              witnessNetwork: 'mgmt',
              vmotionNetwork: 'mgmt',
            },
          ],
        },
      });
      client = await vc.connect();
      const { spec } = stretchedSpecFromWorkspace(workspace, 'stretch-01');
      spec.preferred.vms = [];
      await runSteps(stretchedClusterSteps(client, spec, { hostUser: 'root', hostPassword: vc.hostPassword, confirmThumbprint: async () => true }));
      await vc.pyvmomi('create-vm', 'stretch-01', 'a1', 'app-1', 'vsanDatastore');
      // app-1 in site a's VM group: its "should run in a" rule now applies.
      await runSteps(stretchedClusterSteps(client, { ...spec, preferred: { ...spec.preferred, vms: ['app-1'] } }, { hostUser: 'root', hostPassword: vc.hostPassword, confirmThumbprint: async () => true }));
      executor = services().executor;
    });

    it('lists the VMs per workspace node and finds one by its id alone', async () => {
      const { inventory } = services();
      const signal = new AbortController().signal;
      const vms = await inventory.list(workspace, 'stretch-01', signal);
      expect(vms).toEqual([expect.objectContaining({ stack: 'vsan', cluster: 'stretch-01', node: 'a1', name: 'app-1', status: 'running' })]);
      expect(vms[0]!.id).toMatch(/^vsan:stretch-01:vm-\d+$/);
      expect(await inventory.find(workspace, vms[0]!.id, signal)).toEqual(vms[0]);
      expect(await inventory.find(workspace, 'vsan:stretch-01:vm-999999', signal)).toBeUndefined();
      expect(await inventory.find(workspace, 'vsan:other:vm-1', signal)).toBeUndefined();
    });

    it('never offers the witness; a cross-site move names the rule it goes against', async () => {
      const { inventory, migration } = services();
      const signal = new AbortController().signal;
      const [vm] = await inventory.list(workspace, 'stretch-01', signal);
      const verdicts = await migration.precheck(workspace, vm!, ['a2', 'b1', 'w1', 'a1'], signal, {});
      expect(verdicts.map((v) => [v.node, v.allowed])).toEqual([
        ['a2', true],
        ['b1', true],
        ['w1', false],
        ['a1', false],
      ]);
      expect(verdicts[0]!.reasons).toEqual([]);
      expect(verdicts[1]!.details).toMatchObject({ stack: 'vsan', crossSite: true, sourceSite: 'a', targetSite: 'b', brokenRules: ['a VMs should run in a'] });
      expect(verdicts[1]!.reasons[0]).toMatch(/the rule "a VMs should run in a" says it should run in a/);
      expect(verdicts[2]!.reasons[0]).toMatch(/w1 is the vSAN witness host/);
    });

    it('follows a vMotion already running in vCenter instead of starting another, also after a cancelled wait', async () => {
      const { inventory, migration } = services();
      const signal = new AbortController().signal;
      const [vm] = await inventory.list(workspace, 'stretch-01', signal);
      const plan = migration.plan(workspace, vm!, { target: 'a2', online: true }, { node: 'a2', allowed: true, kind: 'live', reasons: [] });
      const step = plan.plan.steps![0]!;
      const action = step.action as { kind: 'stack'; stack: string; op: string; args: Record<string, unknown> };
      const check = step.precheck as typeof action;
      const moref = vm!.id.split(':')[2]!;
      expect(await executor.check(check, ctx())).toBe(false);
      // A first run started the vMotion, then the app died: vCenter goes on with it.
      await client.startRelocate({ type: 'VirtualMachine', value: moref }, { host: (await client.findByName('HostSystem', 'a2'))!.ref });
      expect(await moveTasks(moref)).toBe(1);
      // A wait that is cancelled leaves the vMotion running.
      const cancel = new AbortController();
      const cancelled = executor.act(action, ctx(cancel.signal));
      setTimeout(() => cancel.abort(), 300);
      await expect(cancelled).rejects.toMatchObject({ code: 'CANCELLED' });
      expect(await executor.check(check, ctx())).toBe(false);
      // Resume: it follows the same task to its end.
      logs.length = 0;
      await executor.act(action, ctx());
      expect(logs.join('\n')).toMatch(/already running in vCenter .*following it instead of starting another/);
      expect(logs.some((l) => / 100 %$/.test(l))).toBe(true);
      expect(await executor.check(check, ctx())).toBe(true);
      expect(await moveTasks(moref)).toBe(1);
      // Once there, running the step again starts nothing.
      await executor.act(action, ctx());
      expect(await moveTasks(moref)).toBe(1);
      const back = await vc.pyvmomi<{ cluster: { hosts: { name: string; vms: string[] }[] } }>('read', 'stretch-01');
      expect(back.cluster.hosts.find((h) => h.name === 'a2')?.vms).toEqual(['app-1']);
    });
  },
  { unless: vcsimSkipReason },
);
