// Day 2 of a vSAN stretched cluster through the app's core on the lab's vCenter simulator: the cluster is
// built from the workspace as an engine plan, then the preferred site is changed, the witness replaced by a
// host outside the cluster (added to the datacenter first; refused inside the cluster with vSAN's words, and
// when its measured round trip is above 200 ms), and stretching disabled (destructive, approved). Each
// change is a plan previewed with its SOAP calls, approved against its hash, run, verified by the app
// (vsan.verify) and by VMware's pyvmomi reading vCenter; a second run of each changes nothing. Once
// disabling stretching is recorded, the workspace says the cluster is not stretched and the build plan
// refuses to stretch it again; the day-2 "Stretch again" does, with a witness new to vCenter (refused inside
// the cluster and above 200 ms, its certificate pinned first): the witness added to the datacenter by the
// build's steps, then the build's stretch step, approved against the plan's hash; recorded once vCenter shows it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { MethodOutput } from '../../main/common/contract/index.js';
import type { VsanDay2Change } from '../../main/common/stacks/vsan/contract.js';
import type { LatencySample } from '../../main/common/workspace/facts.js';
import { createCore, type Core } from '../../main/node/core.js';
import { MemorySecretStore } from '../../main/node/secrets/index.js';
import { READ_ONLY_METHODS } from '../../main/node/stacks/vsan/client/client.js';
import { saveFacts } from '../../main/node/workspace/facts-file.js';
import { describeLab } from '../support/lab.js';
import { useVcsim, vcsimSkipReason } from '../support/vsan/simulator.js';
import { stretchedClusterOn, VSAN_LAB_NETWORKS, vsanNode } from '../support/vsan/stretched-workspace.js';
import { checkRequest, type WsdlOrder } from '../support/vsan/wsdl-order.js';

type Plan = MethodOutput<'vsan.planDay2'>['plan'];
interface PyHost {
  name: string;
  parentType: string;
  faultDomain: string;
  vsanEnabled: boolean;
  vsanClusterUuid: string;
  diskMappings: unknown[];
}
interface PyReadback {
  cluster: { name: string; vsanUuid: string; hosts: PyHost[]; ha: { options: Record<string, string> } };
  standaloneHosts: PyHost[];
}

const NODES = [vsanNode('a1', 'a', 1), vsanNode('a2', 'a', 2), vsanNode('b1', 'b', 3), vsanNode('b2', 'b', 4), vsanNode('w1', 'c', 5), vsanNode('w2', 'd', 6), vsanNode('w3', 'e', 7), vsanNode('w4', 'f', 8)];
/** Measured round trips from each data host to the witness candidates on the witness network (ms). */
const RTT: Record<string, number> = { w1: 31, w2: 42.5, w3: 260, w4: 55 };

