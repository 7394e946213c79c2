// A Proxmox cluster stretched over a ≈30 ms WAN (the lab's `wan` preset): the measured link fails the
// 5 ms rule by default; the plan with the totem timing computed from it builds a quorate cluster on real corosync.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { configVersion, parseCorosyncConf } from '../../main/common/stacks/proxmox/corosync-conf.js';
import { lanRttLimitMs, tuneTotem, type TotemTuning } from '../../main/common/stacks/proxmox/wan-tuning.js';
import { PveApiSchema } from '../../main/node/stacks/proxmox/api-schema.js';
import { proxmoxClusterPlan } from '../../main/node/stacks/proxmox/plan.js';
import { installPveStandIns } from '../../main/node/stacks/proxmox/simulator/stand-ins.js';
import { describeLab, pingFrom, useLab } from '../support/lab.js';
import { startLabPve, type LabPve } from '../../main/node/stacks/proxmox/simulator/lab.js';
import { cmapNumber } from '../support/lab-corosync.js';
import { labPlanRunner, type LabPlanRunner } from '../support/proxmox/engine.js';

const spec = `
name: pve-wan
sites:
  - name: a
    hosts: [a1]
  - name: b
    hosts: [b1]
    link: man
  - name: c
    hosts: [c1]
    link: wan
`;
const schema = new PveApiSchema();
const notes: string[] = [];
let pve: LabPve | undefined;
let workDir = '';
let tuning: TotemTuning | undefined;
let runner: LabPlanRunner | undefined;

type StatusEntry = { type: string; name: string; quorate?: number; online?: number };

describeLab('Proxmox VE over a ≈30 ms WAN: refused by default, quorate with computed totem timing', () => {
  const handle = useLab(spec, 'cwpw');

  beforeAll(async () => {
    // /var/tmp: the lab hosts must see the pmxcfs directories (the plan edits /etc/pve/corosync.conf there).
    workDir = fs.mkdtempSync('/var/tmp/cw-pve-wan-');
    pve = await startLabPve(handle.lab, ['a1', 'b1', 'c1'], { schema, workDir });
    await installPveStandIns(handle.lab.binDir, path.join(workDir, 'pmxcfs'));
    runner = labPlanRunner(handle.lab, { 'pve-root': pve.rootPassword });
  }, 60_000);

  afterAll(async () => {
    const violations = Object.values(pve?.servers ?? {}).flatMap((x) => x.violations);
    console.log(`Proxmox WAN suite: ${pve?.clients.reduce((s, c) => s + c.requestCount, 0) ?? 0} client requests validated against the official schema, ${violations.length} violations\n  ${notes.join('\n  ')}`);
    await runner?.close();
    await pve?.stop();
    expect(violations).toEqual([]);
  }, 60_000);

  it('measures the a–c link above the 5 ms limit and computes totem timing for it, with the reasoning', async () => {
    const lab = handle.lab;
    const ping = await pingFrom(lab, 'a1', lab.host('c1').addressList[0], 200, 0.02);
    const jitter = ping.mdevMs ?? 0;
    notes.push(`measured a1→c1: ${ping.avgMs?.toFixed(2)} ms ± ${jitter.toFixed(2)} (mdev), loss ${ping.lossPercent.toFixed(1)} %`);
    expect(ping.avgMs!).toBeGreaterThan(lanRttLimitMs);
    tuning = tuneTotem({ rttMs: ping.avgMs!, jitterMs: jitter, lossPct: ping.lossPercent, probes: 200 }, 3);
    notes.push(...tuning.reasoning.map((r) => `  ${r}`));
    // Not a LAN: without tuning the default rule refuses it; the link is still within what corosync holds.
    expect(tuning.verdict).toBe('wan-tuned');
    expect(tuning.totem.join).toBeGreaterThan(50);
  });

  it('forms a quorate three-node cluster over the WAN when the plan writes the computed timing before the joins', async () => {
    const lab = handle.lab;
    const started = Date.now();
    const hosts = ['a1', 'b1', 'c1'];
    const plan = proxmoxClusterPlan({
      clusterName: 'stretch',
      nodes: hosts.map((h) => ({ name: h, ssh: { address: lab.host(h).addresses.management! }, links: [...lab.host(h).addressList] })),
      fingerprint: pve!.servers.a1!.certificateFingerprint,
      rootPasswordSecret: 'pve-root',
      totem: tuning!.totem,
    });
    expect(plan.steps.map((s) => s.id)).toContain('wan-tuning');
    const result = await runner!.apply(plan);
    notes.push(`plan: ${result.status} in ${Date.now() - started} ms; ${result.message}`);
    expect(result.status, `${result.message} ${JSON.stringify(result.failure)}`).toBe('succeeded');
    // The tuning reached every node before it joined: config_version 2 (tuning) + 2 joins = 4, tuned keys present.
    for (const h of hosts) {
      const text = fs.readFileSync(lab.hostPath(h, '/etc/corosync/corosync.conf'), 'utf8');
      expect(configVersion(parseCorosyncConf(text)), h).toBe(4);
      for (const [k, v] of Object.entries(tuning!.totem)) expect(text, h).toMatch(new RegExp(`^  ${k}: ${v}$`, 'm'));
    }
    let status: StatusEntry[] = [];
    const until = Date.now() + 90_000;
    while (Date.now() < until) {
      status = await pve!.client('c1').get<StatusEntry[]>('/cluster/status').catch(() => []);
      if (status[0]?.quorate && status.filter((e) => e.type === 'node' && e.online).length === 3) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    notes.push(`apply → 3 nodes quorate over the WAN: ${Date.now() - started} ms`);
    expect(status[0]).toMatchObject({ type: 'cluster', quorate: 1, nodes: 3 });
    expect(status.filter((e) => e.type === 'node' && e.online)).toHaveLength(3);
    // The runtime values corosync actually uses carry the tuning (join) and the coefficient.
    if (tuning!.totem.join) expect(await cmapNumber(lab, 'c1', 'runtime.config.totem.join')).toBe(tuning!.totem.join);
    expect(await cmapNumber(lab, 'c1', 'runtime.config.totem.token')).toBe(tuning!.effectiveTokenMs);
    // Stays formed: no membership churn over ten seconds (a stale "Quorate: Yes" would hide it).
    const before = await cmapNumber(lab, 'c1', 'runtime.config.totem.token');
    const churnStart = await lab.execOk('c1', ['timeout', '3', 'corosync-cmapctl', '-m', 'stats', '-g', 'stats.srp.commit_token_lost'], { timeoutMs: 5000 });
    await new Promise((r) => setTimeout(r, 10_000));
    const churnEnd = await lab.execOk('c1', ['timeout', '3', 'corosync-cmapctl', '-m', 'stats', '-g', 'stats.srp.commit_token_lost'], { timeoutMs: 5000 });
    notes.push(`commit_token_lost over 10 s: ${churnStart.stdout.trim()} → ${churnEnd.stdout.trim()}`);
    expect(churnEnd.stdout.trim()).toBe(churnStart.stdout.trim());
    expect(before).toBe(tuning!.effectiveTokenMs);
  }, 240_000);
});
