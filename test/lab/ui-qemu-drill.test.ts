// Real QEMU guests behind the Proxmox test servers, in Chromium and through the engine: a drag on the canvas
// live-migrates a running guest from site a to site b over a 30 ms, 100 Mbit/s link (QEMU's own migration; the
// process runs on b afterwards and still ticks, the one on a is gone, the job log has QEMU's figures); then the
// failover drill cuts site a off for real (an approved destructive step of an engine plan), the HA stack fences
// a1 and restarts its HA guest on a quorate node, the links come back and every node rejoins; the report saved
// beside the workspace has the measured times next to the prediction. The predictions for every single-site
// loss are checked against the cluster's layout too. Then a few monitoring rounds, and the Scorecard tab quotes
// the drill's report, the latency history of those rounds and the clocks read on the lab hosts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DrillReport } from '../../main/common/drill/model.js';
import { drillEvidenceOf, formatMs, formatWhen, percentile } from '../../main/common/scorecard/evidence.js';
import { describeDrill } from '../../main/common/scorecard/scorecard.js';
import { readLabState } from '../../main/node/lab/state.js';
import { isRunning, readCmdline } from '../../main/node/lab/system.js';
import { MemorySecretStore } from '../../main/node/secrets/index.js';
import { launchBrowser, screenshotPath } from '../support/browser.js';
import { describeLab, useLab } from '../support/lab.js';
import { dragVm } from '../support/proxmox/browser-app.js';
import { coreSchema, reportCoreSchema } from '../support/proxmox/core-schema.js';
import { startPveInventoryLab, type PveInventoryLab } from '../support/proxmox/inventory-lab.js';
import { startTestHost, type TestHost } from '../support/web-host.js';

// The app's link attaches at site c: when site a is cut off, the app still reads b1 and c1 (and not a1).
const spec = `
name: qemu-drill
appSite: c
sites:
  - name: a
    hosts: [a1]
  - name: b
    hosts: [b1]
  - name: c
    hosts: [c1]
links:
  - between: [a, b]
    link: wan
  - between: [a, c]
    link: man
  - between: [b, c]
    link: man
`;

/** Every QEMU process of the lab, by the host whose network namespace it lives in. */
function qemuByHost(stateDir: string): Record<string, number[]> {
  const state = readLabState(stateDir)!;
  const inode = (pid: number) => Number(/\[(\d+)\]/.exec(fs.readlinkSync(`/proc/${pid}/ns/net`))?.[1]);
  const hosts = new Map(Object.entries(state.hosts).map(([name, h]) => [inode(h.initPid), name]));
  const out: Record<string, number[]> = {};
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!(readCmdline(Number(entry)) ?? '').startsWith('qemu-system-x86_64')) continue;
      const host = hosts.get(inode(Number(entry)));
      if (host) (out[host] ??= []).push(Number(entry));
    } catch {
      /* exited */
    }
  }
  return out;
}