describeLab(
  'day 2 of a vSAN stretched cluster through the core',
  () => {
    const vc = useVcsim();
    const secrets = new MemorySecretStore();
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-vsand2-'));
    const file = path.join(home, 'ws', 'clusterwright.yaml');
    let core: Core;
    const timings: string[] = [];
    /** What the core sent vCenter (secrets masked by the client). */
    const requests: { method: string; body: string }[] = [];

    afterAll(async () => {
      await core?.close();
      fs.rmSync(home, { recursive: true, force: true });
      console.log(`day-2 timings: ${timings.join('; ')}`);
    }, 30_000);

    /** Preview, approve what is destructive against the hash, run and wait: what an admin does in the app. */
    const run = async (plan: Plan, label: string) => {
      const started = Date.now();
      const preview = await core.call('plan.preview', { plan });
      if (preview.destructiveSteps.length) await core.call('plan.approve', { plan, planHash: preview.planHash, acknowledgeDestructive: preview.destructiveSteps });
      const applied = await core.call('plan.apply', { plan, planHash: preview.planHash, wait: true });
      timings.push(`${label} ${Date.now() - started} ms`);
      expect(applied.result?.status, applied.result?.failure?.message ?? applied.result?.message).toBe('succeeded');
      return { preview, result: applied.result! };
    };
    const day2 = (change: VsanDay2Change) => core.call('vsan.planDay2', { cluster: 'stretch-01', change });
    const verify = () => core.call('vsan.verify', { cluster: 'stretch-01' });
    const pyvmomi = () => vc.pyvmomi<PyReadback>('read', 'stretch-01');
    /** The hosts pyvmomi sees serving the cluster's vSAN from outside it: its witness, as vCenter's inventory shows it. */
    const pyWitnesses = (back: PyReadback) => back.standaloneHosts.filter((h) => h.vsanEnabled && h.vsanClusterUuid === back.cluster.vsanUuid).map((h) => h.name);
    /** A second run of the same plan: every step skipped by its precheck, and no call that changes vCenter. */
    const secondRunChangesNothing = async (plan: Plan) => {
      const before = requests.length;
      const { result } = await run(plan, 'second run');
      expect(result).toMatchObject({ nothingChanged: true, changed: 0 });
      expect(requests.slice(before).map((r) => r.method).filter((m) => !READ_ONLY_METHODS.has(m))).toEqual([]);
    };

    it('builds the stretched cluster from the workspace as a plan', async () => {
      const workspace = {
        version: 1,
        name: 'day2',
        sites: ['a', 'b', 'c', 'd', 'e', 'f'].map((name, i) => ({ name, kind: i < 2 ? 'lan' : 'wan' })),
        networks: VSAN_LAB_NETWORKS,
        nodes: NODES,
        vsan: { clusters: [await stretchedClusterOn(vc, secrets)] },
      };
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, `${JSON.stringify(workspace, null, 1)}\n`);
      const measuredAt = new Date().toISOString();
      const samples: LatencySample[] = [];
      for (const from of ['a1', 'a2', 'b1', 'b2']) {
        for (const to of ['w1', 'w2', 'w3', 'w4']) {
          const ms = RTT[to]!;
          samples.push({ network: 'mgmt', from, to, toAddress: NODES.find((n) => n.name === to)!.addresses.mgmt, sent: 20, received: 20, lossPercent: 0, minMs: ms - 0.4, avgMs: ms, medianMs: ms, p95Ms: ms + 0.5, maxMs: ms + 0.8, mdevMs: 0.2, measuredAt });
        }
      }
      await saveFacts(file, { latency: { version: 1, measuredAt, runner: 'ssh', count: 20, intervalS: 0.2, samples, estate: { workspace: 'day2', nodes: Object.fromEntries(NODES.map((n) => [n.name, { addresses: n.addresses }])) } } });
      core = createCore({ hostKind: 'test', workspaceDir: path.join(home, 'app'), stackOptions: { vsan: { onRequest: (method: string, body: string) => requests.push({ method, body }) } }, ssh: { secrets, sshConfigFile: null, engine: { knownHostsFiles: [], pinnedHostKeysFile: path.join(home, 'pinned') } } });
      await core.call('workspace.open', { path: file, remember: false });

      const certs = await core.call('vsan.hostCertificates', { cluster: 'stretch-01' });
      await core.call('vsan.pinCertificates', { cluster: 'stretch-01', hosts: Object.fromEntries(certs.hosts.map((h) => [h.host, h.thumbprint!])) });
      const built = await core.call('vsan.planCluster', { cluster: 'stretch-01' });
      await run(built.plan, 'build');
      const report = await verify();
      expect(report.witnesses.map((w) => [w.host, w.preferredFaultDomain])).toEqual([['w1', 'a']]);
      expect(report.health.overallHealth).toBe('green');
    });

    it('changes the preferred site: shows what it means, sets it in vCenter, lists the new preferred site’s isolation address first', async () => {
      const answer = await day2({ kind: 'preferred-site', site: 'b' });
      expect(answer.blocking).toBe(false);
      expect(answer.meaning[0]).toBe("When b and a lose each other but both still reach the witness w1, vSAN keeps the objects active in b: its VMs keep running, a's copies are marked absent, and vSphere HA restarts a's VMs in b. When the link returns, a resyncs.");
      expect(answer.notes.join('\n')).toContain('The site rules name their own site ("b VMs should run in b", "a VMs should run in a"), not which site is preferred: their texts stay.');
      const { preview, result } = await run(answer.plan, 'preferred site');
      expect(preview.destructiveSteps).toEqual([]);
      expect(preview.steps[0]!.operation?.text).toMatch(/^VSANVcSetPreferredFaultDomain\(cluster "stretch-01" of datacenter "DC0", preferredFd="b"\)/);
      expect(preview.steps[0]!.precheck).toMatch(/VSANVcGetPreferredFaultDomain/);
      expect(result.changed).toBe(2);
      expect((await verify()).witnesses.map((w) => [w.host, w.preferredFaultDomain])).toEqual([['w1', 'b']]);
      const back = await pyvmomi();
      expect(back.cluster.ha.options).toMatchObject({ 'das.isolationaddress0': '198.19.0.3', 'das.isolationaddress1': '198.19.0.1' });
      // The fault domains do not move: pyvmomi sees each host in its own site still.
      expect(Object.fromEntries(back.cluster.hosts.map((h) => [h.name, h.faultDomain]))).toEqual({ a1: 'a', a2: 'a', b1: 'b', b2: 'b' });
      await secondRunChangesNothing(answer.plan);

      expect(await core.call('vsan.recordDay2', { cluster: 'stretch-01', change: { kind: 'preferred-site', site: 'b' } })).toMatchObject({ recorded: true });
      const ws = (await core.call('workspace.current', {})).workspace!.vsan!.clusters[0]!;
      expect([ws.preferredSite.site, ws.secondarySite.site]).toEqual(['b', 'a']);
      // With the workspace following vCenter, the build plan has nothing left to do.
      const rebuilt = await run((await core.call('vsan.planCluster', { cluster: 'stretch-01' })).plan, 'build again');
      expect(rebuilt.result.nothingChanged).toBe(true);
    });

    it('refuses a witness inside the cluster with vSAN’s words, and one whose measured round trip is above 200 ms', async () => {
      await expect(day2({ kind: 'witness', host: 'a2' })).rejects.toThrow(/^Witness host within vCenter cluster: a2 is a data host of cluster stretch-01\. The witness host must not be part of the vSAN cluster/);
      const far = await day2({ kind: 'witness', host: 'w3' });
      expect(far.blocking).toBe(true);
      // The workspace now lists b (preferred) first.
      expect(far.roundTrips.map((r) => [r.a, r.b, r.rttMs, r.limitMs, r.ok])).toEqual(['b1', 'b2', 'a1', 'a2'].map((a) => [a, 'w3', 260, 200, false]));
      expect(far.problems).toContain("a1 ↔ w3 on mgmt: 260 ms, above vSAN's 200 ms to the witness. Choose a witness site closer to both data sites.");
    });

    it('replaces the witness: the new host joins the datacenter, then takes the witness role; the old one stays in the datacenter', async () => {
      const first = await day2({ kind: 'witness', host: 'w2' });
      expect(first.roundTrips.map((r) => [r.a, r.rttMs, r.ok])).toEqual(['b1', 'b2', 'a1', 'a2'].map((a) => [a, 42.5, true]));
      // vCenter does not know w2 yet: its certificate is shown to pin, and nothing runs before.
      expect(first.certificate).toMatchObject({ host: 'w2', state: 'new', thumbprint: expect.stringMatching(/^([0-9A-F]{2}:){19}[0-9A-F]{2}$/) });
      expect(first.blocking).toBe(true);
      await core.call('vsan.pinCertificates', { cluster: 'stretch-01', hosts: { w2: first.certificate!.thumbprint! } });
      const answer = await day2({ kind: 'witness', host: 'w2' });
      expect(answer.problems).toEqual([]);
      expect(answer.certificate?.state).toBe('pinned');
      expect(answer.meaning[1]).toBe('w1 stays in datacenter DC0 as a plain host, no longer a witness: removing it from vCenter (and its disk group) is your choice.');
      const { preview, result } = await run(answer.plan, 'replace witness');
      expect(preview.destructiveSteps).toEqual(['replace-witness']);
      expect(preview.steps.find((s) => s.id === 'replace-witness')!.operation?.text).toMatch(/VsanVcReplaceWitnessHostForClusters\(configSpec: witnessHost="w2", clusters=\["stretch-01"\]/);
      expect(result.changed).toBe(3);
      const report = await verify();
      expect(report.witnesses.map((w) => [w.host, w.preferredFaultDomain, w.unicastAgentAddress])).toEqual([['w2', 'b', '198.18.0.6']]);
      expect(report.health.overallHealth).toBe('green');
      const back = await pyvmomi();
      expect(pyWitnesses(back)).toEqual(['w2']);
      const w1 = back.standaloneHosts.find((h) => h.name === 'w1')!;
      expect(w1).toMatchObject({ parentType: 'vim.ComputeResource', vsanEnabled: false });
      expect(back.standaloneHosts.find((h) => h.name === 'w2')).toMatchObject({ parentType: 'vim.ComputeResource', vsanEnabled: true, diskMappings: [expect.anything()] });
      await secondRunChangesNothing(answer.plan);
      expect(await core.call('vsan.recordDay2', { cluster: 'stretch-01', change: { kind: 'witness', host: 'w2' } })).toMatchObject({ recorded: true });
      expect((await core.call('workspace.current', {})).workspace!.vsan!.clusters[0]!.witness).toEqual({ host: 'w2', site: 'd' });
    });

    it('disables stretching only with approval: the witness goes, the fault domains stay, the objects need repair', async () => {
      const answer = await day2({ kind: 'unstretch' });
      expect(answer.meaning[0]).toMatch(/^Destructive: vSAN removes the witness w2, and every vSAN object loses its witness component/);
      expect(answer.meaning[2]).toMatch(/The fault domains b and a stay/);
      const preview = await core.call('plan.preview', { plan: answer.plan });
      expect(preview.destructiveSteps).toEqual(['remove-witness']);
      // Not approved: the engine refuses to run it, and vCenter keeps its witness.
      await expect(core.call('plan.apply', { plan: answer.plan, planHash: preview.planHash, wait: true })).rejects.toThrow(/approv/i);
      expect((await verify()).witnesses.map((w) => w.host)).toEqual(['w2']);
      const { result } = await run(answer.plan, 'disable stretching');
      expect(result.changed).toBe(1);
      const report = await verify();
      expect(report.witnesses).toEqual([]);
      expect(report.faultDomains).toEqual({ a1: 'a', a2: 'a', b1: 'b', b2: 'b' });
      expect(report.problems).toEqual([expect.stringMatching(/^Data: vSAN object health .*repair the objects.* \(yellow\)$/)]);
      const back = await pyvmomi();
      expect(pyWitnesses(back)).toEqual([]);
      expect(Object.fromEntries(back.cluster.hosts.map((h) => [h.name, h.faultDomain]))).toEqual({ a1: 'a', a2: 'a', b1: 'b', b2: 'b' });
      expect(back.standaloneHosts.find((h) => h.name === 'w2')).toMatchObject({ parentType: 'vim.ComputeResource' });
      await secondRunChangesNothing(answer.plan);
    });

    it('records the cluster as not stretched; the build plan then refuses to stretch it again, and validation holds it to a standard cluster', async () => {
      expect(await core.call('vsan.recordDay2', { cluster: 'stretch-01', change: { kind: 'unstretch' } })).toEqual({
        recorded: true,
        message: 'vsan.clusters[0]: not stretched (stretched: false); w2 is no longer its witness and stays in datacenter DC0; the fault domains b and a stay, as vSAN leaves them.',
      });
      const state = await core.call('workspace.current', {});
      const cluster = state.workspace!.vsan!.clusters[0]!;
      expect(cluster).toMatchObject({ stretched: false, preferredSite: { site: 'b', hosts: ['b1', 'b2'] }, secondarySite: { site: 'a', hosts: ['a1', 'a2'] } });
      expect(cluster.witness).toBeUndefined();
      expect(fs.readFileSync(file, 'utf8')).toMatch(/"?stretched"?: false/);
      expect(await core.call('vsan.recordDay2', { cluster: 'stretch-01', change: { kind: 'unstretch' } })).toEqual({ recorded: false, message: 'The workspace already records stretch-01 as not stretched.' });
      // Validation: no stretched-cluster finding (the witness round trips of w1–w3 are measured and would be judged), no rule broken by it.
      const validated = await core.call('workspace.validate', {});
      expect(validated.findings.filter((f) => f.ruleId.startsWith('vsan.')).map((f) => [f.ruleId, f.severity])).toEqual([
        ['vsan.site-layout', 'info'],
        ['vsan.data-latency', 'info'],
      ]);
      expect(validated.findings.filter((f) => /could not run/.test(f.message))).toEqual([]);
      // The app still reads it; the build plan and the day-2 changes say what it is and what stretching it again takes.
      expect((await verify()).witnesses).toEqual([]);
      await expect(core.call('vsan.planCluster', { cluster: 'stretch-01' })).rejects.toThrow(/^vSAN cluster stretch-01 is not stretched .* The build plan would stretch it again, so none is made\. To stretch it again: put a witness host at a third site/);
      await expect(day2({ kind: 'witness', host: 'w1' })).rejects.toThrow(/It has no witness to replace/);
      expect(pyWitnesses(await pyvmomi())).toEqual([]);
    });

    it('stretches it again as a day-2 plan: a witness new to vCenter, pinned first, then the build’s stretch step only with approval; recorded once vCenter shows it', async () => {
      const restretch = (host: string) => day2({ kind: 'restretch', host });
      await expect(restretch('a1')).rejects.toThrow(/^Witness host within vCenter cluster: a1 is a data host of cluster stretch-01\./);
      await expect(restretch('-oProxyCommand=cwpwn')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      const far = await restretch('w3');
      expect(far.blocking).toBe(true);
      expect(far.problems).toContain("b1 ↔ w3 on mgmt: 260 ms, above vSAN's 200 ms to the witness. Choose a witness site closer to both data sites.");
      // vCenter does not know w4: its certificate is shown to pin, and the plan is not offered to run before.
      const first = await restretch('w4');
      expect(first.roundTrips.map((r) => [r.a, r.b, r.rttMs, r.limitMs, r.ok])).toEqual(['b1', 'b2', 'a1', 'a2'].map((a) => [a, 'w4', 55, 200, true]));
      expect(first.certificate).toMatchObject({ host: 'w4', state: 'new', thumbprint: expect.stringMatching(/^([0-9A-F]{2}:){19}[0-9A-F]{2}$/) });
      expect(first.blocking).toBe(true);
      await core.call('vsan.pinCertificates', { cluster: 'stretch-01', hosts: { w4: first.certificate!.thumbprint! } });
      const answer = await restretch('w4');
      expect(answer.problems).toEqual([]);
      expect(answer.certificate?.state).toBe('pinned');
      // The kept fault domains keep their roles: b, preferred when stretching was disabled, is preferred again.
      expect(answer.meaning[1]).toBe('The kept fault domains keep their roles: b is the preferred site again (it keeps running when the data sites lose each other) and a the secondary, as vsan.clusters[0] names them. To prefer a, change the preferred site afterwards.');
      const preview = await core.call('plan.preview', { plan: answer.plan });
      expect(preview.destructiveSteps).toEqual(['stretch']);
      expect(preview.steps.map((s) => s.id)).toEqual(['witness-host', 'witness-vmknic', 'stretch']);
      // Not approved: the engine refuses to run it, and vCenter still shows no witness.
      await expect(core.call('plan.apply', { plan: answer.plan, planHash: preview.planHash, wait: true })).rejects.toThrow(/approv/i);
      expect((await verify()).witnesses).toEqual([]);
      // Nothing is recorded before vCenter shows the witness.
      await expect(core.call('vsan.recordDay2', { cluster: 'stretch-01', change: { kind: 'restretch', host: 'w4' } })).rejects.toThrow(/^vCenter shows no witness as the witness of stretch-01, not w4: run the plan first\. The workspace is unchanged\.$/);
      const { result } = await run(answer.plan, 'stretch again');
      expect(result.changed).toBe(3);
      const report = await verify();
      expect(report.witnesses.map((w) => [w.host, w.preferredFaultDomain, w.unicastAgentAddress])).toEqual([['w4', 'b', '198.18.0.8']]);
      expect(report.faultDomains).toEqual({ a1: 'a', a2: 'a', b1: 'b', b2: 'b' });
      const back = await pyvmomi();
      expect(pyWitnesses(back)).toEqual(['w4']);
      expect(back.standaloneHosts.find((h) => h.name === 'w4')).toMatchObject({ parentType: 'vim.ComputeResource', vsanEnabled: true, diskMappings: [expect.anything()] });
      expect(Object.fromEntries(back.cluster.hosts.map((h) => [h.name, h.faultDomain]))).toEqual({ a1: 'a', a2: 'a', b1: 'b', b2: 'b' });
      await secondRunChangesNothing(answer.plan);

      expect(await core.call('vsan.recordDay2', { cluster: 'stretch-01', change: { kind: 'restretch', host: 'w4' } })).toEqual({
        recorded: true,
        message: 'vsan.clusters[0]: stretched again (stretched removed), witness w4 in site f; b is the preferred site, a the secondary.',
      });
      const cluster = (await core.call('workspace.current', {})).workspace!.vsan!.clusters[0]!;
      expect([cluster.stretched, cluster.witness, cluster.preferredSite.site, cluster.secondarySite.site]).toEqual([undefined, { host: 'w4', site: 'f' }, 'b', 'a']);
      expect(fs.readFileSync(file, 'utf8')).not.toMatch(/"?stretched"?:/);
      expect(await core.call('vsan.recordDay2', { cluster: 'stretch-01', change: { kind: 'restretch', host: 'w4' } })).toEqual({ recorded: false, message: 'The workspace already records stretch-01 as stretched with the witness w4.' });
      // With the workspace following vCenter, the build plan is offered again and has nothing left to do.
      const rebuilt = await run((await core.call('vsan.planCluster', { cluster: 'stretch-01' })).plan, 'build after stretching again');
      expect(rebuilt.result.nothingChanged).toBe(true);
    });

    it('sent every day-2 request in WSDL order, and no secret reached a request body or log line', () => {
      const order = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '../fixtures/vsan/wsdl-order.json'), 'utf8')) as WsdlOrder;
      const seen = new Set(requests.map((r) => r.method));
      for (const m of ['VSANVcSetPreferredFaultDomain', 'VSANVcGetPreferredFaultDomain', 'VsanVcReplaceWitnessHostForClusters', 'VSANVcRemoveWitnessHost', 'VSANVcConvertToStretchedCluster']) expect(seen).toContain(m);
      expect(requests.flatMap((r) => checkRequest(r.body, order).map((p) => `${r.method}: ${p}`))).toEqual([]);
      const text = requests.map((r) => r.body).join('\n');
      expect(text).not.toContain(vc.password);
      expect(text).not.toContain(vc.hostPassword);
    });
  },
  { unless: vcsimSkipReason },
);
