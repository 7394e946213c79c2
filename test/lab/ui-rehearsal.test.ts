// "Rehearse in the lab first" in Chromium: a workspace of four sites whose latency file was recorded on the real
// nodes (never reached: their addresses are loopback ones nothing answers on) is rehearsed from the Proxmox
// wizard's plan step. The rehearsal lab replays the recording, the panel shows each site pair's round trip in the
// lab and the test holds it against what the lab holds for the recording (its whole-millisecond step, within
// 0.5 ms of the recording; ±10 % or ±0.3 ms); the plan reaches quorum there (real corosync under the Proxmox
// test servers); the real plan stays shown, its hash the rehearsed one; the lab is gone afterwards; the result
// is read back after a reload, and turns stale once the plan changes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { run } from '../../main/node/lab/index.js';
import { MemorySecretStore } from '../../main/node/secrets/index.js';
import { rehearsalPathFor } from '../../main/node/services/rehearsal.js';
import { useAppWithLab } from '../support/app-lab.js';
import { screenshotPath } from '../support/browser.js';
import { fourOfficesRecorded, fourOfficesYaml, sitePairKey, writeFourOffices } from '../support/four-offices.js';
import { describeLab } from '../support/lab.js';

const PREFIX = 'cwrui';

const fingerprint = Array.from({ length: 32 }, (_, i) => (i * 7 + 16).toString(16).toUpperCase().padStart(2, '0')).join(':');

/** The real estate: loopback addresses and a closed API port, so nothing in the test can reach a real node. */
const workspaceYaml = (passwordSecret: string) => fourOfficesYaml('127.0.40', `endpoint: "127.0.40.11:9", user: root@pam, passwordSecret: ${passwordSecret}, fingerprint: "${fingerprint}"`);
const recorded = fourOfficesRecorded;
const pairKey = sitePairKey;

