// "New cluster" starts with the approach advisor, in Chromium against the real web host: three estates (one
// site; three sites with one far away; two data sites and a witness site) reach three different
// recommendations; "Continue with this approach" shows the workspace shaped for it as a diff, saving opens the
// stack's wizard (or says it is not available yet), and the Scorecard tab shows the new cluster's evidence.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estateOf } from '../../main/common/workspace/facts.js';
import { parseWorkspace } from '../../main/common/workspace/parse.js';
import { launchBrowser } from '../support/browser.js';
import { startTestHost, type TestHost } from '../support/web-host.js';

let browser: Awaited<ReturnType<typeof launchBrowser>>;
const hosts: TestHost[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  for (const h of hosts) await h.close();
});

/** A workspace of sites with n nodes each, one management network, and measured round trips between sites. */
async function estateHost(name: string, sites: Record<string, number>, rtt: Record<string, number>, drills: unknown[] = []): Promise<TestHost> {
  let ip = 10;
  const nodes = Object.entries(sites).flatMap(([site, n]) => Array.from({ length: n }, (_, i) => ({ name: `${site}${i + 1}`, site, address: `10.0.0.${ip++}` })));
  const yaml = [
    'version: 1',
    `name: ${name}`,
    'sites:',
    ...Object.keys(sites).map((s) => `  - { name: ${s}, kind: lan }`),
    'networks:',
    '  - { name: mgmt, roles: [management], bandwidthGbps: 25 }',
    'nodes:',
    ...nodes.map((n) => `  - { name: ${n.name}, site: ${n.site}, addresses: { mgmt: ${n.address} } }`),
    '',
  ].join('\n');
  const parsed = parseWorkspace(yaml);
  if (!parsed.workspace) throw new Error(JSON.stringify(parsed.issues));
  const measuredAt = new Date().toISOString();
  const siteRtt = (a: string, b: string) => (a === b ? 0.3 : (rtt[`${a}~${b}`] ?? rtt[`${b}~${a}`] ?? 0.3));
  const samples = nodes.flatMap((x) => nodes.filter((y) => y !== x).map((y) => ({ network: 'mgmt', from: x.name, to: y.name, toAddress: y.address, sent: 10, received: 10, lossPercent: 0, medianMs: siteRtt(x.site, y.site), avgMs: siteRtt(x.site, y.site), mdevMs: 0.2, measuredAt })));
  const facts = { latency: { version: 1, measuredAt, runner: 'ssh', count: 10, intervalS: 0.2, samples, estate: estateOf(parsed.workspace) }, drills };
  const t = await startTestHost({ staticDir: path.resolve('dist/renderer') });
  hosts.push(t);
  fs.writeFileSync(path.join(t.core.options.workspaceDir, 'clusterwright.yaml'), yaml);
  fs.writeFileSync(path.join(t.core.options.workspaceDir, 'clusterwright.latency.json'), JSON.stringify(facts));
  return t;
}

async function openAdvisor(t: TestHost, firstNode: string) {
  const page = await browser.context.newPage();
  await page.goto(t.host.url);
  await page.getByTestId(`node-${firstNode}`).waitFor({ state: 'attached' });
  await page.getByTestId('open-wizard').click();
  await page.getByTestId('advisor-table').waitFor();
  return page;
}

/** The saved workspace file, as the core reads it back. */
function savedText(t: TestHost): string {
  return fs.readFileSync(path.join(t.core.options.workspaceDir, 'clusterwright.yaml'), 'utf8');
}

async function waitSaved(t: TestHost, pattern: RegExp) {
  for (let i = 0; i < 100 && !pattern.test(savedText(t)); i++) await new Promise((r) => setTimeout(r, 100));
  expect(savedText(t)).toMatch(pattern);
}

