// WireGuard overlays in Chromium against the real web host: the tunnels drawn as their own link type
// (a double line labelled with the RTT over the tunnel, the MTU and the handshake's age; green, red when
// an end is down or the handshake is older than the keepalive allows, in the legend too), and the panel
// that proposes an overlay for the sites that meet over the Internet, writes it into the workspace file
// and previews its keys plan. Nothing here reaches a node: the nodes sit on loopback addresses and only
// plans that read nothing remote are previewed.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { estate } from '../../main/common/overlay/test-estate.js';
import { estateOf } from '../../main/common/workspace/facts.js';
import { parseWorkspace } from '../../main/common/workspace/parse.js';
import { serializeWorkspace } from '../../main/common/workspace/serialize.js';
import type { Workspace } from '../../main/common/workspace/schema.js';
import { saveFacts } from '../../main/node/workspace/facts-file.js';
import { launchBrowser, screenshotPath } from '../support/browser.js';
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

/** The overlay test estate on loopback addresses: three sites, the cloud one over the Internet. */
function loopbackEstate(withOverlay: boolean): Workspace {
  const ws = estate();
  ws.networks = ws.networks.map((n) => (n.name === 'wan' ? { ...n, cidr: '127.0.5.0/24' } : n));
  ws.nodes = ws.nodes.map((n, i) => ({ ...n, addresses: { ...n.addresses, wan: `127.0.5.${11 + i}` }, ssh: { host: `127.0.5.${11 + i}`, user: 'root' } }));
  if (!withOverlay) {
    const { overlays: _none, ...plain } = ws;
    plain.networks = plain.networks.filter((n) => n.name !== 'ring1');
    plain.nodes = plain.nodes.map((n) => ({ ...n, addresses: { wan: n.addresses.wan! } }));
    plain.proxmox!.clusters[0]!.links = [{ link: 0, network: 'wan' }];
    delete plain.proxmox!.clusters[0]!.migrationNetwork;
    plain.networks = plain.networks.filter((n) => n.name !== 'mig');
    return plain as Workspace;
  }
  return ws;
}

async function hostWith(ws: Workspace, facts?: (file: string) => Promise<void>): Promise<TestHost> {
  const t = await startTestHost({ staticDir: path.resolve('dist/renderer') });
  hosts.push(t);
  const file = path.join(t.core.options.workspaceDir, 'clusterwright.yaml');
  const text = serializeWorkspace(ws);
  expect(parseWorkspace(text).issues.filter((i) => i.severity === 'error')).toEqual([]);
  fs.writeFileSync(file, text);
  await facts?.(file);
  return t;
}

const tunnelStates = (page: Page): Promise<Record<string, [string | null, string | null]>> =>
  page.locator('[data-tunnel]').evaluateAll((els) =>
    Object.fromEntries(els.map((e) => [e.getAttribute('data-tunnel'), [e.getAttribute('data-state'), document.querySelector(`[data-tunnel-label="${e.getAttribute('data-tunnel')}"]`)?.textContent ?? null]])),
  );

