// The vSAN stretched cluster built end to end through the client on the lab's vCenter simulator (Debian's
// govmomi simulator with our vSAN extension): cluster, hosts per site with their certificates confirmed,
// VMkernel adapters, vSAN, disks, the witness at datacenter level, conversion, site HA/DRS/groups/rules,
// health, vMotion — a second run changes nothing, and VMware's pyvmomi reads back the same cluster.
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { CwError } from '../../main/common/errors.js';
import { stretchedClusterGroup, shortId } from '../../main/common/stacks/vsan/health.js';
import { READ_ONLY_METHODS, VsphereClient, type TaskProgress } from '../../main/node/stacks/vsan/client/client.js';
import { readHost } from '../../main/node/stacks/vsan/client/readers.js';
import { ensureSimulator } from '../../main/node/stacks/vsan/simulator/build.js';
import { runSteps, stretchedClusterSteps, verifyStretchedCluster, type StretchedClusterSpec } from '../../main/node/stacks/vsan/stretched-cluster.js';
import { checkRequest, type WsdlOrder } from '../support/vsan/wsdl-order.js';
import { describeLab } from '../support/lab.js';
import { vcsimSkipReason, useVcsim } from '../support/vsan/simulator.js';

const host = (name: string, n: number, vmotion = true) => ({
  name,
  vsan: { ipAddress: `192.0.2.${n}`, subnetMask: '255.255.255.0' },
  ...(vmotion ? { vmotion: { ipAddress: `198.51.100.${n}`, subnetMask: '255.255.255.0' } } : {}),
});

const spec: StretchedClusterSpec = {
  datacenter: 'DC0',
  cluster: 'stretch-01',
  preferred: { name: 'site-a', isolationAddress: '192.0.2.250', hosts: [host('esx-a1.lab.invalid', 11), host('esx-a2.lab.invalid', 12)] },
  secondary: { name: 'site-b', isolationAddress: '192.0.2.251', hosts: [host('esx-b1.lab.invalid', 21), host('esx-b2.lab.invalid', 22)] },
  witness: host('witness-c.lab.invalid', 31, false),
  network: { vswitch: 'vSwitch0', vsanPortgroup: 'vSAN', vsanVlan: 20, vmotionPortgroup: 'vMotion', vmotionVlan: 30, mtu: 9000 },
  diskType: 'allFlash',
};

interface PyHost {
  name: string;
  parentType: string;
  faultDomain: string;
  vsanEnabled: boolean;
  vmknics: { device: string; portgroup: string; ip: string; services: string[] }[];
  diskMappings: { cache: string; capacity: string[] }[];
  datastores: string[];
  vms: string[];
}
interface PyReadback {
  cluster: {
    name: string;
    hosts: PyHost[];
    ha: { enabled: boolean; hostMonitoring: string; admissionControlEnabled: boolean; admissionControlPolicy: { type: string; cpu: number; memory: number }; options: Record<string, string>; isolationResponse: string };
    drs: { enabled: boolean; defaultVmBehavior: string };
    vsan: { enabled: boolean };
    groups: { type: string; name: string; hosts?: string[]; vms?: string[] }[];
    rules: { type: string; name: string; enabled: boolean; mandatory: boolean; vmGroup: string; affineHostGroup: string }[];
    datastores: string[];
  };
  standaloneHosts: PyHost[];
}

