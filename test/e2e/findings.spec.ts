// Findings in Chromium as the admin meets them: a remedy in words with the button that does it (here
// "Add a QDevice host", which adds the host and makes it the cluster's QDevice), the file's field path
// only as a small monospace detail, the source document as a link opened outside the app, and the
// wizard's credential check offering the Cluster API panel instead of a YAML path; and the buttons
// that lead elsewhere land where the remedy is done: "Add a corosync link" on the networks panel at
// that cluster's links, "Accept the WAN layout" on the wizard's checks step at the acceptance box.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { estateOf } from '../../main/common/workspace/facts.js';
import { parseWorkspace } from '../../main/common/workspace/parse.js';
import { launchBrowser, screenshotPath } from '../support/browser.js';
import { startTestHost, type TestHost } from '../support/web-host.js';

const rendererDir = path.resolve('dist/renderer');
let t: TestHost;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let workspaceFile: string;

const workspace = `# Two Proxmox nodes at two sites and nothing to break a tie.
version: 1
name: Two-site pair
sites:
  - { name: home, kind: lan }
  - { name: office, kind: wan }
  - { name: cloud, kind: internet }
networks:
  - { name: mgmt, roles: [management], cidr: 10.0.0.0/24 }
  - { name: ring0, roles: [corosync], cidr: 10.1.0.0/24 }
nodes:
  - { name: pve1, site: home, addresses: { mgmt: 10.0.0.11, ring0: 10.1.0.11 } }
  - { name: pve2, site: office, addresses: { mgmt: 10.0.0.12, ring0: 10.1.0.12 } }
proxmox:
  clusters:
    - name: duo
      nodes: [pve1, pve2]
      links: [{ link: 0, network: ring0 }]
`;

/** Three nodes, one across town, and corosync's only link on the storage network. */
const farWorkspace = `version: 1
name: Far node
sites:
  - { name: home, kind: lan }
  - { name: office, kind: wan }
networks:
  - { name: mgmt, roles: [management], cidr: 10.0.0.0/24 }
  - { name: ring0, roles: [corosync, storage], cidr: 10.1.0.0/24 }
nodes:
  - { name: pve1, site: home, addresses: { mgmt: 10.0.0.11, ring0: 10.1.0.11 } }
  - { name: pve2, site: home, addresses: { mgmt: 10.0.0.12, ring0: 10.1.0.12 } }
  - { name: pve3, site: office, addresses: { mgmt: 10.0.0.13, ring0: 10.1.0.13 } }
proxmox:
  clusters:
    - name: trio
      nodes: [pve1, pve2, pve3]
      links: [{ link: 0, network: ring0 }]
      # Ready for the wizard (a confirmed certificate, root's password by its id); nothing listens there.
      api:
        endpoint: 127.0.0.1:9
        user: root@pam
        passwordSecret: pve-root
        fingerprint: ${'AB:'.repeat(31)}CD
`;

/** ring0 measured on this workspace's own estate: 30 ms to the far node. */
function farFacts() {
  const parsed = parseWorkspace(farWorkspace);
  if (!parsed.workspace) throw new Error('the far workspace does not parse');
  const estate = estateOf(parsed.workspace);
  const measuredAt = new Date().toISOString();
  const samples: object[] = [];
  const add = (a: string, b: string, avgMs: number) => {
    for (const [from, to] of [[a, b], [b, a]] as const) samples.push({ network: 'ring0', from, to, toAddress: estate.nodes[to]!.addresses.ring0, sent: 10, received: 10, lossPercent: 0, minMs: avgMs * 0.9, avgMs, medianMs: avgMs, maxMs: avgMs * 1.2, mdevMs: 0.3, measuredAt });
  };
  add('pve1', 'pve2', 0.3);
  add('pve1', 'pve3', 30);
  add('pve2', 'pve3', 31);
  return { latency: { version: 1, measuredAt, runner: 'ssh', count: 10, intervalS: 0.2, samples, estate } };
}

