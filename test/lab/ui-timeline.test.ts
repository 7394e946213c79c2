// A cluster's service timeline in Chromium against real services, without a lab: two Proxmox nodes, each in
// its own sandbox with real corosync and the Proxmox test server, each a one-node cluster (east, west) with an
// HA resource. The admin opens the workspace, starts monitoring every 2 s and clicks cluster east: the
// inspector's timeline has one row per thing the monitor read (the HA manager's master, the node's LRM, the HA
// resource, the API), all green; east's API stops (a pveproxy outage) and comes back: its row turns red, then
// green again as a new run, the run's tooltip names the state and its times, the label says what is not ok
// while it lasts; a click on cluster west shows west's rows.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { clusterSeriesKey, type ClusterSample } from '../../main/common/monitor/model.js';
import type { Workspace } from '../../main/common/workspace/schema.js';
import { serializeWorkspace } from '../../main/common/workspace/serialize.js';
import { MemorySecretStore } from '../../main/node/secrets/index.js';
import { PinnedHostKeys } from '../../main/node/ssh/pinned-host-keys.js';
import { parsableKeyPair } from '../../main/node/ssh/testing/ssh2-server.js';
import { stateColours } from '../../renderer/src/features/topology/link-styles.js';
import { launchBrowser, screenshotPath } from '../support/browser.js';
import { describeLab } from '../support/lab.js';
import { startSandboxedPveNode, type SandboxedPveNode } from '../support/proxmox/sandboxed-node.js';
import { startTestHost, type TestHost } from '../support/web-host.js';

const PREFIX = 'cwtml';
const API = 'Proxmox VE API';

interface ShownRow {
  key: string;
  level: string | null;
  state: string | null;
  runs: { fill: string | null; title: string }[];
}

/** The inspector's timeline as Chromium shows it: its label and each row with its runs. */
async function inspectorTimeline(page: Page): Promise<{ title: string; label: string | null; rows: ShownRow[]; ticks: string[] }> {
  return page.evaluate(() => {
    const inspector = document.querySelector('[data-testid="cluster-inspector"]');
    const svg = inspector?.querySelector('[data-testid="cluster-timeline"]');
    return {
      title: inspector?.querySelector('h3')?.textContent ?? '',
      label: svg?.getAttribute('aria-label') ?? null,
      rows: [...(svg?.querySelectorAll('[data-testid="timeline-row"]') ?? [])].map((g) => ({
        key: g.getAttribute('data-row') ?? '',
        level: g.getAttribute('data-level'),
        state: g.getAttribute('data-state'),
        runs: [...g.querySelectorAll('rect')].map((r) => ({ fill: r.getAttribute('fill'), title: r.querySelector('title')?.textContent ?? '' })),
      })),
      ticks: [...(svg?.querySelectorAll('[data-testid="timeline-tick"]') ?? [])].map((x) => x.textContent ?? ''),
    };
  });
}