describeLab('vSAN stretched cluster on the vCenter simulator', () => {
  const vc = useVcsim({ vmotionMs: 1500 });
  const confirmed: { host: string; thumbprint: string }[] = [];
  const secrets = () => ({
    hostUser: 'root',
    hostPassword: () => vc.hostPassword,
    confirmThumbprint: async (seen: { host: string; thumbprint: string }) => {
      confirmed.push(seen);
      return true;
    },
  });
  let client: VsphereClient;

  it('reuses the simulator it built (cache keyed by the sources)', async () => {
    const again = await ensureSimulator();
    expect(again.cached).toBe(true);
    expect(again.binary).toBe(vc.build.binary);
  });

  it("refuses vCenter's certificate until it is pinned, and a changed one", async () => {
    const attempt = (thumbprint?: string) => VsphereClient.connect({ endpoint: { host: vc.sim.host, port: vc.sim.port, thumbprint }, username: vc.username, password: vc.password });
    const unknown = await attempt().catch((e: CwError) => e);
    expect(unknown).toBeInstanceOf(CwError);
    expect((unknown as CwError).code).toBe('HOST_KEY_UNKNOWN');
    expect((unknown as CwError).detail).toMatchObject({ fingerprint: vc.sim.thumbprint });
    const changed = await attempt('AB:'.repeat(31) + 'AB').catch((e: CwError) => e);
    expect((changed as CwError).code).toBe('HOST_KEY_CHANGED');
    const badLogin = await VsphereClient.connect({ endpoint: { host: vc.sim.host, port: vc.sim.port, thumbprint: vc.sim.thumbprint }, username: vc.username, password: 'not-the-password' }).catch((e: CwError) => e);
    expect((badLogin as CwError).code).toBe('AUTH_FAILED');
    client = await vc.connect();
    expect(client.content.about.apiVersion).toMatch(/^\d/);
  });

  it('builds the stretched cluster: every step applied once, host certificates confirmed by the admin', async () => {
    const outcomes = await runSteps(stretchedClusterSteps(client, spec, secrets()));
    expect(outcomes.every((o) => o.result === 'applied')).toBe(true);
    expect(outcomes.map((o) => o.id)).toEqual([
      'cluster',
      'host:esx-a1.lab.invalid',
      'host:esx-a2.lab.invalid',
      'host:esx-b1.lab.invalid',
      'host:esx-b2.lab.invalid',
      'witness:witness-c.lab.invalid',
      ...['esx-a1', 'esx-a2', 'esx-b1', 'esx-b2'].flatMap((h) => [`vmknic:${h}.lab.invalid:vsan`, `vmknic:${h}.lab.invalid:vmotion`]),
      'vmknic:witness-c.lab.invalid:vsan',
      'vsan',
      ...['esx-a1', 'esx-a2', 'esx-b1', 'esx-b2'].map((h) => `disks:${h}.lab.invalid`),
      'stretch',
      'site-settings',
    ]);
    expect(confirmed.map((c) => c.host).sort()).toEqual([...spec.preferred.hosts, ...spec.secondary.hosts, spec.witness].map((h) => h.name).sort());
    for (const c of confirmed) expect(c.thumbprint).toMatch(/^([0-9A-F]{2}:){19}[0-9A-F]{2}$/);
  });

  it('a second run reads vCenter and changes nothing', async () => {
    const before = client.transport.calls.length;
    const outcomes = await runSteps(stretchedClusterSteps(client, spec, secrets()));
    expect(outcomes.filter((o) => o.result !== 'already-done')).toEqual([]);
    const methods = new Set(client.transport.calls.slice(before).map((c) => c.method));
    expect([...methods].filter((m) => !READ_ONLY_METHODS.has(m))).toEqual([]);
  });

  it('reports the witness, a fault domain per host and a green stretched-cluster health group', async () => {
    const report = await verifyStretchedCluster(client, spec);
    expect(report.witnesses).toEqual([{ host: 'witness-c.lab.invalid', preferredFaultDomain: 'site-a', unicastAgentAddress: '192.0.2.31' }]);
    expect(report.faultDomains).toEqual({ 'esx-a1.lab.invalid': 'site-a', 'esx-a2.lab.invalid': 'site-a', 'esx-b1.lab.invalid': 'site-b', 'esx-b2.lab.invalid': 'site-b' });
    const group = stretchedClusterGroup(report.health);
    expect(group?.health).toBe('green');
    expect(group?.tests.map((t) => shortId(t.id))).toEqual(expect.arrayContaining(['witnessinsidevccluster', 'clusterwithoutonewitnesshost', 'witnesswithnodiskmapping', 'clusterwithouttwodatafaultdomains']));
    expect(report.health.overallHealth).toBe('green');
    const witness = await client.findByName('HostSystem', spec.witness.name);
    expect(await client.isWitnessHost(witness!.ref)).toBe(true);
  });

  it('pyvmomi reads back the same cluster, hosts, HA/DRS settings, groups and rules', async () => {
    const back = await vc.pyvmomi<PyReadback>('read', spec.cluster);
    const c = back.cluster;
    expect(c.hosts.map((h) => h.name).sort()).toEqual(['esx-a1.lab.invalid', 'esx-a2.lab.invalid', 'esx-b1.lab.invalid', 'esx-b2.lab.invalid']);
    for (const h of c.hosts) {
      expect(h.faultDomain).toBe(h.name.startsWith('esx-a') ? 'site-a' : 'site-b');
      expect(h.vsanEnabled).toBe(true);
      expect(h.diskMappings).toHaveLength(1);
      expect(h.diskMappings[0]!.capacity).toHaveLength(2);
      expect(h.vmknics.find((n) => n.portgroup === 'vSAN')?.services).toContain('vsan');
      expect(h.vmknics.find((n) => n.portgroup === 'vMotion')?.services).toContain('vmotion');
      expect(h.datastores).toContain('vsanDatastore');
    }
    expect(c.ha).toMatchObject({ enabled: true, hostMonitoring: 'enabled', admissionControlEnabled: true, admissionControlPolicy: { type: 'FailoverResourcesAdmissionControlPolicy', cpu: 50, memory: 50 }, isolationResponse: 'powerOff' });
    expect(c.ha.options).toMatchObject({ 'das.isolationaddress0': '192.0.2.250', 'das.isolationaddress1': '192.0.2.251', 'das.usedefaultisolationaddress': 'false', 'das.ignoreInsufficientHbDatastore': 'true' });
    expect(c.drs).toEqual({ enabled: true, defaultVmBehavior: 'fullyAutomated' });
    expect(c.vsan.enabled).toBe(true);
    expect(c.groups).toEqual(
      expect.arrayContaining([
        { type: 'HostGroup', name: 'site-a hosts', hosts: ['esx-a1.lab.invalid', 'esx-a2.lab.invalid'] },
        { type: 'HostGroup', name: 'site-b hosts', hosts: ['esx-b1.lab.invalid', 'esx-b2.lab.invalid'] },
        { type: 'VmGroup', name: 'site-a VMs', vms: [] },
        { type: 'VmGroup', name: 'site-b VMs', vms: [] },
      ]),
    );
    expect(c.rules.map(({ name, enabled, mandatory, vmGroup, affineHostGroup, type }) => ({ name, enabled, mandatory, vmGroup, affineHostGroup, type }))).toEqual([
      { type: 'VmHostRuleInfo', name: 'site-a VMs should run in site-a', enabled: true, mandatory: false, vmGroup: 'site-a VMs', affineHostGroup: 'site-a hosts' },
      { type: 'VmHostRuleInfo', name: 'site-b VMs should run in site-b', enabled: true, mandatory: false, vmGroup: 'site-b VMs', affineHostGroup: 'site-b hosts' },
    ]);
    const witness = back.standaloneHosts.find((h) => h.name === spec.witness.name);
    expect(witness).toMatchObject({ parentType: 'vim.ComputeResource', vsanEnabled: true });
    expect(witness!.diskMappings).toHaveLength(1);
    expect(witness!.vmknics.find((n) => n.portgroup === 'vSAN')).toMatchObject({ ip: '192.0.2.31', services: ['vsan'] });
  });

  it('puts a VM into its site group, then changes nothing on the next run', async () => {
    const made = await vc.pyvmomi<{ host: string; powerState: string }>('create-vm', spec.cluster, 'esx-a1.lab.invalid', 'app-1', 'vsanDatastore');
    expect(made).toMatchObject({ host: 'esx-a1.lab.invalid', powerState: 'poweredOn' });
    const withVm: StretchedClusterSpec = { ...spec, preferred: { ...spec.preferred, vms: ['app-1'] } };
    const first = await runSteps(stretchedClusterSteps(client, withVm, secrets()));
    expect(first.filter((o) => o.result === 'applied').map((o) => o.id)).toEqual(['site-settings']);
    const second = await runSteps(stretchedClusterSteps(client, withVm, secrets()));
    expect(second.filter((o) => o.result === 'applied')).toEqual([]);
    const back = await vc.pyvmomi<PyReadback>('read', spec.cluster);
    expect(back.cluster.groups.find((g) => g.name === 'site-a VMs')?.vms).toEqual(['app-1']);
  });

  it('vMotions the VM to another site with progress, and never onto the witness', async () => {
    const vm = await client.findByName('VirtualMachine', 'app-1');
    const target = await client.findByName('HostSystem', 'esx-b1.lab.invalid');
    const progress: TaskProgress[] = [];
    const started = Date.now();
    await client.relocateVm(vm!.ref, { host: target!.ref }, (p) => progress.push(p));
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    const percents = progress.map((p) => p.progress);
    expect(new Set(percents.filter((p) => p > 0 && p < 100)).size).toBeGreaterThanOrEqual(2);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(progress.at(-1)).toMatchObject({ state: 'success', progress: 100 });
    const back = await vc.pyvmomi<PyReadback>('read', spec.cluster);
    expect(back.cluster.hosts.find((h) => h.name === 'esx-b1.lab.invalid')?.vms).toEqual(['app-1']);
    expect(back.cluster.hosts.find((h) => h.name === 'esx-a1.lab.invalid')?.vms).toEqual([]);

    const witness = await client.findByName('HostSystem', spec.witness.name);
    const refused = await client.relocateVm(vm!.ref, { host: witness!.ref }).catch((e: CwError) => e);
    expect(refused).toBeInstanceOf(CwError);
    expect((refused as CwError).message).toMatch(/witness-c\.lab\.invalid is not part of the compute resource/);
  });

  it('refuses a witness inside the cluster with vSAN’s own words, from the client and from vCenter', async () => {
    const dc = await client.findDatacenter('DC0');
    const cluster = await client.createCluster(dc!.hostFolder, 'refusals');
    const inside = { hostName: 'esx-r1.lab.invalid', userName: 'root', password: vc.hostPassword, confirmThumbprint: async () => true };
    const fromClient = await client.addWitnessHost({ cluster }, inside).catch((e: CwError) => e);
    expect((fromClient as CwError).message).toMatch(/^Witness host within vCenter cluster: esx-r1\.lab\.invalid would become a member of the cluster/);
    expect(await client.findByName('HostSystem', 'esx-r1.lab.invalid')).toBeUndefined();

    const member = (await client.addHost({ cluster }, inside)).host;
    const other = (await client.addHost({ cluster }, { ...inside, hostName: 'esx-r2.lab.invalid' })).host;
    await client.enableVsan(cluster);
    const fromVcenter = await client.convertToStretchedCluster(cluster, { preferred: { name: 'x', hosts: [member] }, secondary: { name: 'y', hosts: [other] }, witness: member }).catch((e: CwError) => e);
    expect((fromVcenter as CwError).message).toMatch(/Witness host within vCenter cluster: esx-r1\.lab\.invalid is a member of cluster refusals/);
  });

  it('refuses an ESXi host whose certificate differs from the pinned thumbprint, and adds nothing', async () => {
    const dc = await client.findDatacenter('DC0');
    const wrong = await client.addHost({ folder: dc!.hostFolder }, { hostName: 'esx-x1.lab.invalid', userName: 'root', password: vc.hostPassword, thumbprint: '00:'.repeat(19) + '00' }).catch((e: CwError) => e);
    expect((wrong as CwError).code).toBe('HOST_KEY_CHANGED');
    expect(await client.findByName('HostSystem', 'esx-x1.lab.invalid')).toBeUndefined();
    const declined = await client.addHost({ folder: dc!.hostFolder }, { hostName: 'esx-x1.lab.invalid', userName: 'root', password: vc.hostPassword, confirmThumbprint: async () => false }).catch((e: CwError) => e);
    expect((declined as CwError).code).toBe('HOST_KEY_UNKNOWN');
    expect((declined as CwError).detail).toMatchObject({ host: 'esx-x1.lab.invalid', thumbprint: expect.stringMatching(/^([0-9A-F]{2}:){19}[0-9A-F]{2}$/) });
    const badPassword = await client.addHost({ folder: dc!.hostFolder }, { hostName: 'esx-x1.lab.invalid', userName: 'root', password: 'wrong-password', confirmThumbprint: async () => true }).catch((e: CwError) => e);
    expect((badPassword as CwError).code).toBe('AUTH_FAILED');
  });

  it('keeps a hostile cluster name as data, end to end', async () => {
    const dc = await client.findDatacenter('DC0');
    const name = `evil</name><x xsi:type="y">&amp;'"]]>`;
    const ref = await client.createCluster(dc!.hostFolder, name);
    expect((await client.findByName('ClusterComputeResource', name, dc!.hostFolder))?.ref).toEqual(ref);
    const back = await vc.pyvmomi<PyReadback>('read', name);
    expect(back.cluster.name).toBe(name);
    await expect(client.createCluster(dc!.hostFolder, 'nul\u0000byte')).rejects.toThrow(/control character/);
  });

  it('sent every request in WSDL order, and no secret reached a log line or a request seen by the test hook', () => {
    const order = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '../fixtures/vsan/wsdl-order.json'), 'utf8')) as WsdlOrder;
    expect(vc.requests.length).toBeGreaterThan(100);
    const problems = vc.requests.flatMap((r) => checkRequest(r.body, order).map((p) => `${r.method}: ${p}`));
    expect(problems).toEqual([]);
    const seen = new Set(vc.requests.map((r) => r.method));
    for (const m of ['CreateClusterEx', 'QueryDisksForVsan', 'AddHost_Task', 'AddStandaloneHost_Task', 'AddPortGroup', 'AddVirtualNic', 'SelectVnicForNicType', 'ReconfigureComputeResource_Task', 'InitializeDiskMappings', 'VSANVcConvertToStretchedCluster', 'RelocateVM_Task', 'WaitForUpdatesEx']) expect(seen).toContain(m);
    const text = [...vc.logLines, ...vc.requests.map((r) => r.body)].join('\n');
    expect(text).not.toContain(vc.password);
    expect(text).not.toContain(vc.hostPassword);
  });

  it('reads the host state it configured (adapters, services, claimed devices)', async () => {
    const h = await client.findByName('HostSystem', 'esx-b2.lab.invalid');
    const state = await readHost(client, h!.ref);
    expect(state.adapters.find((a) => a.ipAddress === '198.51.100.22')).toMatchObject({ portgroup: 'vMotion', mtu: 9000, services: ['vmotion'] });
    expect(state.disks.filter((d) => d.claimed)).toHaveLength(3);
    expect(state.disks.filter((d) => d.state === 'ineligible').map((d) => d.reason)).toEqual([expect.stringMatching(/partitions/)]);
    expect(state.faultDomain).toBe('site-b');
  });
}, { unless: vcsimSkipReason });