describe('the approach advisor in Chromium', () => {
  it('one site: one Proxmox VE cluster; the shaped workspace as a diff, the wizard opened pre-filled, the scorecard with a drill', async () => {
    const drill = { stack: 'proxmox', cluster: 'rack', scenario: 'node rack3', at: '2026-12-01T10:00:00Z', result: 'passed' };
    const t = await estateHost('one-site', { rack: 3 }, {}, [drill]);
    const page = await openAdvisor(t, 'rack1');
    expect(await page.getByTestId('advisor-recommendation').textContent()).toBe('One Proxmox VE cluster');
    expect(await page.locator('[data-testid^="advisor-row-"]').first().getAttribute('data-testid')).toBe('advisor-row-proxmox-one-cluster');
    // The alternatives stand beside it, vSAN outside its limit with what it would need.
    await expect.poll(() => page.getByTestId('advisor-row-vsan-stretched').textContent()).toMatch(/outside a limit.*this estate has one site.*A second data site within 5 ms/);
    // Before: the scorecard has no cluster to score.
    await page.keyboard.press('Escape');
    await page.getByTestId('scorecard-tab').click();
    await page.getByText('No cluster or region is defined yet').waitFor();
    await page.getByTestId('open-wizard').click();
    await page.getByTestId('advisor-continue-proxmox-one-cluster').click();
    const diff = await page.getByTestId('advisor-diff').textContent();
    expect(diff).toMatch(/\+ proxmox:/);
    expect(diff).toMatch(/\+ *- name: rack/);
    expect(savedText(t)).not.toMatch(/proxmox:/);
    await page.getByTestId('advisor-save').click();
    // The Proxmox wizard opens on the shaped cluster, and the file is saved with it.
    await page.getByTestId('wizard-check').waitFor();
    expect(await page.getByTestId('wizard-cluster').inputValue()).toMatch(/^rack — rack1, rack2, rack3$/);
    await waitSaved(t, /proxmox:\s+clusters:\s+- name: rack/);
    await page.keyboard.press('Escape');
    await page.getByTestId('scorecard-tab').click();
    const card = page.getByTestId('scorecard-proxmox-rack');
    await card.waitFor();
    expect(await card.getByTestId('score-quorum').getAttribute('data-status')).toBe('pass');
    expect(await card.getByTestId('score-drill').textContent()).toMatch(/Last drill 2026-12-01 \(node rack3\): passed/);
    expect(await card.getByTestId('score-latency').textContent()).toMatch(/rack\d ↔ rack\d on mgmt: 0.3 ms median/);
    await page.screenshot({ path: 'test-results/advisor-scorecard.png' });
    await page.close();
  });

  it('three sites, one far away: separate clusters joined by cross-cluster moves, the deciding figure highlighted', async () => {
    const t = await estateHost('far-site', { home: 2, office: 2, far: 2 }, { 'home~office': 1, 'home~far': 80, 'office~far': 81 });
    const page = await openAdvisor(t, 'home1');
    expect(await page.getByTestId('advisor-recommendation').textContent()).toBe('Separate Proxmox VE clusters joined by cross-cluster moves');
    const deciding = await page.locator('[data-testid="advisor-row-proxmox-separate-clusters"] [data-deciding="true"]').allTextContents();
    expect(deciding.join(' ')).toMatch(/office ↔ far 81 ms ±0.2: above corosync's 5 ms/);
    // One cluster across them is out, and says why.
    expect(await page.getByTestId('advisor-row-proxmox-one-cluster').textContent()).toMatch(/past what WAN tuning can carry/);
    await page.screenshot({ path: 'test-results/advisor-far-site.png' });
    await page.getByTestId('advisor-continue-proxmox-separate-clusters').click();
    const diff = await page.getByTestId('advisor-diff').textContent();
    expect(diff).toMatch(/\+ *- name: home/);
    expect(diff).toMatch(/\+ *- name: far/);
    await page.getByTestId('advisor-save').click();
    await page.getByTestId('wizard-check').waitFor();
    await waitSaved(t, /- name: far\s+nodes: \[ far1, far2 \]/);
    await page.close();
  });

  it('two data sites and a witness site, vSAN licensed: a vSAN stretched cluster, its wizard opened on the shaped cluster', async () => {
    const t = await estateHost('stretched', { dca: 3, dcb: 3, wit: 1 }, { 'dca~dcb': 2, 'dca~wit': 40, 'dcb~wit': 42 });
    const page = await openAdvisor(t, 'dca1');
    // Without a licence, one Proxmox cluster with the witness site as QDevice host wins.
    expect(await page.getByTestId('advisor-recommendation').textContent()).toBe('One Proxmox VE cluster with a QDevice');
    await page.getByTestId('advisor-licence-vsan').click();
    await page.getByTestId('advisor-workload').getByText('Apps certified on a vendor hypervisor').click();
    await expect.poll(() => page.getByTestId('advisor-recommendation').textContent()).toBe('vSAN stretched cluster');
    expect(await page.getByTestId('advisor-row-vsan-stretched').textContent()).toMatch(/Witness at wit: 42 ms to the farther data site, within 200 ms/);
    await page.getByTestId('advisor-continue-vsan-stretched').click();
    expect(await page.getByTestId('advisor-diff').textContent()).toMatch(/\+ vsan:[\s\S]*preferredSite/);
    expect(await page.getByTestId('advisor-no-wizard').count()).toBe(0);
    expect(await page.getByTestId('advisor-save').textContent()).toBe('Save and open the wizard');
    await page.getByTestId('advisor-save').click();
    await waitSaved(t, /vsan:\s+clusters:\s+- name: stretched/);
    expect(savedText(t)).toMatch(/witness: \{ host: wit1, site: wit \}|witness:\s+host: wit1/);
    // The vSAN wizard opens on the cluster the advisor shaped.
    await page.getByTestId('vsan-layout').waitFor();
    expect(await page.getByTestId('vsan-layout').textContent()).toMatch(/wit1/);
    await page.close();
  });
  it('the scorecard\'s fixes open where they are done: the drill dialog, the QDevice host form, the overlay panel, the monitor tab', async () => {
    // Two nodes at two sites on one network: no tie-breaker, no drill, one path, no monitoring history.
    const yaml = [
      'version: 1',
      'name: duo',
      'sites: [{ name: home, kind: lan }, { name: office, kind: lan }]',
      'networks: [{ name: mgmt, roles: [management, corosync] }]',
      'nodes:',
      '  - { name: home1, site: home, addresses: { mgmt: 10.0.0.11 } }',
      '  - { name: office1, site: office, addresses: { mgmt: 10.0.0.12 } }',
      'proxmox:',
      '  clusters: [{ name: duo, nodes: [home1, office1], links: [{ link: 0, network: mgmt }] }]',
      '',
    ].join('\n');
    const t = await startTestHost({ staticDir: path.resolve('dist/renderer') });
    hosts.push(t);
    fs.writeFileSync(path.join(t.core.options.workspaceDir, 'clusterwright.yaml'), yaml);
    const page = await browser.context.newPage();
    await page.goto(t.host.url);
    await page.getByTestId('node-home1').waitFor({ state: 'attached' });
    const card = page.getByTestId('scorecard-proxmox-duo');
    const open = async () => {
      await page.getByTestId('scorecard-tab').click();
      await card.waitFor();
      await page.locator('[data-testid="scorecard"][data-evidence="read"]').waitFor();
    };
    await open();
    // The evidence was read: no history, and the storage line says why it stays unknown.
    expect(await card.getByTestId('score-latency').getAttribute('data-status')).toBe('unknown');
    expect(await card.getByTestId('score-latency').textContent()).toMatch(/No monitoring history over the last day/);
    expect(await card.getByTestId('score-storage-health').textContent()).toMatch(/Not read: cluster duo has no api block/);
    // No button of the card is disabled any more.
    expect(await card.locator('button[disabled]').count()).toBe(0);

    await card.getByTestId('score-drill').getByTestId('score-action-drill').click();
    await page.getByRole('dialog', { name: 'Failover drill: site home' }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog', { name: 'Failover drill: site home' }).waitFor({ state: 'detached' });

    await card.getByTestId('score-quorum').getByTestId('score-action-finding').click();
    expect(await page.getByTestId('qdevice-form-note').textContent()).toMatch(/duo/);

    await open();
    await card.getByTestId('score-redundant-links').getByTestId('score-action-overlay').click();
    await page.getByTestId('overlay-panel').waitFor();

    await open();
    await card.getByTestId('score-latency').getByTestId('score-action-monitor').click();
    await page.getByTestId('monitor-panel').waitFor();
    await page.close();
  });
});
