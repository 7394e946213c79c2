// The plan preview as a person reads it (one line per step with its node, collapsible highlighted
// command blocks, destructive steps marked, search), and notifications when a run finishes or fails.
// The cluster's nodes point at a closed port on 127.0.0.1: the wizard builds and previews the plan
// without reaching anything (the preview says what it could not read).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { serializeWorkspace } from '../../main/common/workspace/serialize.js';
import type { Workspace } from '../../main/common/workspace/schema.js';
import { launchBrowser, screenshotPath } from '../support/browser.js';
import { startTestHost, type TestHost } from '../support/web-host.js';

let t: TestHost;
let browser: Awaited<ReturnType<typeof launchBrowser>>;

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  const port = await closedPort();
  const node = (name: string, site: string, i: number) => ({ name, site, addresses: { ring0: `127.0.10.${i}`, ring1: `127.0.11.${i}` }, ssh: { host: '127.0.0.1', port, user: 'root' } });
  const workspace = {
    version: 1,
    name: 'Plan preview',
    sites: [
      { name: 'home', kind: 'lan' },
      { name: 'office', kind: 'man' },
    ],
    networks: [
      { name: 'ring0', roles: ['corosync'] },
      { name: 'ring1', roles: ['corosync'] },
    ],
    nodes: [node('pve1', 'home', 1), node('pve2', 'home', 2), node('pve3', 'office', 3)],
    proxmox: {
      clusters: [
        {
          name: 'homelab',
          nodes: ['pve1', 'pve2', 'pve3'],
          links: [
            { link: 0, network: 'ring0' },
            { link: 1, network: 'ring1' },
          ],
          api: { endpoint: `127.0.0.1:${port}`, user: 'root@pam', passwordSecret: 'pve-root', fingerprint: Array.from({ length: 32 }, (_, i) => (i * 7 + 16).toString(16).toUpperCase().padStart(2, '0')).join(':') },
        },
      ],
    },
  } as unknown as Workspace;
  t = await startTestHost({ staticDir: path.resolve('dist/renderer') });
  fs.writeFileSync(path.join(t.core.options.workspaceDir, 'clusterwright.yaml'), serializeWorkspace(workspace));
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe('the plan preview', () => {
  it('reads as one line per step with its node; commands collapse, wrap and are highlighted; destructive steps are marked; the plan can be searched', async () => {
    const page = await browser.context.newPage();
    await page.goto(t.host.url);
    await page.getByTestId('node-pve1').waitFor({ state: 'attached' });
    await page.getByTestId('open-wizard').click();
    await page.getByTestId('new-cluster-proxmox').click();
    await page.getByTestId('wizard-check').click();
    await page.getByTestId('wizard-to-plan').click();
    await page.getByTestId('plan-preview').waitFor({ timeout: 60_000 });

    const steps = page.locator('[data-testid^="plan-step-summary-"]');
    const count = await steps.count();
    expect(count).toBeGreaterThan(5);
    // One line per step: "N. node · title — what it does".
    for (const line of await steps.allTextContents()) expect(line).toMatch(/^\d+\. (node|API) \S+ · .+ — (runs|writes|changes|creates|calls|waits) /);
    const summaries = (await steps.allTextContents()).join('\n');
    expect(summaries).toMatch(/node pve1 · Create cluster homelab on pve1 — runs pvesh create \/cluster\/config/);
    expect(summaries).toMatch(/node pve2 · Join pve2 to homelab — runs pvesh create/);
    expect(summaries).toMatch(/node pve1 · Wait until homelab is quorate with 3 votes — waits for its check to pass \(up to \d+ s\)/);
    // Collapsed until asked: no command blocks yet.
    expect(await page.locator('[data-testid^="plan-step-details-"]').count()).toBe(0);
    const createStep = page.locator('[data-testid^="plan-step-"][data-testid$="create"], [data-testid^="plan-step-"]').filter({ hasText: 'Create cluster homelab' }).first();
    const createId = (await createStep.getAttribute('data-testid'))!.replace(/^plan-step-(summary-)?/, '');
    await page.getByTestId(`plan-step-toggle-${createId}`).click();
    const details = page.getByTestId(`plan-step-details-${createId}`);
    await details.waitFor();
    expect(await page.getByTestId(`plan-step-toggle-${createId}`).getAttribute('aria-expanded')).toBe('true');
    const block = details.locator('pre[data-block="shell"]').first();
    expect(await block.locator('[data-token="command"]').first().textContent()).toBe('pvesh');
    expect(await block.locator('[data-token="option"]').count()).toBeGreaterThan(0);
    // Wrapped, never scrolling sideways, and the block holds the whole command.
    expect(await block.evaluate((el) => getComputedStyle(el).whiteSpace)).toBe('pre-wrap');
    expect(await block.evaluate((el) => el.scrollWidth <= el.clientWidth + 1)).toBe(true);
    expect(await block.textContent()).toMatch(/^pvesh create \/cluster\/config/);

    // This plan changes nothing it cannot check first, so no step is marked destructive and Run is open
    // (the marking and the approval boxes are covered by PlanPreviewView.test.tsx with a destructive step).
    expect(await page.locator('[data-destructive]').count()).toBe(0);
    expect(await page.locator('[data-testid^="approve-"]').count()).toBe(0);
    expect(await page.getByTestId('plan-preview').textContent()).toMatch(new RegExp(`^${count} steps on 3 targets\\. Secrets are shown by id\\.`));
    expect(await page.getByTestId('wizard-run').isDisabled()).toBe(false);
    await page.mouse.move(5, 790);
    await page.waitForTimeout(300);
    await page.screenshot({ path: screenshotPath('plan-preview') });

    // Search: only the matching steps stay, opened, with the match marked.
    await page.getByTestId('plan-search').fill('pvesh create');
    await page.getByTestId('plan-search-count').waitFor();
    const shown = await steps.allTextContents();
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.length).toBeLessThan(count);
    expect(await page.getByTestId('plan-search-count').textContent()).toBe(`${shown.length} of ${count} steps match “pvesh create”`);
    expect(await page.locator('[data-testid^="plan-step-details-"]').count()).toBe(shown.length);
    expect(await page.locator('pre mark.cw-search-hit').count()).toBeGreaterThan(0);
    await page.mouse.move(5, 790);
    await page.waitForTimeout(300);
    await page.screenshot({ path: screenshotPath('plan-preview-search') });
    await page.getByTestId('plan-search').fill('no such thing anywhere');
    expect(await steps.count()).toBe(0);
    await page.getByTestId('plan-search').fill('');
    expect(await steps.count()).toBe(count);

    // Dark, as the system asks for it (the wizard drawer covers the header's toggle).
    await page.getByTestId(`plan-step-toggle-${createId}`).click();
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForFunction(() => document.documentElement.getAttribute('data-mantine-color-scheme') === 'dark');
    await page.mouse.move(5, 790);
    await page.waitForTimeout(300);
    await page.screenshot({ path: screenshotPath('plan-preview-dark') });
    await page.emulateMedia({ colorScheme: 'light' });
    await page.close();
  });
});

