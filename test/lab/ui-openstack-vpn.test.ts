// The OpenStack wizard's "Inter-region networking" step in Chromium, against real Keystone and neutron-server with
// the VPNaaS plugin per region (no agents) started by this file on 127.0.0.1: after the catalog, the wizard previews
// the VPN plan for the workspace's vpn interconnect, runs it through the engine, and says the connections were
// created but no VPN agent has brought them up; neutron then holds them both ways; the pre-shared key is never in
// the page.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { serializeWorkspace } from '../../main/common/workspace/serialize.js';
import { workspaceSchema } from '../../main/common/workspace/schema.js';
import { MemorySecretStore } from '../../main/node/secrets/index.js';
import { OpenstackHttp } from '../../main/node/stacks/openstack/client/http.js';
import { KeystoneClient } from '../../main/node/stacks/openstack/client/keystone.js';
import { NeutronClient } from '../../main/node/stacks/openstack/client/neutron.js';
import { startLabRegions, type LabRegionLayout, type LabRegions } from '../../main/node/stacks/openstack/lab/regions.js';
import { launchBrowser, screenshotPath } from '../support/browser.js';
import { describeLab } from '../support/lab.js';
import { openstackSkipReason } from '../support/openstack/lab.js';
import { regionsBaseWorkspace } from '../support/openstack/regions-core.js';
import { startTestHost, type TestHost } from '../support/web-host.js';

const layout: LabRegionLayout[] = [
  { name: 'RegionOne', keystone: true, hosts: ['u1a'] },
  { name: 'RegionTwo', keystone: false, hosts: ['u2a'] },
];
const PSK = `ui-vpn "key" <b>${process.pid}</b>`;