describeLab('real QEMU guests: drag-to-migrate in Chromium and the failover drill', () => {
  const handle = useLab(spec, 'cwqd');
  const schema = coreSchema();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-qd-'));
  let host: TestHost | undefined;
  let pveLab: PveInventoryLab | undefined;
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  const started = Date.now();
  const timings: string[] = [];
  const jobLines: string[] = [];

  beforeAll(async () => {
    const lab = handle.lab;
    pveLab = await startPveInventoryLab(lab, {
      hosts: ['a1', 'b1', 'c1'],
      qemu: true,
      guests: [
        { vmid: 101, name: 'web', memoryMiB: 32, cores: 1, running: true, disks: [{ key: 'scsi0', storage: 'ceph-vm', sizeGiB: 4 }] },
        { vmid: 102, name: 'db', memoryMiB: 32, cores: 1, running: true, disks: [{ key: 'scsi0', storage: 'ceph-vm', sizeGiB: 4 }] },
      ],
    });
    timings.push(`cluster with 2 real guests up: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    // db is HA-managed: the drill expects HA to restart it elsewhere when site a is cut off.
    await pveLab.pve.client('b1').post('/cluster/ha/resources', { sid: 'vm:102', state: 'started' });
    host = await startTestHost({
      staticDir: path.resolve(process.env.CW_RENDERER_DIR ?? 'dist/renderer'),
      core: {
        lab: { stateDir: lab.stateDir, prefix: 'cwqd' },
        stackOptions: { proxmox: { schema } },
        ssh: { secrets: new MemorySecretStore(), sshConfigFile: null, interactive: false, engine: { knownHostsFiles: [lab.knownHostsPath], pinnedHostKeysFile: path.join(home, 'pins.json') } },
      },
    });
    const { id } = await host.core.call('secrets.put', { label: 'root@pam on the lab cluster', kind: 'password', value: pveLab.passwordSecretValue });
    // The drill cuts only the running lab's own workspace: the cluster goes into it.
    fs.writeFileSync(lab.workspacePath, pveLab.workspaceText(id));
    await host.core.call('workspace.open', { path: lab.workspacePath, remember: false });
    host.core.events.subscribe((name, payload) => {
      if (name === 'job.log') jobLines.push(String((payload as { text?: string }).text ?? ''));
    });
    browser = await launchBrowser();
  }, 150_000);

  afterAll(async () => {
    await browser?.close();
    await host?.close();
    reportCoreSchema('real QEMU guests: drag and drill', schema);
    await pveLab?.stop();
    fs.rmSync(home, { recursive: true, force: true });
    console.log(`ui-qemu-drill:\n  ${timings.join('\n  ')}`);
  }, 60_000);

  it('drags a running guest from a1 to b1 over the 30 ms link: QEMU moves it, it still runs on b1, the job log has its figures', async () => {
    const lab = handle.lab;
    // The servers' own guest handle: QEMU's monitor takes one client at a time, and the servers hold it.
    const guests = pveLab!.pve.qemu!.guests;
    const before = qemuByHost(lab.stateDir);
    expect(before.a1?.length).toBe(2);
    const page = await browser!.context.newPage();
    await page.goto(host!.host.url);
    await page.getByTestId('vm-web').waitFor({ timeout: 30_000 });
    const t0 = Date.now();
    await dragVm(page, 'web', 'b1');
    await page.getByTestId('migration-verdict').waitFor();
    expect(await page.getByTestId('migration-verdict').textContent()).toBe('allowed');
    await page.getByTestId('migration-confirm').click();
    await page.getByTestId('migration-result').waitFor({ timeout: 90_000 });
    const moveMs = Date.now() - t0;
    expect(await page.getByTestId('migration-result').textContent()).toMatch(/web now runs on b1/);
    await page.getByRole('button', { name: 'Close' }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid="vm-web"]')?.closest('g[data-node-id]')?.getAttribute('data-node-id') === 'b1', null, { timeout: 15_000 });

    // The QEMU process is on b1 now, the one on a1 is gone (db still runs there), and the guest keeps running.
    const after = qemuByHost(lab.stateDir);
    expect(after.b1?.length).toBe(1);
    expect(after.a1?.length).toBe(1);
    for (const pid of before.a1!) if (!after.a1!.includes(pid)) expect(isRunning(pid)).toBe(false);
    const c1 = await guests.counters('b1', 'vm101');
    await new Promise((r) => setTimeout(r, 500));
    const c2 = await guests.counters('b1', 'vm101');
    expect(c2.ticks).toBeGreaterThan(c1.ticks);
    expect((await guests.status('b1', 'vm101')).qmpStatus).toBe('running');

    // The job log (what the dock shows) carries the Proxmox task log with QEMU's figures.
    const taskLog = jobLines.join('\n');
    expect(taskLog).toMatch(/migration active, transferred/);
    const figures = /average migration speed: ([\d.]+ \S+) - downtime (\d+) ms/.exec(taskLog);
    expect(figures).not.toBeNull();
    const total = /migration figures: total (\d+) ms, downtime (\d+) ms(?:, guest paused (\d+) ms)?, ([\d.]+) MiB moved/.exec(taskLog);
    expect(total).not.toBeNull();
    timings.push(`QEMU over wan: total ${total![1]} ms, downtime ${total![2]} ms, paused ${total![3] ?? '?'} ms, ${total![4]} MiB moved; ${figures![0]}`);
    await page.screenshot({ path: screenshotPath('qemu-drag-done') });
    timings.push(`drag a1 → b1 (wan) of a 32 MiB guest: ${(moveMs / 1000).toFixed(1)} s from confirm to result`);
    await page.close();
  }, 180_000);

  it('predicts every single-site loss, then drills the loss of site a for real: HA restarts db on a quorate node, everything rejoins', async () => {
    const core = host!.core;
    for (const site of ['a', 'b', 'c']) {
      const { prediction, mode, destructive } = await core.call('drill.plan', { failure: { kind: 'site', site } });
      expect(mode).toBe('lab');
      expect(destructive).toEqual(['cut']);
      const c = prediction.clusters[0]!;
      const lost = c.groups.find((g) => g.members.includes(`${site}1`))!;
      expect(lost.keepsQuorum).toBe(false);
      expect(c.groups.find((g) => !g.members.includes(`${site}1`))?.keepsQuorum).toBe(true);
      const db = c.services.find((s) => s.sid === 'vm:102')!;
      // db runs on a1: only the loss of site a moves it.
      if (site === 'a') expect(['b1', 'c1']).toContain(db.to);
      else expect(db.to).toBeUndefined();
      timings.push(`prediction, site ${site} lost: ${c.groups.map((g) => `${g.members.join('+')} ${g.keepsQuorum ? 'quorate' : 'not quorate'}`).join(', ')}; db ${db.to ? `→ ${db.to} after ${db.backAfterS} s` : 'stays'}; loss seen after ${c.detectS} s`);
    }

    const { plan, prediction } = await core.call('drill.plan', { failure: { kind: 'site', site: 'a' } });
    // Destructive: without the approval the engine refuses to cut.
    const preview = await core.call('plan.preview', { plan });
    expect(JSON.stringify(preview)).toMatch(/cut every link of site a/);
    await expect(core.call('plan.apply', { plan, wait: true })).rejects.toThrow(/approv/i);

    // From the canvas: site a's inspector → the drill's prediction → cut now → the report.
    const page = await browser!.context.newPage();
    await page.goto(host!.host.url);
    await page.getByTestId('vm-db').waitFor({ timeout: 30_000 });
    const siteId = await page.evaluate(() => [...document.querySelectorAll('g[data-site-id]')].find((g) => g.querySelector('.cw-site-name')?.textContent === 'a')?.getAttribute('data-site-id'));
    await page.locator(`g[data-site-id="${siteId}"] rect.cw-site-region`).dispatchEvent('click');
    await page.getByTestId('drill-site').click();
    await page.getByTestId('drill-prediction').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('drill-prediction').textContent()).toMatch(/vm:102 on a1: restarted on (b1|c1)/);
    const t0 = Date.now();
    await page.getByTestId('drill-run').click();
    await page.getByTestId('drill-log').waitFor({ timeout: 30_000 });
    await page.getByTestId('drill-report').waitFor({ timeout: 200_000 });
    const drillMs = Date.now() - t0;
    await page.screenshot({ path: screenshotPath('qemu-drill-report') });
    const shownOutcome = await page.getByTestId('drill-outcome').textContent();
    await page.close();

    const { reports } = await core.call('drill.reports', {});
    const report = reports[0] as DrillReport & { file: string };
    expect(path.dirname(report.file)).toBe(path.join(path.dirname(handle.lab.workspacePath), 'drills'));
    expect(report.mode).toBe('lab');
    expect(Date.now() - Date.parse(report.date)).toBeLessThan(5 * 60_000);
    const m = report.measured.homelab!;
    const cutAt = Date.parse(report.date);
    const ha = pveLab!.pve.ha!.events.filter((e) => e.at >= cutAt - 1000).map((e) => `${((e.at - cutAt) / 1000).toFixed(1)} s ${e.kind}: ${e.text}`);
    timings.push(`lab HA stack during the drill:\n    ${ha.join('\n    ')}`);
    timings.push(`drill job log:\n    ${jobLines.filter((l) => /^\d+\.\d s:|outcome|cut|restored/.test(l)).join('\n    ')}`);
    const predicted = prediction.clusters[0]!;
    const dbPredicted = predicted.services.find((s) => s.sid === 'vm:102')!;
    const dbMeasured = m.services.find((s) => s.sid === 'vm:102')!;
    expect(m.lossDetectedS).toBeGreaterThan(0);
    expect(m.quorumChangedS).toBeGreaterThanOrEqual(m.lossDetectedS!);
    expect(dbMeasured.node).toBe(dbPredicted.to);
    expect(dbMeasured.backAfterS).toBeGreaterThan(0);
    expect(m.rejoinedS).toBeGreaterThan(0);
    expect(shownOutcome).toBe(report.outcome);
    expect(report.outcome).toBe('as-predicted');
    // While a was cut off, the drill read the others quorate together and a1 unreadable from the app's site.
    expect(jobLines.join('\n')).toMatch(/a1 unreadable, b1 quorate \[b1 c1\], c1 quorate \[b1 c1\]; vm:102 started on b1/);

    // db's QEMU runs where HA put it, a1 runs no guest any more (it fenced itself), and the cluster is whole.
    const procs = qemuByHost(handle.lab.stateDir);
    expect(procs.a1 ?? []).toEqual([]);
    expect(procs[dbPredicted.to!]?.length).toBeGreaterThanOrEqual(1);
    const status = await pveLab!.pve.client('c1').get<{ type: string; online?: number; quorate?: number }[]>('/cluster/status');
    expect(status.find((e) => e.type === 'cluster')?.quorate).toBe(1);
    expect(status.filter((e) => e.type === 'node' && e.online).length).toBe(3);
    timings.push(`drill site a (lab): ${(drillMs / 1000).toFixed(1)} s; ${report.comparison.join(' / ')}`);
  }, 240_000);
  it('the Scorecard tab quotes the drill report, the latency of a few monitoring rounds and the clocks read on the lab hosts', async () => {
    const core = host!.core;
    const t0 = Date.now();
    // A few monitoring rounds now that every node has rejoined.
    await core.call('monitor.start', { intervalS: 1, probes: 3 });
    for (let i = 0; i < 120 && (await core.call('monitor.status', {})).rounds < 3; i++) await new Promise((r) => setTimeout(r, 500));
    await core.call('monitor.stop', {});
    const monitorMs = Date.now() - t0;

    const page = await browser!.context.newPage();
    await page.goto(host!.host.url);
    await page.getByTestId('vm-db').waitFor({ timeout: 30_000 });
    await page.getByTestId('scorecard-tab').click();
    const card = page.getByTestId('scorecard-proxmox-homelab');
    await card.waitFor();
    await page.locator('[data-testid="scorecard"][data-evidence="read"]').waitFor({ timeout: 30_000 });

    // Failover tested: the newest report, read back through the core, is what the line says — date, result, outage.
    const { reports } = await core.call('drill.reports', {});
    const report = reports[0]!;
    const drillLine = card.getByTestId('score-drill');
    expect(await drillLine.getAttribute('data-status')).toBe('pass');
    const drillText = (await drillLine.getByTestId('score-evidence').textContent())!;
    expect(drillText).toBe(`${describeDrill(drillEvidenceOf(report, report.file)[0]!)}.`);
    expect(drillText).toContain(`Last drill ${formatWhen(report.date)}`);
    expect(drillText).toContain(': as predicted');
    expect(drillText).toContain(`guests back after ${report.measured.homelab!.services.find((x) => x.sid === 'vm:102')!.backAfterS} s`);
    // Its link opens the report itself.
    await drillLine.getByTestId('score-report').click();
    expect(await page.getByTestId('score-report-date').textContent()).toBe(report.date);
    expect(await page.getByTestId('score-report-outcome').textContent()).toBe(report.outcome);
    await page.keyboard.press('Escape');

    // Latency over the last day: the rounds of the monitor store, read back through the core, give the figures.
    const { rounds } = await core.call('monitor.history', { sinceMs: Date.now() - 24 * 3600_000 });
    expect(rounds.length).toBeGreaterThanOrEqual(3);
    const latencyLine = card.getByTestId('score-latency');
    const latencyText = (await latencyLine.getByTestId('score-evidence').textContent())!;
    expect(latencyText).toMatch(new RegExp(`^Last 24 h, ${rounds.length} monitoring rounds `));
    // The worst network comes first, with its worst link.
    const named = /: on (\S+), (\S+) ↔ (\S+) worst/.exec(latencyText);
    expect(named, latencyText).not.toBeNull();
    const [, network, a, b] = named!;
    // The 30 ms link between sites a and b is the worst, over corosync's limit.
    expect([a, b].sort()).toEqual(['a1', 'b1']);
    const rtts = rounds.flatMap((r) => r.links.filter((l) => l.source === 'ping' && l.network === network && [l.a, l.b].sort().join() === 'a1,b1' && l.rttMs !== undefined).map((l) => l.rttMs!));
    expect(rtts.length).toBeGreaterThan(0);
    expect(latencyText).toContain(`worst ${formatMs(Math.max(...rtts))}, p95 ${formatMs(percentile(rtts, 95))}`);
    expect(Math.max(...rtts)).toBeGreaterThan(10);
    expect(latencyText).toMatch(/against 10 ms \(corosync link\d of cluster homelab\)/);
    expect(['warn', 'fail']).toContain(await latencyLine.getAttribute('data-status'));

    // Time sync: read on the hosts now, over SSH; the line says what each host answered, as stored with the facts.
    const timeLine = card.getByTestId('score-time-sync');
    expect(await timeLine.getByTestId('score-evidence').textContent()).toBe('Not read on any member yet.');
    const clickedAt = Date.now();
    await timeLine.getByTestId('score-action-clocks').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="score-time-sync"] [data-testid="score-evidence"]')?.textContent !== 'Not read on any member yet.', undefined, { timeout: 60_000 });
    const timeText = (await timeLine.getByTestId('score-evidence').textContent())!;
    const { facts } = await core.call('latency.current', {});
    const clocks = facts.clocks ?? [];
    expect(clocks.map((c) => c.node).sort()).toEqual(['a1', 'b1', 'c1']);
    for (const c of clocks) {
      expect(Date.parse(c.checkedAt)).toBeGreaterThanOrEqual(clickedAt - 1000);
      // The probe reached the host (a host out of reach would say "not read: …"): chrony or timedatectl answered, or said why not.
      if (c.synchronized === undefined) {
        expect(c.unknown).toMatch(/^(chrony not installed|chronyc: )/);
        // Members that gave the same reason are named together, in the cluster's order.
        const same = ['a1', 'b1', 'c1'].filter((n) => clocks.find((x) => x.node === n)?.unknown === c.unknown);
        expect(timeText).toContain(`${same.join(', ')} — ${c.unknown}`);
      } else expect(timeText).toMatch(new RegExp(`${c.node}: (synchronised|not synchronised)`));
    }
    expect(await timeLine.getAttribute('data-status')).toBe(clocks.every((c) => c.synchronized === undefined) ? 'unknown' : clocks.every((c) => c.synchronized) ? 'pass' : clocks.some((c) => c.synchronized === false) ? 'fail' : 'warn');
    // Storage health: what the cluster's API answered, or why it stays unknown.
    expect(await card.getByTestId('score-storage-health').getByTestId('score-evidence').textContent()).toMatch(/Ceph|ZFS|Not read/);
    timings.push(`scorecard: ${rounds.length} monitoring rounds in ${(monitorMs / 1000).toFixed(1)} s; latency "${latencyText}"; time sync "${timeText}"; storage "${await card.getByTestId('score-storage-health').getByTestId('score-evidence').textContent()}"`);
    await page.screenshot({ path: screenshotPath('qemu-drill-scorecard') });
    await page.close();
  }, 150_000);
});