describe('WireGuard overlays on the canvas', () => {
  it('draws each tunnel as a double line with RTT, MTU and handshake age; red when down or older than the keepalive allows', async () => {
    const ws = loopbackEstate(true);
    const members = ['pve1', 'pve2', 'pve3'];
    const t = await hostWith(ws, async (file) => {
      const hs = (node: string, peer: string, ageS?: number, down?: boolean) => ({ node, peer, ...(ageS !== undefined ? { ageS } : {}), ...(down ? { down } : {}) });
      const e = estateOf(ws);
      await saveFacts(file, {
        overlays: [
          {
            overlay: 'sites',
            interface: 'cw-sites',
            measuredAt: new Date().toISOString(),
            pathMtu: [],
            mtu: 1360,
            interfaces: members.map((node) => ({ node, up: node !== 'pve3', mtu: 1360, implementation: 'wireguard-go' as const })),
            // pve1–pve2: 12 s; pve1–pve3: pve3's interface is down; pve2–pve3 too.
            handshakes: [hs('pve1', 'pve2', 12), hs('pve2', 'pve1', 9), hs('pve1', 'pve3', 211), hs('pve3', 'pve1', undefined, true), hs('pve2', 'pve3', 214), hs('pve3', 'pve2', undefined, true)],
            latency: [{ a: 'pve1', b: 'pve2', overlay: { sent: 20, received: 20, lossPercent: 0, medianMs: 31.4, avgMs: 31.8, mdevMs: 0.5 }, underlay: { sent: 20, received: 20, lossPercent: 0, medianMs: 30.9 } }],
            throughput: [],
            estate: { ...e, nodes: Object.fromEntries(members.map((m) => [m, e.nodes[m]!])) },
          },
        ],
      });
    });
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(t.host.url);
    await page.getByTestId('tunnel-pve1-pve2').waitFor({ state: 'attached' });
    expect(await tunnelStates(page)).toEqual({
      'pve1-pve2': ['ok', expect.stringContaining('31 ms · MTU 1360 · hs 12 s')],
      'pve1-pve3': ['error', expect.stringContaining('MTU 1360 · down')],
      'pve2-pve3': ['error', expect.stringContaining('MTU 1360 · down')],
    });
    // A double line: the wall in the state colour, a hollow core in the canvas's background.
    const lines = await page.locator('[data-tunnel="pve1-pve2"] path').evaluateAll((ls) => ls.map((l) => [l.getAttribute('stroke-width'), getComputedStyle(l).stroke]));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toEqual(['6', 'rgb(47, 158, 68)']);
    expect(Number(lines[1]![0])).toBeLessThan(6);
    expect(lines[1]![1]).not.toBe(lines[0]![1]);
    // The full figures are the tunnel's accessible name.
    expect(await page.getByTestId('tunnel-pve1-pve3').getAttribute('aria-label')).toMatch(/WireGuard tunnel pve1 – pve3 \(overlay sites, cw-sites\): MTU 1360, interface down on pve3 — over a limit or down/);
    await page.getByRole('button', { name: 'Show the legend' }).click();
    await expect.poll(() => page.getByTestId('legend-tunnel').textContent()).toMatch(/WireGuard tunnel \(overlay\)/);
    await page.screenshot({ path: screenshotPath('overlay-tunnels') });
    await page.close();
  });

  it('proposes an overlay for the Internet site from the panel, writes it into the workspace, draws its tunnels grey and previews the keys plan', async () => {
    const t = await hostWith(loopbackEstate(false));
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(t.host.url);
    await page.getByTestId('node-pve1').waitFor({ state: 'attached' });
    expect(await page.locator('[data-tunnel]').count()).toBe(0);
    await page.getByRole('button', { name: 'WireGuard overlays between sites' }).click();
    await page.getByTestId('overlay-panel').waitFor();
    await expect.poll(() => page.getByTestId('overlay-proposal').textContent()).toMatch(/cloud meets the others over the Internet/);
    expect(await page.getByTestId('overlay-range').inputValue()).toBe('10.99.0.0/24');
    // A range that is no range is refused with the reason, and nothing is written.
    await page.getByTestId('overlay-range').fill('10.99.0.0/99');
    await page.getByTestId('add-overlay').click();
    await expect.poll(() => page.getByTestId('form-error').textContent()).toMatch(/Could not add overlay sites: .*(CIDR|cidr|addressRange)/);
    await page.getByTestId('overlay-range').fill('10.99.0.0/24');
    await page.getByTestId('add-overlay').click();
    await page.getByTestId('overlay-card-sites').waitFor();
    expect(await page.getByTestId('overlay-sites').count()).toBe(0);
    // Three tunnels, grey (nothing read yet), and the file holds the overlay once saved.
    await expect.poll(async () => Object.values(await tunnelStates(page)).map((s) => s[0])).toEqual(['unmeasured', 'unmeasured', 'unmeasured']);
    const file = path.join(t.core.options.workspaceDir, 'clusterwright.yaml');
    await expect.poll(() => fs.readFileSync(file, 'utf8'), { timeout: 10_000 }).toMatch(/overlays:\n {2}- name: sites[\s\S]*addressRange: 10\.99\.0\.0\/24[\s\S]*keepalive: 25/);
    const saved = parseWorkspace(fs.readFileSync(file, 'utf8')).workspace!;
    expect(saved.overlays?.[0]).toMatchObject({ sites: ['home', 'office', 'cloud'], networks: ['overlay'], underlay: 'wan' });
    expect(saved.networks.find((n) => n.name === 'overlay')).toMatchObject({ roles: ['corosync'], cidr: '10.99.0.0/24' });
    // Plan the keys: the preview lists each node's tools check and key generation, with no private key in it.
    await page.getByTestId('overlay-plan-keys').click();
    await page.getByTestId('overlay-plan').waitFor();
    const text = (await page.getByTestId('overlay-plan').textContent()) ?? '';
    expect(text).toMatch(/6 steps on 3 targets/);
    expect(text).toMatch(/generates its own key pair in \/etc\/wireguard/);
    await page.screenshot({ path: screenshotPath('overlay-keys-plan') });
    await page.close();
  });
});
