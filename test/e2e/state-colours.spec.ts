// The state colours tell the truth: on the example workspace, where nothing was measured or reached,
// no node dot is green (grey = not measured), on the canvas and in the navbar alike; once the latency
// of some nodes has been measured, those (and only those) turn green unless a finding says otherwise.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { estateOf } from '../../main/common/workspace/facts.js';
import { parseWorkspace } from '../../main/common/workspace/parse.js';
import { launchBrowser } from '../support/browser.js';
import { startTestHost, type TestHost } from '../support/web-host.js';

const fixture = path.resolve('test/fixtures/workspaces/example.yaml');
const GREY = '#adb5bd';
const GREEN = '#2f9e44';
/** The example's estate as a measurement records it, and where each node answers on a network. */
function exampleEstate() {
  const parsed = parseWorkspace(fs.readFileSync(fixture, 'utf8'));
  if (!parsed.workspace) throw new Error('the example workspace does not parse');
  return estateOf(parsed.workspace);
}
const addressOf = (node: string, network: string) => exampleEstate().nodes[node]?.addresses[network] ?? '';
let t: TestHost;
let browser: Awaited<ReturnType<typeof launchBrowser>>;

beforeAll(async () => {
  t = await startTestHost({ staticDir: path.resolve('dist/renderer') });
  fs.copyFileSync(fixture, path.join(t.core.options.workspaceDir, 'clusterwright.yaml'));
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

const nodes = ['pve1', 'pve2', 'pve3', 'os-ctl-east', 'os-cmp-east1', 'esx-a1', 'esx-b1', 'esx-witness'];

/** The colour of each node's status dot on the canvas and in the navbar, as hex. */
async function dots(page: Page): Promise<Record<string, { canvas: string; navbar: string }>> {
  return page.evaluate((names) => {
    const hex = (colour: string) => {
      const m = colour.match(/rgba?\((\d+),\s*(\d+),\s*(\d+)/);
      return m ? '#' + [m[1], m[2], m[3]].map((v) => Number(v).toString(16).padStart(2, '0')).join('') : colour.toLowerCase();
    };
    const out: Record<string, { canvas: string; navbar: string }> = {};
    for (const name of names) {
      const circle = document.querySelector(`[data-testid="node-${name}"] circle`);
      const nav = document.querySelector(`[data-testid="nav-node-${name}"] [aria-label]`) as HTMLElement | null;
      out[name] = { canvas: hex(circle?.getAttribute('fill') ?? ''), navbar: hex(nav ? getComputedStyle(nav).backgroundColor : '') };
    }
    return out;
  }, nodes);
}

describe('state colours', () => {
  it('shows every node grey (not measured) on the example workspace, where nothing was reached', async () => {
    const page = await browser.context.newPage();
    await page.goto(t.host.url);
    for (const n of nodes) await page.getByTestId(`node-${n}`).waitFor({ state: 'attached' });
    // The workspace's own findings are loaded with it (they are what used to turn every dot green).
    await page.getByTestId('findings-tab').waitFor();
    const seen = await dots(page);
    for (const n of nodes) {
      expect(seen[n]!.canvas, `${n} on the canvas`).toBe(GREY);
      expect(seen[n]!.navbar, `${n} in the navbar`).toBe(GREY);
    }
    // No link claims to be within limits either.
    const states = await page.locator('line[data-link-id]').evaluateAll((lines) => lines.map((l) => l.getAttribute('data-state')));
    expect(states.length).toBeGreaterThan(0);
    expect(states.filter((s) => s === 'ok')).toEqual([]);
    await page.close();
  });

  it('turns green only the nodes a measurement reached', async () => {
    const measuredAt = new Date().toISOString();
    const sample = (network: string, from: string, to: string, avgMs: number) => ({ network, from, to, toAddress: addressOf(to, network), sent: 5, received: 5, lossPercent: 0, minMs: avgMs, avgMs, medianMs: avgMs, maxMs: avgMs, mdevMs: 0.1, measuredAt });
    const facts = { latency: { version: 1, measuredAt, runner: 'ssh', count: 5, intervalS: 0.2, samples: [sample('mgmt', 'os-ctl-east', 'os-cmp-east1', 0.4), sample('mgmt', 'os-cmp-east1', 'os-ctl-east', 0.5)], estate: exampleEstate() } };
    // A second host: the first one keeps the workspace (and its facts) it opened.
    const measured = await startTestHost({ staticDir: path.resolve('dist/renderer') });
    fs.copyFileSync(fixture, path.join(measured.core.options.workspaceDir, 'clusterwright.yaml'));
    fs.writeFileSync(path.join(measured.core.options.workspaceDir, 'clusterwright.latency.json'), JSON.stringify(facts));
    const page = await browser.context.newPage();
    await page.goto(measured.host.url);
    for (const n of nodes) await page.getByTestId(`node-${n}`).waitFor({ state: 'attached' });
    await page.waitForFunction(() => document.querySelector('line[data-link-id^="management:mgmt"]') !== null);
    const seen = await dots(page);
    expect(seen['os-ctl-east']!.canvas).toBe(GREEN);
    expect(seen['os-cmp-east1']!.navbar).toBe(GREEN);
    for (const n of ['pve1', 'esx-witness', 'os-cmp-west1'].filter((x) => nodes.includes(x))) expect(seen[n]!.canvas, n).toBe(GREY);
    await page.close();
    await measured.close();
  });
});
