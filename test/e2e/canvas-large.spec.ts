import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { serializeWorkspace } from '../../main/common/workspace/serialize.js';
import type { Workspace } from '../../main/common/workspace/schema.js';
import type { Facts } from '../../main/common/workspace/facts.js';
import { launchBrowser, screenshotPath } from '../support/browser.js';
import { startTestHost, type TestHost } from '../support/web-host.js';

const NODES = 1000;
const LINKS = 3000;
const SITES = 20;
let t: TestHost;
let browser: Awaited<ReturnType<typeof launchBrowser>>;

/** 1,000 nodes in 20 sites with 3,000 measured management links (deterministic). */
function largeWorkspace(): { workspace: Workspace; facts: Facts } {
  const workspace = {
    version: 1,
    name: 'Large estate',
    sites: Array.from({ length: SITES }, (_, i) => ({ name: `site-${i}`, kind: (['lan', 'man', 'wan', 'internet'] as const)[i % 4]! })),
    networks: [{ name: 'mgmt', roles: ['management'], cidr: '198.18.0.0/16' }],
    nodes: Array.from({ length: NODES }, (_, i) => ({ name: `node-${i}`, site: `site-${i % SITES}`, addresses: { mgmt: `198.18.${Math.floor(i / 250)}.${(i % 250) + 1}` } })),
  } as unknown as Workspace;
  const samples: NonNullable<Facts['latency']>['samples'] = [];
  const seen = new Set<string>();
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  while (samples.length < LINKS) {
    const a = Math.floor(rand() * NODES);
    const b = rand() < 0.8 ? (a + SITES * (1 + Math.floor(rand() * 4))) % NODES : Math.floor(rand() * NODES);
    const key = a < b ? `${a}-${b}` : `${b}-${a}`;
    if (a === b || seen.has(key)) continue;
    seen.add(key);
    const rtt = 0.2 + rand() * 3;
    samples.push({ network: 'mgmt', from: `node-${a}`, to: `node-${b}`, toAddress: '198.18.0.1', sent: 5, received: 5, lossPercent: 0, minMs: rtt, avgMs: rtt, maxMs: rtt, mdevMs: 0.05, measuredAt: new Date(0).toISOString() });
  }
  return { workspace, facts: { latency: { version: 1, measuredAt: new Date(0).toISOString(), runner: 'ssh', count: 5, intervalS: 0.2, samples } } };
}

beforeAll(async () => {
  t = await startTestHost({ staticDir: path.resolve('dist/renderer') });
  const { workspace, facts } = largeWorkspace();
  fs.writeFileSync(path.join(t.core.options.workspaceDir, 'clusterwright.yaml'), serializeWorkspace(workspace));
  fs.writeFileSync(path.join(t.core.options.workspaceDir, 'clusterwright.latency.json'), JSON.stringify(facts));
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe('a large workspace on the canvas', () => {
  it('draws 1,000 nodes and 3,000 links and stays usable', async () => {
    const page = await browser.context.newPage();
    await page.goto(t.host.url);
    await page.getByTestId('topology-svg').waitFor({ timeout: 60_000 });
    await page.waitForFunction((n) => document.querySelectorAll('g[data-node-id]').length === n, NODES, { timeout: 60_000 });
    expect(await page.locator('line[data-link-id]').count()).toBe(LINKS);
    expect(await page.locator('g[data-site-id]').count()).toBe(SITES);
    // Still responsive: find a node by name and select it.
    const started = Date.now();
    await page.getByRole('button', { name: 'Find a node' }).click();
    await page.getByPlaceholder('Find a node').fill('node-777');
    await page.getByRole('option', { name: 'node-777' }).click();
    await page.getByTestId('node-inspector').waitFor();
    expect(await page.getByTestId('node-inspector').textContent()).toContain('node-777');
    const selectMs = Date.now() - started;
    console.log(`large canvas: search and select took ${selectMs} ms`);
    await page.screenshot({ path: screenshotPath('canvas-large') });
  });
});