describe('job notifications', () => {
  const plan = (id: string, argv: string[]) => ({ id, title: `Test ${id}`, nodes: { here: { local: true as const } }, steps: [{ id: 'only', title: 'Run it', target: { node: 'here' }, action: { kind: 'exec' as const, command: { argv } } }] });

  it('tells when a run finishes and when one fails, and opens its log on request', async () => {
    const page = await browser.context.newPage();
    await page.goto(t.host.url);
    await page.getByTestId('node-pve1').waitFor({ state: 'attached' });
    const ok = await t.core.call('plan.apply', { plan: plan('notify-ok', ['true']), wait: true });
    expect(ok.result?.status).toBe('succeeded');
    const finished = page.getByTestId(`job-notification-${ok.runId}`);
    await finished.waitFor();
    expect(await finished.getAttribute('data-tone')).toBe('success');
    expect(await finished.textContent()).toMatch(/Plan notify-ok finished/);
    const bad = await t.core.call('plan.apply', { plan: plan('notify-bad', ['false']), wait: true });
    expect(bad.result?.status).toBe('failed');
    const failed = page.getByTestId(`job-notification-${bad.runId}`);
    await failed.waitFor();
    expect(await failed.getAttribute('data-tone')).toBe('error');
    expect(await failed.textContent()).toMatch(/Plan notify-bad failed.*Run it on node here/);
    await page.waitForTimeout(300);
    await page.screenshot({ path: screenshotPath('job-notifications') });
    // "Show the log" opens the jobs tab on that run.
    await failed.getByRole('button', { name: 'Show the log' }).click();
    await page.getByTestId(`job-${bad.runId}`).waitFor();
    expect(await page.getByTestId(`job-${bad.runId}`).getAttribute('data-selected')).toBe('true');
    expect(await page.getByTestId('dock-jobs').getAttribute('aria-selected')).toBe('true');
    await failed.waitFor({ state: 'detached' });
    await page.close();
  });
});