describeLab('the cluster timeline in the app, against sandboxed Proxmox nodes', () => {
  let dir = '';
  const rootPassword = crypto.randomBytes(12).toString('base64url');
  const secrets = new MemorySecretStore();
  // A loopback /24 of this machine for the two APIs (port 8006), picked at random so parallel runs do not meet.
  const net = `127.${100 + Math.floor(Math.random() * 100)}.${Math.floor(Math.random() * 250)}`;
  const nodes: Record<string, SandboxedPveNode> = {};
  let t: TestHost | undefined;
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), `cw-${PREFIX}-`));
    const pinnedHostKeysFile = path.join(dir, 'pinned-host-keys.json');
    const key = parsableKeyPair('ed25519');
    const keyFile = path.join(dir, 'id_ed25519');
    fs.writeFileSync(keyFile, key.private, { mode: 0o600 });
    const layout = [
      { name: 'pve1', cluster: 'east', address: '127.0.1.1', listen: `${net}.1`, vmid: 100 },
      { name: 'pve2', cluster: 'west', address: '127.0.1.2', listen: `${net}.2`, vmid: 200 },
    ];
    for (const n of layout) {
      nodes[n.name] = await startSandboxedPveNode({
        name: n.name,
        address: n.address,
        listen: n.listen,
        dir: path.join(dir, n.name),
        rootPassword,
        authorizedKey: key.public,
        cluster: n.cluster,
        guests: [{ vmid: n.vmid, name: `web${n.vmid}`, memoryMiB: 512, cores: 1, running: true, disks: [{ key: 'scsi0', storage: 'local-lvm', sizeGiB: 8 }] }],
        haResources: [`vm:${n.vmid}`],
      });
      // The admin trusted each node's SSH host key before (pinned), as the first connection would ask.
      new PinnedHostKeys(pinnedHostKeysFile).pin(nodes[n.name]!.ssh.host, nodes[n.name]!.ssh.port, nodes[n.name]!.ssh.hostKeyBlob);
    }
    const passwordSecret = await secrets.put(rootPassword, { label: 'root@pam', kind: 'password' });
    const workspace = {
      version: 1,
      name: 'timeline',
      sites: [
        { name: 'east', kind: 'lan' },
        { name: 'west', kind: 'wan' },
      ],
      networks: [{ name: 'ring0', roles: ['corosync'], cidr: '127.0.0.0/8' }],
      nodes: layout.map((n) => ({ name: n.name, site: n.cluster, addresses: { ring0: n.address }, ssh: { host: nodes[n.name]!.ssh.host, port: nodes[n.name]!.ssh.port, user: 'root', identityFile: keyFile } })),
      proxmox: {
        clusters: layout.map((n) => ({ name: n.cluster, nodes: [n.name], links: [{ link: 0, network: 'ring0' }], api: { endpoint: nodes[n.name]!.endpoint, passwordSecret, fingerprint: nodes[n.name]!.fingerprint } })),
      },
    } as unknown as Workspace;
    t = await startTestHost({ staticDir: path.resolve('dist/renderer'), core: { ssh: { secrets, sshConfigFile: null, engine: { knownHostsFiles: [], pinnedHostKeysFile } } } });
    fs.writeFileSync(path.join(t.core.options.workspaceDir, 'clusterwright.yaml'), serializeWorkspace(workspace));
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await t?.core.call('monitor.stop', {}).catch(() => undefined);
    await browser?.close();
    await t?.close();
    for (const n of Object.values(nodes)) await n.stop();
    // Nothing started here outlives the suite (corosync died with its sandbox).
    for (const n of Object.values(nodes)) expect(fs.existsSync(`/proc/${n.sandbox.initPid}`)).toBe(false);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  /** East's samples of the rounds so far, as the core recorded them. */
  const eastRounds = async (): Promise<{ t: number; c: ClusterSample }[]> =>
    (await t!.core.call('monitor.history', {})).rounds.flatMap((r) => r.clusters.filter((c) => clusterSeriesKey(c.stack, c.cluster) === clusterSeriesKey('proxmox', 'east')).map((c) => ({ t: r.t, c })));

  it('shows one row per thing read, a red run while the API is down and green again after, and follows the selection', async () => {
    const started = Date.now();
    const page = await browser!.context.newPage();
    await page.goto(t!.host.url);
    await page.getByTestId('node-pve1').waitFor({ state: 'attached' });
    await page.getByTestId('monitor-tab').click();
    await page.locator('input[aria-label="Polling interval"]').click();
    await page.getByRole('option', { name: 'Every 2 s' }).click();
    await page.getByTestId('monitor-start').click();
    await page.locator('[data-testid="monitor-cluster"][data-cluster="east"]').click({ timeout: 15_000 });
    await page.getByTestId('inspector-tab').click();

    // 1. One row per thing the monitor read of east, each green with its state now.
    const eastKeys = ['api/Proxmox VE API', 'ha-crm/pve1', 'ha-lrm/pve1', 'ha-service/vm:100'];
    await expect.poll(async () => (await inspectorTimeline(page)).rows.map((r) => r.key).sort(), { timeout: 15_000, interval: 250 }).toEqual(eastKeys);
    let shown = await inspectorTimeline(page);
    expect(shown.title).toBe('east');
    const read = (await eastRounds()).at(-1)!.c;
    expect(read.reachable).toBe(true);
    expect([...(read.services ?? []).map((s) => `${s.kind}/${s.name}`), ...(read.apis ?? []).map((a) => `api/${a.name}`)].sort()).toEqual(eastKeys);
    expect(Object.fromEntries(shown.rows.map((r) => [r.key, [r.level, r.state]]))).toEqual({
      'api/Proxmox VE API': ['ok', expect.stringMatching(/^\d+ ms$/)],
      'ha-crm/pve1': ['ok', 'active'],
      'ha-lrm/pve1': ['ok', 'active'],
      'ha-service/vm:100': ['ok', 'started'],
    });
    for (const row of shown.rows) expect(row.runs.map((r) => r.fill)).toEqual([stateColours.ok]);
    expect(shown.label).toBe('State of east over time: everything ok now');

    // 2. East's API stops: its row turns red ("no answer") as a new run, the HA rows grey (not read through it).
    await nodes.pve1!.stopApi();
    await expect.poll(async () => (await inspectorTimeline(page)).rows.find((r) => r.key === `api/${API}`)?.level, { timeout: 15_000, interval: 250 }).toBe('error');
    shown = await inspectorTimeline(page);
    // The worst row first.
    expect(shown.rows[0]!.key).toBe(`api/${API}`);
    expect(shown.rows[0]!.state).toBe('no answer');
    expect(shown.rows[0]!.runs.map((r) => r.fill)).toEqual([stateColours.ok, stateColours.error]);
    for (const row of shown.rows.slice(1)) {
      expect([row.level, row.state]).toEqual(['unmeasured', 'not read']);
      expect(row.runs.map((r) => r.fill)).toEqual([stateColours.ok, stateColours.unmeasured]);
    }
    expect(shown.label).toBe(`State of east over time: now not ok: ${API}`);
    await page.screenshot({ path: screenshotPath('monitor-cluster-timeline-api-down') });

    // 3. It comes back: green again, as a third run; the red run between keeps its state and times.
    await nodes.pve1!.startApi();
    await expect.poll(async () => (await inspectorTimeline(page)).rows.find((r) => r.key === `api/${API}`)?.level, { timeout: 15_000, interval: 250 }).toBe('ok');
    await expect.poll(async () => (await inspectorTimeline(page)).rows.every((r) => r.level === 'ok'), { timeout: 15_000, interval: 250 }).toBe(true);
    shown = await inspectorTimeline(page);
    const api = shown.rows.find((r) => r.key === `api/${API}`)!;
    expect(api.runs.map((r) => r.fill)).toEqual([stateColours.ok, stateColours.error, stateColours.ok]);
    for (const row of shown.rows.filter((r) => r !== api)) expect(row.runs.map((r) => r.fill)).toEqual([stateColours.ok, stateColours.unmeasured, stateColours.ok]);
    expect(shown.label).toBe('State of east over time: everything ok now');
    // The time axis over these few seconds: two to four ticks, each named apart.
    expect(shown.ticks.length).toBeGreaterThanOrEqual(2);
    expect(shown.ticks.length).toBeLessThanOrEqual(4);
    expect(new Set(shown.ticks).size).toBe(shown.ticks.length);
    // The red run spans the rounds the API did not answer: from the first of them to the first that answered again.
    const rounds = await eastRounds();
    const down = rounds.findIndex((r) => r.c.apis?.[0]?.reachable === false);
    const back = rounds.findIndex((r, i) => i > down && r.c.apis?.[0]?.reachable === true);
    expect(down).toBeGreaterThan(0);
    expect(back).toBeGreaterThan(down);
    const [from, to] = await page.evaluate(([a, b]) => [new Date(a).toLocaleTimeString(), new Date(b).toLocaleTimeString()], [rounds[down]!.t, rounds[back]!.t] as const);
    expect(api.runs[1]!.title).toBe(`${API}: no answer (${from} – ${to})`);
    expect(api.runs[0]!.title).toMatch(new RegExp(`^${API}: \\d+ ms \\(.+ – ${from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)$`));
    await page.locator('[data-testid="cluster-inspector"]').screenshot({ path: screenshotPath('monitor-cluster-timeline') });

    // 4. The timeline follows the selection: cluster west, west's rows.
    await page.getByTestId('monitor-tab').click();
    await page.locator('[data-testid="monitor-cluster"][data-cluster="west"]').click();
    await page.getByTestId('inspector-tab').click();
    await expect.poll(async () => (await inspectorTimeline(page)).title, { timeout: 5_000, interval: 100 }).toBe('west');
    shown = await inspectorTimeline(page);
    expect(shown.rows.map((r) => r.key).sort()).toEqual(['api/Proxmox VE API', 'ha-crm/pve2', 'ha-lrm/pve2', 'ha-service/vm:200']);
    expect(shown.rows.every((r) => r.level === 'ok' && r.runs.length === 1)).toBe(true);
    expect(shown.label).toBe('State of west over time: everything ok now');
    await t!.core.call('monitor.stop', {});
    console.log(`cluster timeline in Chromium: ${rounds.length} rounds of east, API down for ${back - down} round(s); ${((Date.now() - started) / 1000).toFixed(1)} s from the page opening`);
    await page.close();
  }, 90_000);
});