describeLab('rehearsing the wizard\'s plan in the lab first (Chromium)', () => {
  const secrets = new MemorySecretStore();
  const app = useAppWithLab(PREFIX, (home) => ({ ssh: { secrets, sshConfigFile: null, engine: { pinnedHostKeysFile: path.join(home, 'pins.json'), knownHostsFiles: [] } } }));

  it('rehearses a four-site estate from the wizard: the lab matches the recording, the plan reaches quorum, the real plan keeps its hash', async () => {
    const passwordSecret = await secrets.put('not-the-real-one', { label: 'root@pam on offices', kind: 'password' });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cw-${PREFIX}-ws-`));
    const { file } = await writeFourOffices(dir, workspaceYaml(passwordSecret));
    const core = app.server.core;
    await core.call('workspace.open', { path: dir, remember: false });

    const page = await app.browser.context.newPage();
    await page.goto(app.server.host.url);
    await page.getByTestId('node-zh1').waitFor({ state: 'attached', timeout: 30_000 });
    const toPlan = async () => {
      await page.getByTestId('open-wizard').click();
      await page.getByTestId('new-cluster-proxmox').click();
      await page.getByTestId('wizard-check').click();
      await page.getByTestId('wizard-findings').waitFor();
      await page.getByTestId('wizard-to-plan').click();
      await page.getByTestId('wizard-plan').waitFor();
      await page.getByTestId('rehearsal-panel').waitFor();
    };
    await toPlan();
    // The real plan, as the wizard shows it, and its hash (what the admin would approve and run).
    const realHash = await page.getByTestId('rehearsal-real-hash').getAttribute('data-hash');
    expect(realHash).toMatch(/^[0-9a-f]{64}$/);
    const realSteps = await page.locator('[data-testid^="plan-step-summary-"]').count();
    expect(realSteps).toBeGreaterThan(5);

    const started = Date.now();
    await page.getByTestId('rehearsal-start').click();
    await page.getByTestId('rehearsal-running').waitFor();
    await page.getByTestId('rehearsal-result').waitFor({ timeout: 240_000 });
    const wallMs = Date.now() - started;
    await page.getByTestId('rehearsal-panel').scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshotPath('wizard-rehearsal') });
    expect(await page.getByTestId('rehearsal-error').count()).toBe(0);

    // Each site pair's round trip in the lab, read from the panel, against the recording.
    const rows = await page.getByTestId('rehearsal-link').evaluateAll((els) =>
      els.map((el) => ({ sites: el.getAttribute('data-sites')!, recorded: Number(el.getAttribute('data-recorded-ms')), holds: Number(el.getAttribute('data-holds-ms')), measured: Number(el.getAttribute('data-measured-ms')), matches: el.getAttribute('data-matches') })),
    );
    expect(rows.map((r) => pairKey(...(r.sites.split('|') as [string, string]))).sort()).toEqual(Object.keys(recorded).sort());
    const lines: string[] = [];
    const misses: string[] = [];
    for (const row of rows) {
      const fig = recorded[pairKey(...(row.sites.split('|') as [string, string]))]!;
      // The lab delays in whole milliseconds per direction: it holds the recording on that step (within 0.5 ms),
      // and its round trip is judged against what it holds, as the panel's badge is.
      const tolerance = Math.max(0.1 * row.holds, 0.3) + 1e-9;
      const line = `${row.sites}: recorded ${fig.rtt} ms, held ${row.holds} ms, lab ${row.measured.toFixed(2)} ms (${(row.measured - row.holds >= 0 ? '+' : '') + (row.measured - row.holds).toFixed(2)}; ±${tolerance.toFixed(2)})`;
      lines.push(line);
      // The panel shows the recording as it is in the latency file, and the lab's figure within the tolerance.
      expect(row.recorded).toBeCloseTo(fig.rtt, 6);
      expect(Number.isFinite(row.holds) && row.holds > 0).toBe(true);
      expect(Math.abs(row.holds - fig.rtt)).toBeLessThanOrEqual(0.5 + 1e-9);
      if (!(Math.abs(row.measured - row.holds) <= tolerance)) misses.push(line);
      else expect(row.matches).toBe('true');
    }
    console.log(`rehearsal round trips:\n  ${lines.join('\n  ')}`);
    expect(misses, 'site pairs whose lab round trip misses the recording').toEqual([]);

    // The plan ran in the lab and the cluster reached quorum there, as the panel shows.
    expect(await page.getByTestId('rehearsal-status').textContent()).toBe('plan succeeded');
    expect(await page.getByTestId('rehearsal-quorum').getAttribute('data-quorate')).toBe('true');
    expect(await page.getByTestId('rehearsal-quorum').textContent()).toBe('quorum reached');
    const members = await page.getByTestId('rehearsal-members').textContent();
    for (const node of ['zh1', 'zh2', 'be1', 'bs1', 'ge1']) expect(members).toContain(`${node} online`);
    const steps = await page.locator('[data-testid^="rehearsal-step-"]').evaluateAll((els) => els.map((el) => ({ id: el.getAttribute('data-testid')!, state: el.getAttribute('data-state') })));
    expect(steps.length).toBe(realSteps);
    expect(steps.filter((s) => s.state !== 'succeeded' && s.state !== 'skipped')).toEqual([]);
    expect(steps.map((s) => s.id)).toContain('rehearsal-step-create');

    // The real plan is still the one shown, and its hash is the one rehearsed (not stale).
    await page.getByTestId('wizard-plan').waitFor();
    expect(await page.getByTestId('wizard-run').isVisible()).toBe(true);
    expect(await page.getByTestId('rehearsal-real-hash').getAttribute('data-hash')).toBe(realHash);
    expect(await page.getByTestId('rehearsal-hash').getAttribute('data-hash')).toBe(realHash);
    expect(await page.getByTestId('rehearsal-result').getAttribute('data-stale')).toBe('false');
    expect(await page.getByTestId('rehearsal-stale').count()).toBe(0);

    // The rehearsal lab is gone: no namespace of this prefix, no lab running; the result is kept beside the workspace.
    const netns = JSON.parse((await run(['ip', '-j', 'netns', 'list'])).stdout || '[]') as { name: string }[];
    expect(netns.filter((n) => n.name.startsWith(`${PREFIX}-`))).toEqual([]);
    expect((await core.call('lab.status', {})).running).toBe(false);
    const kept = JSON.parse(fs.readFileSync(rehearsalPathFor(file), 'utf8')) as { records: { planHash: string; wallMs: number; lab: { upMs: number } }[] };
    expect(kept.records.map((r) => r.planHash)).toEqual([realHash]);
    console.log(`rehearsal in Chromium: ${wallMs} ms from the click to the result (backend ${kept.records[0]!.wallMs} ms, lab up ${kept.records[0]!.lab.upMs} ms)\n  ${lines.join('\n  ')}`);

    // After a reload, the wizard reads the kept result back: same run, same hash, still fresh.
    const ranAt = await page.getByTestId('rehearsal-ran-at').getAttribute('data-ran-at');
    await page.reload();
    await page.getByTestId('node-zh1').waitFor({ state: 'attached', timeout: 30_000 });
    await toPlan();
    await page.getByTestId('rehearsal-result').waitFor();
    expect(await page.getByTestId('rehearsal-ran-at').getAttribute('data-ran-at')).toBe(ranAt);
    expect(await page.getByTestId('rehearsal-hash').getAttribute('data-hash')).toBe(realHash);
    expect(await page.getByTestId('rehearsal-quorum').getAttribute('data-quorate')).toBe('true');
    expect(await page.getByTestId('rehearsal-result').getAttribute('data-stale')).toBe('false');

    // Once the plan changes (a knet link priority in the workspace), the rehearsal is said to be stale.
    const current = await core.call('workspace.current', {});
    const changed = structuredClone(current.workspace!);
    changed.proxmox!.clusters[0]!.links[0]!.priority = 7;
    await core.call('workspace.save', { workspace: changed, revision: current.revision });
    await page.reload();
    await page.getByTestId('node-zh1').waitFor({ state: 'attached', timeout: 30_000 });
    await toPlan();
    await page.getByTestId('rehearsal-stale').waitFor();
    const newHash = await page.getByTestId('rehearsal-real-hash').getAttribute('data-hash');
    expect(newHash).not.toBe(realHash);
    expect(await page.getByTestId('rehearsal-result').getAttribute('data-stale')).toBe('true');
    expect(await page.getByTestId('rehearsal-stale').textContent()).toContain(realHash!.slice(0, 12));
  }, 300_000);
});
