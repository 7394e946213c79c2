// The what-if overlay and the monitoring charts in Chromium against the real web host: the admin loses a
// site and cuts a link on paper and reads who keeps quorum on the canvas; then starts monitoring (the
// nodes answer on loopback addresses, pinged from this machine), hovers a link for its sparkline and
// opens its chart with the corosync limits drawn on it; and a cluster's caveat (a vSAN cluster left with two
// fault domains) shown beside its verdicts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { launchBrowser, screenshotPath } from '../support/browser.js';
import { startTestHost, type TestHost } from '../support/web-host.js';

const workspaceYaml = `version: 1
name: what-if
sites:
  - { name: a, kind: lan }
  - { name: b, kind: man }
  - { name: c, kind: wan }
networks:
  - { name: ring0, roles: [corosync], cidr: 127.0.0.0/8 }
nodes:
  - { name: a1, site: a, addresses: { ring0: 127.0.0.11 } }
  - { name: a2, site: a, addresses: { ring0: 127.0.0.12 } }
  - { name: b1, site: b, addresses: { ring0: 127.0.0.13 } }
  - { name: c1, site: c, addresses: { ring0: 127.0.0.14 } }
  - { name: c2, site: c, addresses: { ring0: 127.0.0.15 } }
proxmox:
  clusters:
    - name: lab
      nodes: [a1, a2, b1, c1, c2]
      links: [{ link: 0, network: ring0 }]
`;

let t: TestHost;
let browser: Awaited<ReturnType<typeof launchBrowser>>;

beforeAll(async () => {
  t = await startTestHost({ staticDir: path.resolve('dist/renderer'), core: { nodeCommands: 'local' } });
  fs.writeFileSync(path.join(t.core.options.workspaceDir, 'clusterwright.yaml'), workspaceYaml);
  browser = await launchBrowser();
});
afterAll(async () => {
  await t?.core.call('monitor.stop', {}).catch(() => undefined);
  await browser?.close();
  await t?.close();
});

const whatIfState = (page: import('playwright-core').Page) =>
  page.evaluate(() => Object.fromEntries(['a', 'b', 'c'].map((s) => [s, document.querySelector(`[data-testid="site-${s}"]`)?.getAttribute('data-whatif') ?? null])));