describeLab(
  'the OpenStack wizard creates the inter-region VPN in Chromium (real Keystone and neutron-server with VPNaaS, no agents)',
  () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-ui-osvpn-'));
    const previousHome = process.env.CLUSTERWRIGHT_HOME;
    const secrets = new MemorySecretStore();
    let host: TestHost | undefined;
    let regions: LabRegions | undefined;
    let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
    let http: OpenstackHttp | undefined;
    const neutron = new Map<string, NeutronClient>();
    const gateways = new Map<string, string>();

    beforeAll(async () => {
      process.env.CLUSTERWRIGHT_HOME = home;
      regions = await startLabRegions(layout, { secrets, labName: 'cwuvp', glance: false, neutron: true });
      // What the admin has before the VPN: per region an external network, a tenant subnet, a router between them.
      http = new OpenstackHttp({ timeoutMs: 60_000 });
      const lab = regions.lab;
      const keystone = new KeystoneClient({ authUrl: lab.keystone.url, http, credentials: { kind: 'password', user: { name: 'admin', domain: { id: 'default' } }, password: lab.admin.password, scope: { project: { name: 'admin', domain: { id: 'default' } } } } });
      await Promise.all(
        lab.regions.map(async (r, i) => {
          const n = new NeutronClient({ keystone, region: r.name, endpointOverride: r.neutron!.url });
          neutron.set(r.name, n);
          const wan = await n.createNetwork({ name: 'wan', 'router:external': true, 'provider:network_type': 'flat', 'provider:physical_network': 'physnet1' });
          await n.createSubnet({ network_id: wan.id, cidr: `203.0.11${3 + i}.0/24`, ip_version: 4, enable_dhcp: false });
          const net = await n.createNetwork({ name: 'tenant' });
          const subnet = await n.createSubnet({ network_id: net.id, cidr: `10.5${i}.0.0/24`, ip_version: 4, name: 'tenant-subnet' });
          const router = await n.createRouter({ name: 'edge', external_gateway_info: { network_id: wan.id } });
          await n.addRouterInterface(router.id, subnet.id);
          gateways.set(r.name, NeutronClient.gatewayAddress(router));
        }),
      );
      const pskSecret = await secrets.put(PSK, { label: 'VPN pre-shared key', kind: 'password' });
      const base = regions.workspace(regionsBaseWorkspace(layout));
      const side = { router: 'edge', subnets: ['tenant-subnet'] };
      const workspace = workspaceSchema.parse({ ...base, openstack: { ...base.openstack, interconnects: [{ between: ['RegionOne', 'RegionTwo'], kind: 'vpn', vpn: { pskSecret, sides: { RegionOne: side, RegionTwo: side } } }] } });
      host = await startTestHost({ staticDir: path.resolve(process.env.CW_RENDERER_DIR ?? 'dist/renderer'), core: { nodeCommands: 'local', stackOptions: { openstack: { pollMs: 200 } }, ssh: { secrets, sshConfigFile: null } } });
      fs.mkdirSync(host.core.options.workspaceDir, { recursive: true });
      fs.writeFileSync(path.join(host.core.options.workspaceDir, 'clusterwright.yaml'), serializeWorkspace(workspace));
      browser = await launchBrowser();
    }, 300_000);
    afterAll(async () => {
      await browser?.close();
      await host?.close();
      await http?.close();
      await regions?.stop();
      fs.rmSync(home, { recursive: true, force: true });
      if (previousHome === undefined) delete process.env.CLUSTERWRIGHT_HOME;
      else process.env.CLUSTERWRIGHT_HOME = previousHome;
    }, 60_000);

    it('previews and runs the VPN plan after the catalog, and says the connections are created but not up', async () => {
      const page = await browser!.context.newPage();
      await page.goto(host!.host.url);
      await page.getByTestId('node-u1a').waitFor({ timeout: 30_000 });
      await page.getByTestId('open-wizard').click();
      await page.getByTestId('new-cluster-openstack').click();
      await page.getByTestId('openstack-skip-to-catalog').click();
      await page.getByTestId('openstack-register').click();
      await page.getByTestId('openstack-catalog-result').waitFor({ timeout: 60_000 });
      await page.getByTestId('openstack-verify').click();
      await page.getByTestId('openstack-catalog-regions').waitFor({ timeout: 30_000 });

      const t0 = Date.now();
      await page.getByTestId('openstack-plan-vpn').click();
      await page.getByTestId('openstack-vpn-run').waitFor({ timeout: 30_000 });
      expect(await page.getByTestId('openstack-vpn-interconnects').textContent()).toContain('cw-RegionOne-RegionTwo-to-RegionTwo on router edge (RegionOne); cw-RegionOne-RegionTwo-to-RegionOne on router edge (RegionTwo)');
      expect(await page.getByTestId('openstack-vpn-plan').textContent()).toContain('IPsec site connection cw-RegionOne-RegionTwo-to-RegionTwo');
      await page.screenshot({ path: screenshotPath('openstack-vpn-plan') });
      await page.getByTestId('openstack-vpn-run').click();
      await page.getByTestId('openstack-vpn-run-result').waitFor({ timeout: 60_000 });
      expect(await page.getByTestId('openstack-vpn-run-result').textContent()).toMatch(/^Done: 8 steps changed neutron/);
      const status = await page.getByTestId('openstack-vpn-status').textContent();
      expect(status).toContain('Created, not up yet');
      expect(status).toContain(`RegionOne → RegionTwo: connection cw-RegionOne-RegionTwo-to-RegionTwo to ${gateways.get('RegionTwo')} is PENDING_CREATE: created; no VPN agent has brought it up yet`);
      expect(status).toContain(`RegionTwo → RegionOne: connection cw-RegionOne-RegionTwo-to-RegionOne to ${gateways.get('RegionOne')} is PENDING_CREATE`);
      console.log(`wizard, VPN plan previewed and run (2 regions, both ways): ${Date.now() - t0} ms`);
      await page.getByTestId('openstack-vpn-status').scrollIntoViewIfNeeded();
      await page.screenshot({ path: screenshotPath('openstack-vpn-done') });
      // Neither as text nor as markup: the key's own words appear nowhere in the page.
      expect(await page.content()).not.toContain('ui-vpn');
      expect(await page.evaluate(() => document.body.innerText)).not.toContain('ui-vpn');

      for (const [me, peer] of [
        ['RegionOne', 'RegionTwo'],
        ['RegionTwo', 'RegionOne'],
      ] as const) {
        const connections = await neutron.get(me)!.list('ipsec-site-connections');
        expect(connections.map((c) => [c.name, c.peer_address, c.status])).toEqual([[`cw-RegionOne-RegionTwo-to-${peer}`, gateways.get(peer), 'PENDING_CREATE']]);
      }
    }, 180_000);
  },
  { unless: () => openstackSkipReason },
);
