// The vSAN stack module against the lab's vCenter simulator, below the UI: the inventory finds a VM by its id
// (its cluster and vCenter moref), the vMotion precheck never offers the witness and names the site rule a
// cross-site move goes against, and the executor never starts a second vMotion: one already running in
// vCenter (a crash, a lost connection, a cancelled wait) is followed, and a resume after the move does nothing;
// the monitor reads vSAN health, hosts and the witness, and alerts while a host is disconnected in vCenter.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import type { MonitorAlert } from '../../main/common/monitor/model.js';
import { EventBus } from '../../main/node/events.js';
import { createMonitorService } from '../../main/node/services/monitor.js';
import { vsanModule } from '../../main/node/stacks/vsan/module.js';
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
import { stretchedClusterOn, VSAN_LAB_NETWORKS, vsanNode } from '../support/vsan/stretched-workspace.js';

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
        networks: VSAN_LAB_NETWORKS,
        nodes: [vsanNode('a1', 'a', 1), vsanNode('a2', 'a', 2), vsanNode('b1', 'b', 3), vsanNode('b2', 'b', 4), vsanNode('w1', 'c', 5)],
        vsan: { clusters: [await stretchedClusterOn(vc, secrets)] },
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
    it('the monitor records vSAN health, every host and the witness; a host disconnected in vCenter raises alerts that clear on reconnect', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-monstk-'));
      const events = new EventBus();
      const seen: { name: string; alert: MonitorAlert }[] = [];
      events.subscribe((name, payload) => {
        if (name === 'monitor.alertRaised' || name === 'monitor.alertCleared') seen.push({ name, alert: payload as MonitorAlert });
      });
      const module = vsanModule.create({ events, secrets, workspaces: { current: async () => ({ workspace, facts: {}, path: path.join(dir, 'w.yaml') }), save: async () => undefined, storeFacts: async () => '' }, options: {} });
      const monitor = createMonitorService({
        events,
        current: async () => ({ workspace: { ...workspace, networks: [] }, path: path.join(dir, 'w.yaml') }),
        nodeRunner: () => ({ kind: 'none', runsOnNodes: false, exec: () => Promise.reject(new Error('no node is asked: no networks to ping')) }),
        discoveries: [module.discovery!],
      });
      const waitFor = async (what: string, found: () => boolean | Promise<boolean>) => {
        const deadline = Date.now() + 30_000;
        while (!(await found())) {
          if (Date.now() > deadline) throw new Error(`the monitor did not see ${what} within 30 s (events: ${JSON.stringify(seen.map((e) => [e.name, e.alert.subject, e.alert.severity]))})`);
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      const b2 = (await client.findByName('HostSystem', 'b2'))!.ref;
      try {
        await monitor.handlers['monitor.start']({ intervalS: 1 }, {} as never);
        await waitFor('a first round', async () => (await monitor.handlers['monitor.status']({}, {} as never)).rounds >= 1);
        const [first] = (await monitor.handlers['monitor.history']({}, {} as never)).rounds[0]!.clusters;
        expect(first).toMatchObject({ stack: 'vsan', cluster: 'stretch-01', reachable: true, health: { status: 'green', level: 'ok' } });
        expect(first!.services!.map((x) => [x.kind, x.name, x.state, x.level])).toEqual([
          ['host', 'a1', 'connected', 'ok'],
          ['host', 'a2', 'connected', 'ok'],
          ['host', 'b1', 'connected', 'ok'],
          ['host', 'b2', 'connected', 'ok'],
          ['witness', 'w1', 'connected', 'ok'],
        ]);
        expect(first!.apis).toEqual([expect.objectContaining({ name: 'vCenter', reachable: true })]);
        expect(seen).toEqual([]);

        const since = Date.now();
        await client.runTask('vim', 'DisconnectHost_Task', b2, {});
        await waitFor('b2 disconnected and vSAN health red', () => ['cluster/vsan/stretch-01/host/b2', 'cluster/vsan/stretch-01'].every((subject) => seen.some((e) => e.name === 'monitor.alertRaised' && e.alert.subject === subject && e.alert.severity === 'error')));
        const health = seen.find((e) => e.alert.kind === 'health')!.alert;
        expect(health.message).toBe('stretch-01: health red — Network: Hosts disconnected from VC (red)');
        const during = (await monitor.handlers['monitor.history']({ sinceMs: since }, {} as never)).rounds.at(-1)!.clusters[0]!;
        expect(during.services!.find((x) => x.name === 'b2')).toMatchObject({ state: 'disconnected', level: 'error' });
        expect(monitor.exposition()).toContain('vmware_host_connection_state{cluster_name="stretch-01",host_name="b2",role="host",state="disconnected"} 1\n');
        expect(monitor.exposition()).toContain('clusterwright_vsan_cluster_health{cluster="stretch-01",status="red"} 1\n');

        await client.runTask('vim', 'ReconnectHost_Task', b2, {});
        await waitFor('both alerts cleared', async () => (await monitor.handlers['monitor.status']({}, {} as never)).alerts.length === 0 && seen.filter((e) => e.name === 'monitor.alertCleared').length === 2);
        expect(seen.filter((e) => e.name === 'monitor.alertCleared').map((e) => e.alert.kind).sort()).toEqual(['health', 'service']);
      } finally {
        await monitor.close();
        await client.runTask('vim', 'ReconnectHost_Task', b2, {}).catch(() => undefined);
        await module.close?.();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  },
  { unless: vcsimSkipReason },
);