beforeAll(async () => {
  if (!fs.existsSync(path.join(rendererDir, 'index.html'))) throw new Error('Build the renderer first (node scripts/build.mjs).');
  t = await startTestHost({ staticDir: rendererDir });
  workspaceFile = path.join(t.core.options.workspaceDir, 'clusterwright.yaml');
  fs.mkdirSync(path.dirname(workspaceFile), { recursive: true });
  fs.writeFileSync(workspaceFile, workspace);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function waitSaved(page: Page) {
  await page.waitForFunction(() => document.querySelector('[data-testid="save-state"]')?.textContent === 'Saved', null, { timeout: 10_000 });
}

describe('findings', () => {
  it('offer the button that does the remedy, show the field path only as a detail, and link their source', async () => {
    const page = await browser.context.newPage();
    await page.goto(t.host.url);
    await page.getByTestId('node-pve1').waitFor({ state: 'attached' });
    await page.getByTestId('findings-tab').click();
    const quorum = page.locator('[data-testid="finding"][data-rule="proxmox.quorum-votes"]');
    await quorum.waitFor();

    // The message keeps its figures; the remedy speaks to the admin; the path is a small monospace detail.
    expect(await quorum.getByTestId('finding-message').textContent()).toMatch(/^Cluster duo has 2 votes \(2 nodes, no QDevice\)/);
    const remedy = (await quorum.getByTestId('finding-remedy').textContent())!;
    expect(remedy).toMatch(/^Add a third node, or a QDevice/);
    expect(remedy).not.toMatch(/proxmox\.|clusters\[|pvecm qdevice setup <|:\s*$/);
    const paths = quorum.getByTestId('finding-paths');
    expect(await paths.textContent()).toBe('in the file: proxmox.clusters[0].nodes');
    const detail = await paths.evaluate((el) => ({ font: getComputedStyle(el).fontFamily, size: parseFloat(getComputedStyle(el).fontSize) }));
    expect(detail.font).toMatch(/mono/i);
    expect(detail.size).toBeLessThan(12);

    // The source is the vendor's guide, as a link that opens outside the app (no request leaves this machine).
    const source = quorum.getByTestId('finding-source');
    expect(await source.textContent()).toMatch(/^Proxmox VE Administration Guide, chapter "Cluster Manager" \(pvecm\) — Requirements/);
    const href = await source.getAttribute('href');
    expect(href).toBe('https://pve.proxmox.com/pve-docs/chapter-pvecm.html#pvecm_cluster_requirements');
    await browser.context.route('https://pve.proxmox.com/**', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<title>stand-in for the Proxmox VE guide</title>' }));
    try {
      const [opened] = await Promise.all([browser.context.waitForEvent('page', { timeout: 10_000 }), source.click()]);
      await opened.waitForLoadState();
      expect(opened.url()).toBe(href);
      expect(page.url()).toContain('127.0.0.1');
      await opened.close();
    } finally {
      await browser.context.unroute('https://pve.proxmox.com/**');
    }
    await page.screenshot({ path: screenshotPath('findings-actions') });

    // The button does the remedy: the node form opens for a QDevice host at the site without members.
    const action = quorum.getByTestId('finding-action');
    expect(await action.textContent()).toBe('Add a QDevice host');
    await action.click();
    await page.getByTestId('qdevice-form-note').waitFor();
    expect(await page.getByTestId('qdevice-form-note').textContent()).toMatch(/QDevice of cluster duo/);
    expect(await page.getByTestId('node-site').inputValue()).toBe('cloud');
    await page.getByTestId('node-name').fill('qnetd');
    await page.getByTestId('node-address-mgmt').fill('10.0.0.20');
    await page.getByTestId('node-address-ring0').fill('10.1.0.20');
    await page.screenshot({ path: screenshotPath('findings-qdevice-form') });
    await page.getByTestId('add-node-submit').click();
    await page.getByTestId('node-qnetd').waitFor({ state: 'attached' });
    await waitSaved(page);
    const saved = fs.readFileSync(workspaceFile, 'utf8');
    expect(parseWorkspace(saved).workspace?.proxmox?.clusters[0]?.qdevice).toEqual({ host: 'qnetd', algorithm: 'ffsplit' });
    expect(saved).toContain('# Two Proxmox nodes at two sites and nothing to break a tie.');
    // The saved file's findings: the cluster now has its tie-breaker.
    await page.getByTestId('findings-tab').click();
    await page.getByTestId('findings').waitFor();
    await page.waitForFunction(() => !document.querySelector('[data-testid="finding"][data-rule="proxmox.quorum-votes"]'), null, { timeout: 10_000 });
    const rules = await page.locator('[data-testid="finding"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-rule')));
    expect(rules).not.toContain('proxmox.qdevice-placement');
    // Still unmeasured: the info finding offers the measurement itself.
    expect(await page.locator('[data-testid="finding"][data-rule="proxmox.corosync-latency"]').getByTestId('finding-action').textContent()).toBe('Measure latency');
  });

  it("the wizard's credential check names what to do and opens the Cluster API panel, the field only as a detail", async () => {
    const page = await browser.context.newPage();
    await page.goto(t.host.url);
    await page.getByTestId('node-pve1').waitFor({ state: 'attached' });
    await page.getByTestId('open-wizard').click();
    await page.getByTestId('new-cluster-proxmox').click();
    const alert = page.getByTestId('wizard-credentials');
    await alert.waitFor();
    const text = (await alert.textContent())!;
    expect(text).toMatch(/Set the cluster's API endpoint, confirm its certificate and store root@pam's password/);
    expect(text).not.toMatch(/secrets\.put/);
    expect(text).toContain('in the file: proxmox.clusters[0].api');
    // The endpoint field is off screen below the step's other fields until the button brings it there.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.getByTestId('wizard-credentials-action').click();
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'wizard-api-endpoint', null, { timeout: 5_000 });
    expect(await page.getByTestId('wizard-api-endpoint').inputValue()).toBe('10.0.0.11:8006');
    await page.screenshot({ path: screenshotPath('wizard-credentials-action') });
  });

  it('land where the remedy is done: the networks panel at the cluster\'s corosync links, the wizard\'s checks step at the WAN acceptance', async () => {
    const far = await startTestHost({ staticDir: rendererDir });
    try {
      const file = path.join(far.core.options.workspaceDir, 'clusterwright.yaml');
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, farWorkspace);
      fs.writeFileSync(path.join(far.core.options.workspaceDir, 'clusterwright.latency.json'), JSON.stringify(farFacts()));
      const page = await browser.context.newPage();
      const crashes: string[] = [];
      page.on('pageerror', (e) => crashes.push(e.message));
      await page.goto(far.host.url);
      await page.getByTestId('node-pve3').waitFor({ state: 'attached' });

      // "Add a corosync link": the inspector shows the networks panel, at trio's links, in view.
      await page.getByTestId('findings-tab').click();
      const shared = page.locator('[data-testid="finding"][data-rule="proxmox.corosync-separate"]');
      await shared.waitFor();
      expect(await shared.getByTestId('finding-remedy').textContent()).toMatch(/^Give corosync a dedicated network/);
      expect(await shared.getByTestId('finding-action').textContent()).toBe('Add a corosync link');
      await shared.getByTestId('finding-action').click();
      const links = page.getByTestId('corosync-links-trio');
      await links.waitFor();
      expect(await links.getAttribute('data-focused')).toBe('true');
      expect(await links.textContent()).toContain('link0 on ring0');
      expect(await links.getByRole('button', { name: 'Add link' }).isVisible()).toBe(true);
      expect(await links.evaluate((el) => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.top < window.innerHeight; })).toBe(true);
      await page.screenshot({ path: screenshotPath('findings-add-corosync-link') });

      // "Accept the WAN layout": the wizard opens at its checks step for trio, with the acceptance box focused.
      await page.getByTestId('findings-tab').click();
      const slow = page.locator('[data-testid="finding"][data-rule="proxmox.corosync-latency"]').filter({ hasText: 'between pve1 and pve3' });
      await slow.waitFor();
      expect(await slow.getByTestId('finding-message').textContent()).toMatch(/\b30(\.\d+)? ms/);
      expect(await slow.getByTestId('finding-action').textContent()).toBe('Accept the WAN layout');
      await slow.getByTestId('finding-action').click();
      await page.getByTestId('wizard-findings').waitFor();
      // The checks step, not the first one: the cluster's API panel is not shown.
      expect(await page.getByTestId('wizard-api-endpoint').count()).toBe(0);
      const accept = page.getByTestId('wizard-accept-wan');
      await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'wizard-accept-wan', null, { timeout: 5_000 });
      await page.screenshot({ path: screenshotPath('findings-accept-wan') });
      // Ticking it records the acceptance in the file, and the slow links are accepted.
      await accept.click();
      await page.waitForFunction(() => document.querySelector('[data-testid="wizard-findings"]')?.textContent?.includes('(accepted)'), null, { timeout: 10_000 });
      expect(fs.readFileSync(file, 'utf8')).toMatch(/wanTuning:[\s\S]*accepted: true/);
      // Leaving the networks panel and the wizard threw nothing.
      expect(crashes).toEqual([]);
      await page.close();
    } finally {
      await far.close();
    }
  });
});
