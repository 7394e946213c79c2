// The Proxmox cluster plan run by the engine over real SSH on the lab: three nodes, two sites, two
// links, built by `pvesh` on each node against its Proxmox test server; a second run changes nothing.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { JobLog } from '../../main/common/contract/plan.js';
import { PveApiSchema } from '../../main/node/stacks/proxmox/api-schema.js';
import { proxmoxClusterPlan } from '../../main/node/stacks/proxmox/plan.js';
import { installPveStandIns } from '../../main/node/stacks/proxmox/simulator/stand-ins.js';
import { describeLab, useLab } from '../support/lab.js';
import { labPlanRunner, type LabPlanRunner } from '../support/proxmox/engine.js';
import { startLabPve, type LabPve } from '../../main/node/stacks/proxmox/simulator/lab.js';

const spec = `
name: pve-plan
sites:
  - name: a
    hosts: [a1, a2]
  - name: b
    hosts: [b1]
    link: man
`;
const hosts = ['a1', 'a2', 'b1'];
const schema = new PveApiSchema();
const notes: string[] = [];
let pve: LabPve | undefined;
let runner: LabPlanRunner | undefined;
let workDir = '';

describeLab('Proxmox cluster plan through the engine on the lab', () => {
  const handle = useLab(spec, 'cwpp');

  beforeAll(async () => {
    const lab = handle.lab;
    workDir = fs.mkdtempSync('/var/tmp/cw-pve-plan-');
    pve = await startLabPve(lab, hosts, { schema, workDir });
    await installPveStandIns(lab.binDir, path.join(workDir, 'pmxcfs'));
    runner = labPlanRunner(lab, { 'pve-root': pve.rootPassword });
  }, 60_000);

  afterAll(async () => {
    await runner?.close();
    const violations = Object.values(pve?.servers ?? {}).flatMap((x) => x.violations);
    const served = Object.values(pve?.servers ?? {}).reduce((s, x) => s + x.counts.requests, 0);
    console.log(`Proxmox plan suite: the test servers validated ${served} requests (from pvesh on the nodes and server-to-server joins) and their replies against the official schema, ${violations.length} violations\n  ${notes.join('\n  ')}`);
    await pve?.stop();
    expect(violations).toEqual([]);
  }, 60_000);

  const run = (plan: ReturnType<typeof proxmoxClusterPlan>, logs: JobLog[]) => runner!.apply(plan, logs);

  function planFor() {
    const lab = handle.lab;
    return proxmoxClusterPlan({
      clusterName: 'planned',
      nodes: hosts.map((h) => ({ name: h, ssh: { address: lab.host(h).addresses.management! }, links: [...lab.host(h).addressList] })),
      linkPriorities: [20, 10],
      fingerprint: pve!.servers.a1!.certificateFingerprint,
      rootPasswordSecret: 'pve-root',
      ha: { release: '9.1', name: 'keep-on-a', resources: [], nodes: ['a1', 'a2'] },
      // Migration traffic over the second network (datacenter.cfg).
      migrationNetwork: lab.describe().networks.find((n) => n.corosyncLink === 1)!.cidr,
    });
  }

  it('refuses, in its checks, a joiner that holds a guest — saying why and what to do — before changing anything', async () => {
    const lab = handle.lab;
    pve!.servers.b1!.addGuest({ vmid: 200, name: 'stray', memoryMiB: 256, cores: 1, running: false, disks: [] });
    const result = await run(planFor(), []);
    expect(result.status).toBe('failed');
    expect(result.failure?.stepId).toBe('check-b1');
    expect(result.failure?.message).toMatch(/b1 holds guests; Proxmox refuses to join a node with guests\. Back them up and remove them \(or migrate them away\) first\./);
    // create depends on every check: nothing was created anywhere.
    for (const h of hosts) expect((await lab.exec(h, ['test', '-e', '/etc/corosync/corosync.conf'])).code, h).not.toBe(0);
    pve!.servers.b1!.pmxcfs.remove('nodes/b1/qemu-server/200.json');
  }, 120_000);

  it('refuses a node whose hostname is not its workspace name, or whose name does not resolve to its own address', async () => {
    const lab = handle.lab;
    await lab.execOk('a2', ['hostname', 'a2-old']);
    try {
      const result = await run(planFor(), []);
      expect(result.status).toBe('failed');
      expect(result.failure?.stepId).toBe('check-a2');
      expect(result.failure?.message).toMatch(/a2's hostname is a2-old, but the workspace calls it a2: set the final hostname before it joins a cluster/);
    } finally {
      await lab.execOk('a2', ['hostname', 'a2']);
    }
    // /etc/hosts (the host's own copy) sends b1 to loopback: pve-cluster would refuse it.
    const saved = (await lab.execOk('b1', ['cat', '/etc/hosts'])).stdout;
    await lab.execOk('b1', ['sh', '-c', 'cat > /etc/hosts'], { input: saved.replace(/^\S+\tb1$/m, '127.0.1.1\tb1') });
    try {
      const result = await run(planFor(), []);
      expect(result.failure?.stepId).toBe('check-b1');
      expect(result.failure?.message).toMatch(/b1 does not resolve to one of its own non-loopback addresses \(got '127\.0\.1\.1'\)/);
    } finally {
      await lab.execOk('b1', ['sh', '-c', 'cat > /etc/hosts'], { input: saved });
    }
    for (const h of hosts) expect((await lab.exec(h, ['test', '-e', '/etc/corosync/corosync.conf'])).code, h).not.toBe(0);
  }, 120_000);

  it('builds the three-node cluster: checks, create, joins, quorum, HA rule', async () => {
    const logs: JobLog[] = [];
    const started = Date.now();
    const result = await run(planFor(), logs);
    notes.push(`apply: ${result.status} in ${Date.now() - started} ms, ${result.changed} steps ran; ${result.message}`);
    expect(result.status, `${result.message} ${JSON.stringify(result.failure)}`).toBe('succeeded');
    // 3 checks, create, 2 joins, migration network, HA rule; the quorum and stability waits are skipped when already true.
    expect(result.changed + result.skipped).toBe(10);
    expect(result.changed).toBeGreaterThanOrEqual(8);
    const options = await pve!.client('a2').get<{ migration?: { type: string; network?: string } }>('/cluster/options');
    expect(options.migration).toEqual({ type: 'secure', network: handle.lab.describe().networks.find((n) => n.corosyncLink === 1)!.cidr });
    const status = await pve!.client('b1').get<{ type: string; quorate?: number; online?: number }[]>('/cluster/status');
    expect(status[0]).toMatchObject({ type: 'cluster', name: 'planned', quorate: 1, nodes: 3 });
    expect(status.filter((e) => e.type === 'node' && e.online)).toHaveLength(3);
    expect(JSON.stringify(logs)).not.toContain(pve!.rootPassword);
    // The lab hosts run no time service: the checks say so in the step's log, without failing.
    expect(logs.some((l) => l.stepId === "check-a1" && /warning: no time synchronisation service found on a1/.test(l.text))).toBe(true);
  }, 240_000);

  it('changes nothing when the same plan runs again', async () => {
    const started = Date.now();
    const result = await run(planFor(), []);
    notes.push(`re-run: ${result.status} in ${Date.now() - started} ms, ${result.skipped} skipped, nothingChanged=${result.nothingChanged}`);
    expect(result.status).toBe('succeeded');
    expect(result.changed).toBe(0);
    expect(result.skipped).toBe(10);
    expect(result.nothingChanged).toBe(true);
  }, 120_000);
});
