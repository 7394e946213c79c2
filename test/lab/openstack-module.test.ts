// The OpenStack stack through the app's core, on real Keystone, nova (two fake-driver computes per region)
// and glance started by this file on 127.0.0.1: the shared catalog registered by an engine plan (a second run
// changes nothing), servers per region in the inventory, a live migration inside a region as a journalled
// plan that follows a migration already running instead of starting another, a cold copy into the other
// region whose deletion of the original waits for the approval, and a region's compute services.
import { expect, it } from 'vitest';
import { parsePlan } from '../../main/common/plan/dag.js';
import { describeLab } from '../support/lab.js';
import { openstackSkipReason } from '../support/openstack/lab.js';
import { useRegionsCore } from '../support/openstack/regions-core.js';
import { caught } from '../support/openstack/caught.js';
import { serverHost } from '../../main/node/stacks/openstack/client/nova.js';
import { connectCloud } from '../../main/node/stacks/openstack/client/index.js';

describeLab(
  'the OpenStack stack module on real Keystone, nova and glance (two regions, 127.0.0.1)',
  () => {
    const h = useRegionsCore('cwosm', undefined, { liveMigrationSeconds: 3 });
    const admin = () =>
      connectCloud({ authUrl: h.regions.lab.keystone.url, credentials: { kind: 'password', user: { name: 'admin', domain: { id: 'default' } }, password: h.regions.lab.admin.password, scope: { project: { name: 'admin', domain: { id: 'default' } } } } });

    it('registers both regions in the shared catalog through the engine; a second run changes nothing', async () => {
      const { core } = h;
      const before = await core.call('openstack.catalog', {});
      expect(before.missing).toEqual(['RegionTwo']);
      const t0 = Date.now();
      const { plan, registrations } = await core.call('openstack.registrationPlan', {});
      expect(registrations.filter((r) => r.type === 'compute').map((r) => r.region)).toEqual(['RegionOne', 'RegionTwo']);
      const preview = await core.call('plan.preview', { plan });
      expect(preview.steps.map((s) => s.id)).toEqual(['register-regionone', 'register-regiontwo', 'verify-catalog']);
      const first = await core.call('plan.apply', { plan, wait: true });
      expect(first.result?.status).toBe('succeeded');
      expect(first.result?.nothingChanged).toBe(false);
      console.log(`catalog registration (2 regions) through the engine: ${Date.now() - t0} ms`);
      const after = await core.call('openstack.catalog', {});
      expect(after.regions).toEqual(['RegionOne', 'RegionTwo']);
      expect(after.missing).toEqual([]);
      for (const r of h.regions.lab.regions) expect(after.endpoints).toContainEqual({ type: 'compute', region: r.name, interface: 'public', url: r.nova.computeUrl });
      const second = await core.call('plan.apply', { plan, wait: true });
      expect(second.result?.status).toBe('succeeded');
      expect(second.result?.nothingChanged).toBe(true);
      expect(second.result?.changed).toBe(0);
    }, 120_000);

    it('lists the servers of each region on the nodes nova runs them on', async () => {
      const { vms, sources } = await h.core.call('inventory.list', {});
      const os = vms.filter((v) => v.stack === 'openstack');
      expect(sources.filter((s) => s.stack === 'openstack').map((s) => [s.cluster, s.ok, s.vms])).toEqual(
        expect.arrayContaining([
          ['RegionOne', true, 2],
          ['RegionTwo', true, 1],
        ]),
      );
      expect(os.map((v) => [v.name, v.cluster, v.node, v.status]).sort()).toEqual([
        ['cache', 'RegionTwo', 'r2a', 'running'],
        ['db', 'RegionOne', 'r1a', 'running'],
        ['web', 'RegionOne', 'r1a', 'running'],
      ]);
      expect(os.every((v) => /^openstack:Region(One|Two):[0-9a-f-]{36}$/.test(v.id))).toBe(true);
    });

    it('allows a live migration inside the region and offers the cold copy for the other region', async () => {
      const web = (await h.core.call('inventory.list', {})).vms.find((v) => v.name === 'web')!;
      const { targets } = await h.core.call('vm.migratePrecheck', { vm: web.id, targets: ['r1b', 'r2b'] });
      expect(targets.find((t) => t.node === 'r1b')).toMatchObject({ allowed: true, kind: 'live', details: { stack: 'openstack', region: 'RegionOne', sourceHost: 'r1a', targetHost: 'r1b' } });
      const cold = targets.find((t) => t.node === 'r2b')!;
      expect(cold).toMatchObject({ allowed: true, kind: 'cold', details: { stack: 'openstack', coldCopy: { targetRegion: 'RegionTwo' } } });
    });

    it('live-migrates a server as a journalled plan, and follows a migration already running instead of starting another', async () => {
      const { core } = h;
      const vms = (await core.call('inventory.list', {})).vms;
      const web = vms.find((v) => v.name === 'web')!;
      const t0 = Date.now();
      const moved = await core.call('vm.migrate', { vm: web.id, target: 'r1b' });
      expect(moved.status).toBe('succeeded');
      expect(moved.message).toMatch(/Live-migrated web from r1a to r1b in region RegionOne/);
      console.log(`live migration through the engine (fake driver, 3 s): ${Date.now() - t0} ms`);
      const cloud = admin();
      try {
        const nova = cloud.nova('RegionOne');
        const server = web.id.split(':')[2]!;
        expect(serverHost(await nova.getServer(server))).toBe('r1b');
        // The run's journal says what ran.
        const runs = (await core.call('plan.status', { runId: moved.runId })).runs;
        expect(runs[0]?.status).toBe('succeeded');

        // A migration started behind the app's back (a crash mid-move, then resume): the plan follows it.
        const db = vms.find((v) => v.name === 'db')!;
        const dbServer = db.id.split(':')[2]!;
        await nova.liveMigrate(dbServer, 'r1b');
        const again = await core.call('vm.migrate', { vm: db.id, target: 'r1b' });
        expect(again.status).toBe('succeeded');
        const migrations = (await nova.listMigrations({ instanceUuid: dbServer, type: 'live-migration' })).filter((m) => m.dest_compute === 'r1b');
        expect(migrations).toHaveLength(1);
        expect(migrations[0]!.status).toBe('completed');
        const jobLog = h.events.filter((e) => e.name === 'job.log' || e.name === 'job.stepUpdated').map((e) => JSON.stringify(e.payload)).join('\n');
        expect(jobLog).toContain('already under way');
      } finally {
        await cloud.close();
      }
    }, 120_000);

    it('cold-copies a server into the other region; the original is deleted only with the typed approval', async () => {
      const { core } = h;
      const web = (await core.call('inventory.list', {})).vms.find((v) => v.name === 'web')!;
      const refused = await caught(core.call('vm.migrate', { vm: web.id, target: 'r2b', deleteSource: true }));
      expect(refused.code).toBe('INVALID_INPUT');
      const t0 = Date.now();
      const copied = await core.call('vm.migrate', { vm: web.id, target: 'r2b', deleteSource: true, confirmDeleteSource: 'web' });
      expect(copied.status, copied.message).toBe('succeeded');
      console.log(`cold copy RegionOne → RegionTwo with deletion: ${Date.now() - t0} ms`);
      const after = (await core.call('inventory.list', {})).vms.filter((v) => v.name === 'web');
      expect(after.map((v) => [v.cluster, v.node])).toEqual([['RegionTwo', 'r2b']]);
      expect(await core.call('vm.migratePrecheck', { vm: web.id, targets: ['r1b'] }).catch((e: { code: string }) => e.code)).toBe('NOT_FOUND');
    }, 180_000);

    it("reads a region's compute services and hypervisors", async () => {
      const status = await h.core.call('openstack.regionStatus', { region: 'RegionTwo' });
      expect(status.allUp).toBe(true);
      expect(status.computeServices.map((s) => [s.host, s.node, s.state, s.status]).sort()).toEqual([
        ['r2a', 'r2a', 'up', 'enabled'],
        ['r2b', 'r2b', 'up', 'enabled'],
      ]);
      expect(status.hypervisors).toHaveLength(2);
    });

    it('keeps plans pure: the registration plan holds no secret', async () => {
      const { plan } = await h.core.call('openstack.registrationPlan', {});
      const text = JSON.stringify(parsePlan(plan));
      expect(text).not.toContain(h.regions.lab.admin.password);
    });
  },
  { unless: () => openstackSkipReason },
);