describe('the what-if overlay and the monitoring charts', () => {
  it('loses a site and cuts a link on paper, and shows who keeps quorum', async () => {
    const page = await browser.context.newPage();
    await page.goto(t.host.url);
    await page.getByTestId('node-a1').waitFor({ state: 'attached' });
    await page.getByRole('button', { name: 'What-if: cut sites and links on paper' }).click();
    await page.getByTestId('whatif-panel').waitFor();
    // Every single failure is listed before anything is picked.
    expect(await page.getByTestId('whatif-single').allTextContents()).toContain('site b lost: a and c keep quorum, 4 of 5 votes');

    // The panel may cover part of the canvas (the admin pans it aside): the click goes to the site's region itself.
    await page.locator('[data-testid="site-b"] rect').dispatchEvent('click');
    await page.waitForFunction(() => document.querySelector('[data-testid="whatif-verdict"]') !== null);
    expect(await page.getByTestId('whatif-verdict').textContent()).toBe('lab: site b lost: a and c keep quorum, 4 of 5 votes');
    expect(await whatIfState(page)).toEqual({ a: 'keeps', b: 'lost', c: 'keeps' });

    // A link between a and c: the path between the sites is cut too; a and c now hold 2 votes each.
    await page.locator('line[data-link-id$=":a1~c1"], line[data-link-id$=":c1~a1"]').first().dispatchEvent('click');
    await page.getByTestId('whatif-cut').waitFor({ state: 'attached' });
    expect(await page.getByTestId('whatif-cut').getAttribute('data-between')).toBe('a|c');
    expect(await page.getByTestId('whatif-verdict').textContent()).toMatch(/^lab: site b lost and link a–c cut: no partition keeps quorum/);
    expect(await whatIfState(page)).toEqual({ a: 'loses', b: 'lost', c: 'loses' });
    expect(await page.getByTestId('whatif-failure').allTextContents()).toEqual(['site b lost', 'link a–c cut']);
    await page.screenshot({ path: screenshotPath('whatif-overlay') });

    // Undo the site loss: the cut alone leaves a and c apart, b reaching both (no stable outcome or one side).
    await page.getByRole('button', { name: 'Undo: site b lost' }).click();
    expect(await page.getByTestId('whatif-failure').allTextContents()).toEqual(['link a–c cut']);
    expect(await page.getByTestId('whatif-verdict').textContent()).toMatch(/^lab: link a–c cut: one of \d+ outcomes/);
    // Closing the overlay leaves the canvas as it was; a click on a site selects it again.
    await page.getByRole('button', { name: 'Close the what-if overlay' }).first().click();
    await page.getByTestId('whatif-panel').waitFor({ state: 'detached' });
    expect(await whatIfState(page)).toEqual({ a: null, b: null, c: null });
    await page.close();
  }, 60_000);

  it('draws a sparkline on a hovered link and its chart, with the limits, in the inspector', async () => {
    const page = await browser.context.newPage();
    await page.goto(t.host.url);
    await page.getByTestId('node-a1').waitFor({ state: 'attached' });
    await page.getByTestId('monitor-tab').click();
    await page.locator('input[aria-label="Polling interval"]').click();
    await page.getByRole('option', { name: 'Every 2 s' }).click();
    await page.getByTestId('monitor-start').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="monitor-link"]').length === 10, undefined, { timeout: 30_000 });
    // Three rounds: a line with a few points.
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && (await t.core.call('monitor.status', {})).rounds < 3) await page.waitForTimeout(250);

    const line = page.locator('line[data-link-id$=":a1~b1"], line[data-link-id$=":b1~a1"]').first();
    // React derives mouseenter from mouseover (coming from outside the page here).
    await line.dispatchEvent('mouseover');
    await page.getByTestId('link-hover').waitFor({ state: 'attached' });
    expect(Number(await page.locator('[data-testid="link-hover"] [data-testid="sparkline"]').getAttribute('data-points'))).toBeGreaterThanOrEqual(2);
    await page.screenshot({ path: screenshotPath('monitor-sparkline') });
    await line.dispatchEvent('mouseout');
    await page.getByTestId('link-hover').waitFor({ state: 'detached' });

    await line.dispatchEvent('click');
    await page.getByTestId('inspector-tab').click();
    const chart = page.getByTestId('link-chart');
    await chart.waitFor();
    expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThanOrEqual(3);
    expect(await chart.getAttribute('data-last-loss')).toBe('0');
    expect(await chart.getAttribute('aria-label')).toMatch(/^History of a1 – b1 on ring0: \d+ rounds, last \d+\.\d ms$/);
    // The corosync limits of the validation rules, drawn as lines.
    expect(await page.locator('[data-testid="limit-warn"] text').textContent()).toBe('5 ms');
    expect(await page.locator('[data-testid="limit-error"] text').textContent()).toBe('10 ms limit');
    expect(await page.getByTestId('rtt-line').getAttribute('d')).toMatch(/^M[\d.]+,[\d.]+L/);
    expect(await page.getByTestId('link-inspector').textContent()).toContain('Held to 5 ms (warning) and 10 ms: corosync');
    await page.screenshot({ path: screenshotPath('monitor-link-chart') });
    await t.core.call('monitor.stop', {});
    await page.close();
  }, 90_000);
  it('shows a cluster’s finding beside its verdicts: a vSAN cluster no longer stretched, left with two fault domains', async () => {
    const unstretched = [
      'version: 1',
      'name: what-if-fd',
      'sites:',
      '  - { name: a, kind: lan }',
      '  - { name: b, kind: man }',
      'networks:',
      '  - { name: mgmt, roles: [management], cidr: 127.0.0.0/8 }',
      'nodes:',
      ...['a1', 'a2', 'b1', 'b2'].map((n, i) => `  - { name: ${n}, site: ${n[0]}, addresses: { mgmt: 127.0.0.${21 + i} } }`),
      'vsan:',
      '  clusters:',
      '    - name: plain',
      '      vcenter: { endpoint: 127.0.0.1 }',
      '      stretched: false',
      '      preferredSite: { site: a, hosts: [a1, a2] }',
      '      secondarySite: { site: b, hosts: [b1, b2] }',
      '',
    ].join('\n');
    const other = await startTestHost({ staticDir: path.resolve('dist/renderer') });
    try {
      fs.writeFileSync(path.join(other.core.options.workspaceDir, 'clusterwright.yaml'), unstretched);
      const page = await browser.context.newPage();
      await page.goto(other.host.url);
      await page.getByTestId('node-a1').waitFor({ state: 'attached' });
      await page.getByRole('button', { name: 'What-if: cut sites and links on paper' }).click();
      const panel = page.getByTestId('whatif-panel');
      await panel.waitFor();
      // Before anything is picked: once, above the single failures.
      const finding = page.getByTestId('whatif-finding');
      expect(await finding.count()).toBe(1);
      expect(await finding.textContent()).toMatch(/^⚠ vSAN cluster plain has two fault domains \(a and b\): FTT=1 mirroring needs three/);
      expect(await page.getByTestId('whatif-single').allTextContents()).toContain('link a–b cut: no partition keeps the objects (a: 1 of 3 votes, needs 2; b: 1 of 3 votes, needs 2)');

      await page.locator('[data-testid="site-b"] rect').dispatchEvent('click');
      await page.waitForFunction(() => document.querySelector('[data-testid="whatif-verdict"]') !== null);
      expect(await page.getByTestId('whatif-verdict').textContent()).toBe('plain: site b lost: no partition keeps the objects (a: 1 of 3 votes, needs 2)');
      // Right under the verdict, then again above the single failures; two lines at most, the whole text on hover, inside the panel.
      expect(await finding.count()).toBe(2);
      const under = await page.evaluate(() => document.querySelector('[data-testid="whatif-verdict"]')?.nextElementSibling?.getAttribute('data-testid'));
      expect(under).toBe('whatif-finding');
      expect(await finding.first().getAttribute('title')).toMatch(/^vSAN cluster plain has two fault domains .* then repair the objects$/);
      const [box, panelBox] = [await finding.first().boundingBox(), await panel.boundingBox()];
      expect(box!.height).toBeLessThanOrEqual(2 * 20);
      expect(box!.x + box!.width).toBeLessThanOrEqual(panelBox!.x + panelBox!.width);
      await page.close();
    } finally {
      await other.close();
    }
  }, 60_000);
});
