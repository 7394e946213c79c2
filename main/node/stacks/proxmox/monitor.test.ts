// The Proxmox monitoring round beyond quorum: the HA manager's status (as the simulator builds it, checked
// against the official schema) read through the API beside corosync-quorumtool on a member, the QDevice's vote
// against the workspace's QDevice, and an API that does not answer said as such — each turned into alerts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { conditionsOf } from '../../../common/monitor/model.js';
import { parseWorkspace } from '../../../common/workspace/parse.js';
import type { RemoteRunner, RunResult } from '../../workspace/runner.js';
import { PveApiSchema } from './api-schema.js';
import { monitorProxmox } from './monitor.js';
import { haStatusCurrent } from './simulator/ha-status.js';
import { PmxcfsDir } from './simulator/pmxcfs.js';

const workspace = parseWorkspace(`version: 1
name: mon
sites:
  - { name: a, kind: lan }
  - { name: b, kind: lan }
networks:
  - { name: ring0, roles: [corosync], cidr: 10.9.0.0/24 }
nodes:
  - { name: a1, site: a, addresses: { ring0: 10.9.0.1 } }
  - { name: a2, site: a, addresses: { ring0: 10.9.0.2 } }
  - { name: b1, site: b, addresses: { ring0: 10.9.0.3 } }
  - { name: q1, site: b, addresses: { ring0: 10.9.0.4 } }
proxmox:
  clusters:
    - { name: lab, nodes: [a1, a2, b1], links: [{ link: 0, network: ring0 }], qdevice: { host: q1 } }
`).workspace!;

const quorumtool = (qdevice: boolean) => `Quorum information
------------------
Quorum provider:  corosync_votequorum
Nodes:            3
Node ID:          1
Ring ID:          1.9
Quorate:          Yes

Votequorum information
----------------------
Expected votes:   4
Highest expected: 4
Total votes:      ${qdevice ? 4 : 3}
Quorum:           3
Flags:            Quorate ${qdevice ? 'Qdevice ' : ''}

Membership information
----------------------
    Nodeid      Votes    Qdevice Name
         1          1    A,V,NMW a1 (local)
         2          1    A,V,NMW a2
         3          1    A,V,NMW b1
${qdevice ? '         0          1            Qdevice\n' : ''}`;

class Runner implements RemoteRunner {
  readonly kind = 'scripted';
  readonly runsOnNodes = true;
  constructor(private readonly qdevice: boolean) {}
  async exec(_node: string, argv: readonly string[]): Promise<RunResult> {
    if (argv[0] === 'corosync-quorumtool') return { code: 0, stdout: quorumtool(this.qdevice), stderr: '' };
    return { code: 1, stdout: '', stderr: 'not here' };
  }
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** The HA status the Proxmox simulator serves: vm:101 in error on a2, b1's LRM dead. */
function simulatedHa(): Record<string, unknown>[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-monstk-pmxcfs-'));
  dirs.push(dir);
  const cfs = new PmxcfsDir(dir);
  cfs.putGuest('a1', { vmid: 100, name: 'web', memoryMiB: 256, cores: 1, running: true, disks: [] });
  cfs.putGuest('a2', { vmid: 101, name: 'db', memoryMiB: 256, cores: 1, running: false, disks: [] });
  cfs.writeJson('ha/resources.json', [{ sid: 'vm:100', state: 'started' }, { sid: 'vm:101', state: 'started' }]);
  cfs.writeJson('ha/manager_status.json', { service_status: { 'vm:101': { state: 'error', node: 'a2' } } });
  const now = 1_800_000_000;
  const out = haStatusCurrent(cfs, {
    nodeName: 'a1',
    release: '9.1',
    quorate: true,
    members: [
      { name: 'a1', online: true },
      { name: 'a2', online: true },
      { name: 'b1', online: false },
    ],
    lrmTimestamp: (n) => (n === 'b1' ? now - 300 : now - 2),
    now,
  });
  expect(new PveApiSchema().validateResponse('GET', '/cluster/ha/status/current', out).issues).toEqual([]);
  return out;
}

describe('the Proxmox monitoring round', () => {
  it('records the HA manager and the QDevice beside quorum, and alerts on a resource in error, a dead LRM and a silent QDevice', async () => {
    const ha = simulatedHa();
    const reading = await monitorProxmox(workspace, new Runner(false), { skip: new Set() }, { haStatus: async () => ha as never });
    const [lab] = reading.clusters;
    expect(lab).toMatchObject({ cluster: 'lab', reachable: true, quorate: true, readOn: 'a1' });
    expect(lab!.services!.map((s) => [s.kind, s.name, s.state, s.level])).toEqual([
      ['qdevice', 'q1', 'not voting', 'error'],
      ['ha-crm', 'a1', 'active', 'ok'],
      ['ha-lrm', 'a1', 'active', 'ok'],
      ['ha-lrm', 'a2', 'active', 'ok'],
      ['ha-lrm', 'b1', 'old timestamp - dead?', 'error'],
      ['ha-service', 'vm:100', 'started', 'ok'],
      ['ha-service', 'vm:101', 'error', 'error'],
    ]);
    expect(lab!.apis).toEqual([expect.objectContaining({ name: 'Proxmox VE API', reachable: true })]);
    const subjects = conditionsOf({ t: 1, links: [], clusters: reading.clusters }, new Map()).map((c) => `${c.kind} ${c.severity} ${c.subject}`);
    expect(subjects).toEqual(['service error cluster/proxmox/lab/qdevice/q1', 'service error cluster/proxmox/lab/ha-lrm/b1', 'service error cluster/proxmox/lab/ha-service/vm:101']);

    const voting = await monitorProxmox(workspace, new Runner(true), { skip: new Set() }, { haStatus: async () => [] });
    expect(voting.clusters[0]!.services).toEqual([{ kind: 'qdevice', name: 'q1', state: 'voting', level: 'ok' }]);
  });

  it('says the API did not answer (within its time) while corosync still tells the quorum; no API block, no HA read', async () => {
    const slow = await monitorProxmox(workspace, new Runner(true), { skip: new Set() }, { haStatus: () => new Promise(() => undefined), apiTimeoutMs: 50 });
    expect(slow.clusters[0]).toMatchObject({ reachable: true, quorate: true, apis: [{ name: 'Proxmox VE API', reachable: false, error: 'no answer within 50 ms' }] });
    const refused = await monitorProxmox(workspace, new Runner(true), { skip: new Set() }, { haStatus: async () => Promise.reject(new Error('connection refused')) });
    expect(refused.clusters[0]!.apis).toEqual([{ name: 'Proxmox VE API', reachable: false, error: 'connection refused' }]);
    const none = await monitorProxmox(workspace, new Runner(true), { skip: new Set() }, { haStatus: () => undefined });
    expect(none.clusters[0]!.apis).toBeUndefined();
  });
});
