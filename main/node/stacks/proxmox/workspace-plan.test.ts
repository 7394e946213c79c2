// The cluster wizard's plan read from a workspace: members in the cluster's order, SSH targets and link
// addresses from the nodes, clear errors for a missing fingerprint or password secret, WAN timing only when accepted.
import { describe, expect, it } from 'vitest';
import { CwError } from '../../../common/errors.js';
import { parsePlan } from '../../../common/plan/dag.js';
import type { Facts } from '../../../common/workspace/facts.js';
import { validateWorkspace } from '../../../common/workspace/rules/index.js';
import { workspaceSchema, type Workspace, type WorkspaceInput } from '../../../common/workspace/schema.js';
import { proxmoxClusterPlan } from './plan.js';
import { clusterPlanFromWorkspace, credentialCheck, findingsForCluster, isBlocking } from './workspace-plan.js';

const fp = 'AB:'.repeat(31) + 'CD';

function workspace(edit: (w: WorkspaceInput) => void = () => undefined): Workspace {
  const raw: WorkspaceInput = {
    version: 1,
    name: 'test',
    sites: [
      { name: 'a', kind: 'lan' },
      { name: 'b', kind: 'man' },
    ],
    networks: [
      { name: 'mgmt', roles: ['management', 'corosync'] },
      { name: 'ring1', roles: ['corosync'] },
    ],
    nodes: [
      { name: 'b1', site: 'b', addresses: { mgmt: '10.0.0.13', ring1: '10.1.0.13' } },
      { name: 'a1', site: 'a', addresses: { mgmt: '10.0.0.11', ring1: '10.1.0.11' }, ssh: { host: 'pve-a1.example', port: 2222, user: 'admin' } },
      { name: 'a2', site: 'a', addresses: { mgmt: '10.0.0.12', ring1: '10.1.0.12' } },
      { name: 'other', site: 'a', addresses: { mgmt: '10.0.0.99' } },
    ],
    proxmox: {
      clusters: [
        {
          name: 'homelab',
          nodes: ['a1', 'a2', 'b1'],
          // Listed out of order on purpose: link0 must come first.
          links: [
            { link: 1, network: 'ring1', priority: 10 },
            { link: 0, network: 'mgmt', priority: 20 },
          ],
          api: { endpoint: '10.0.0.11:8006', user: 'root@pam', passwordSecret: 'secret-123', fingerprint: fp },
        },
      ],
    },
  };
  edit(raw);
  return workspaceSchema.parse(raw);
}

/** A latency matrix where every pair on every network measured `rttMs` (a2↔b1 on mgmt measured `slowMs`). */
function facts(rttMs: number, slowMs = rttMs, jitterMs = 0.5): Facts {
  const nodes = ['a1', 'a2', 'b1'];
  const samples = [];
  for (const network of ['mgmt', 'ring1']) {
    for (const from of nodes) {
      for (const to of nodes) {
        if (from === to) continue;
        const slow = network === 'mgmt' && [from, to].sort().join() === 'a2,b1';
        const avg = slow ? slowMs : rttMs;
        samples.push({ network, from, to, toAddress: '10.0.0.1', sent: 10, received: 10, lossPercent: 0, minMs: avg, avgMs: avg, maxMs: avg, mdevMs: jitterMs, measuredAt: '2026-11-25T00:00:00Z' });
      }
    }
  }
  return { latency: { version: 1, measuredAt: '2026-11-25T00:00:00Z', runner: 'ssh', count: 10, intervalS: 0.2, samples } };
}

function failure(work: () => unknown): CwError {
  try {
    work();
  } catch (err) {
    if (err instanceof CwError) return err;
    throw err;
  }
  throw new Error('expected a CwError');
}

describe('the Proxmox cluster plan from a workspace', () => {
  it('keeps the cluster order of nodes (not the file order) and the first creates the cluster', () => {
    const { input } = clusterPlanFromWorkspace(workspace(), facts(0.4), 'homelab');
    expect(input.nodes.map((n) => n.name)).toEqual(['a1', 'a2', 'b1']);
    const plan = parsePlan(proxmoxClusterPlan(input));
    expect(plan.steps.find((s) => s.id === 'create')!.target).toEqual({ node: 'a1' });
    expect(plan.steps.filter((s) => s.id.startsWith('join-')).map((s) => s.id)).toEqual(['join-a2', 'join-b1']);
  });

  it('takes SSH from the node (host, port, user) and otherwise its address on the link0 network as root', () => {
    const { input } = clusterPlanFromWorkspace(workspace(), facts(0.4), 'homelab');
    expect(input.nodes[0]!.ssh).toEqual({ address: 'pve-a1.example', port: 2222, user: 'admin' });
    expect(input.nodes[1]!.ssh).toEqual({ address: '10.0.0.12', user: 'root' });
  });

  it('orders link addresses by link number and carries the priorities', () => {
    const { input } = clusterPlanFromWorkspace(workspace(), facts(0.4), 'homelab');
    expect(input.nodes.map((n) => n.links)).toEqual([
      ['10.0.0.11', '10.1.0.11'],
      ['10.0.0.12', '10.1.0.12'],
      ['10.0.0.13', '10.1.0.13'],
    ]);
    expect(input.linkPriorities).toEqual([20, 10]);
    expect(input.fingerprint).toBe(fp);
    expect(input.rootPasswordSecret).toBe('secret-123');
  });

  it('asks the admin to confirm the certificate when the fingerprint is missing, naming the field as a detail', () => {
    const err = failure(() => clusterPlanFromWorkspace(workspace((w) => delete w.proxmox!.clusters![0]!.api!.fingerprint), {}, 'homelab'));
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toMatch(/Read its certificate/);
    expect(err.message).not.toMatch(/proxmox\.clusters|probeCertificate/);
    expect(err.detail).toMatchObject({ field: 'proxmox.clusters[0].api.fingerprint', action: { id: 'set-cluster-api', cluster: 'homelab' } });
  });

  it('asks for root@pam\'s password in words when it is missing, with the field as a detail', () => {
    const err = failure(() => clusterPlanFromWorkspace(workspace((w) => delete w.proxmox!.clusters![0]!.api!.passwordSecret), {}, 'homelab'));
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toMatch(/Store root@pam's password/);
    expect(err.message).not.toMatch(/proxmox\.clusters|secrets\.put|passwordSecret/);
    expect(err.detail).toMatchObject({ field: 'proxmox.clusters[0].api.passwordSecret', action: { id: 'store-cluster-password', cluster: 'homelab' } });
  });

  it('the credential check speaks to the admin and offers the wizard\'s Cluster API panel', () => {
    const none = credentialCheck({ name: 'homelab', nodes: ['a'], links: [{ link: 0, network: 'lan' }] }, 0);
    expect(none).toMatchObject({ ok: false, kind: 'none', field: 'proxmox.clusters[0].api', action: { id: 'set-cluster-api', cluster: 'homelab' } });
    expect(none.message).toMatch(/Set the cluster's API endpoint, confirm its certificate and store root@pam's password/);
    const token = credentialCheck({ name: 'homelab', nodes: ['a'], links: [{ link: 0, network: 'lan' }], api: { user: 'root@pam', tokenId: 'root@pam!mon', tokenSecret: 't1' } }, 2);
    expect(token).toMatchObject({ ok: false, kind: 'token', field: 'proxmox.clusters[2].api.passwordSecret', action: { id: 'store-cluster-password', cluster: 'homelab' } });
    for (const answer of [none, token]) expect(answer.message).not.toMatch(/proxmox\.clusters|secrets\.put|passwordSecret/);
  });

  it('refuses a member without an address on a corosync network, naming node and network', () => {
    const err = failure(() => clusterPlanFromWorkspace(workspace((w) => delete w.nodes![0]!.addresses!.ring1), {}, 'homelab'));
    expect(err.message).toMatch(/Node b1 has no address on network ring1/);
  });

  it('sets the migration network when every member has an address on it, and says why not otherwise', () => {
    const withMigration = (addB1: boolean) =>
      workspace((w) => {
        w.networks!.push({ name: 'mig', roles: ['migration'], cidr: '10.2.0.0/24' });
        for (const n of w.nodes!) if (n.name !== 'other' && (addB1 || n.name !== 'b1')) n.addresses!.mig = `10.2.0.${n.name.length}`;
      });
    const full = clusterPlanFromWorkspace(withMigration(true), {}, 'homelab');
    expect(full.input.migrationNetwork).toBe('10.2.0.0/24');
    expect(parsePlan(proxmoxClusterPlan(full.input)).steps.some((s) => s.id === 'migration-network')).toBe(true);
    // Chosen by role only where every member has an address on it; named by the cluster, it is reported when one lacks it.
    expect(clusterPlanFromWorkspace(withMigration(false), {}, 'homelab').input.migrationNetwork).toBeUndefined();
    const named = withMigration(false);
    named.proxmox!.clusters[0]!.migrationNetwork = 'mig';
    const partial = clusterPlanFromWorkspace(named, {}, 'homelab');
    expect(partial.input.migrationNetwork).toBeUndefined();
    expect(partial.notes.join('\n')).toMatch(/Migration network mig \(10\.2\.0\.0\/24\) is not set: b1 has no address on it/);
  });

  it('names the clusters there are when asked for one that is not', () => {
    const err = failure(() => clusterPlanFromWorkspace(workspace(), {}, 'nope'));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toContain('homelab');
  });

  it('computes WAN timing for a link above 5 ms but writes it only when the admin accepts', () => {
    const slow = facts(0.4, 30, 2);
    const declined = clusterPlanFromWorkspace(workspace(), slow, 'homelab');
    expect(declined.tuning?.verdict).toBe('wan-tuned');
    expect(declined.worstLink).toMatchObject({ link: 0, network: 'mgmt', rttMs: 30 });
    expect(declined.input.totem).toBeUndefined();
    expect(proxmoxClusterPlan(declined.input).steps.some((s) => s.id === 'wan-tuning')).toBe(false);

    const accepted = clusterPlanFromWorkspace(workspace(), slow, 'homelab', { acceptWan: true });
    // 30 ms + 3 × 2 ms jitter: the default token covers it, join must outlast two worst-case round trips (72 ms).
    expect(accepted.input.totem).toEqual(Object.fromEntries(Object.entries(accepted.tuning!.totem).filter(([, v]) => v !== undefined)));
    expect(accepted.input.totem?.join).toBeGreaterThanOrEqual(72);
    expect(proxmoxClusterPlan(accepted.input).steps.some((s) => s.id === 'wan-tuning')).toBe(true);
    expect(accepted.notes.join('\n')).toMatch(/WAN tuning accepted: corosync link0 \(mgmt\) between a2 and b1 measured 30 ms/);
  });

  it('leaves totem alone on a LAN even when the admin accepts a WAN layout', () => {
    const built = clusterPlanFromWorkspace(workspace(), facts(0.4), 'homelab', { acceptWan: true });
    expect(built.tuning).toBeUndefined();
    expect(built.input.totem).toBeUndefined();
  });

  it('keeps only findings about this cluster and its members; a slow link blocks until accepted', () => {
    const slow = facts(0.4, 30, 2);
    const ws = workspace((w) => w.nodes!.push({ name: 'lonely', site: 'nowhere', addresses: {} }));
    const all = validateWorkspace(ws, slow);
    const mine = findingsForCluster(all, ws.proxmox!.clusters[0]!, 0);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((f) => !JSON.stringify(f.elements).includes('lonely'))).toBe(true);
    expect(isBlocking(mine)).toBe(true);
    const acceptedWs = workspace((w) => (w.proxmox!.clusters![0]!.wanTuning = { accepted: true, tokenMs: 3400 }));
    expect(isBlocking(findingsForCluster(validateWorkspace(acceptedWs, slow), acceptedWs.proxmox!.clusters[0]!, 0))).toBe(false);
  });

  it('uses the reported release for HA and a QDevice only for an even count', () => {
    const ws = workspace((w) => {
      w.proxmox!.clusters![0]!.ha = { enabled: true };
      w.proxmox!.clusters![0]!.qdevice = { host: 'other' };
    });
    const built = clusterPlanFromWorkspace(ws, facts(0.4), 'homelab', { release: '8.4', releaseSource: 'reported by a1' });
    expect(built.input.ha).toMatchObject({ release: '8.4', nodes: ['a1', 'a2', 'b1'] });
    expect(built.input.qdevice).toEqual({ address: '10.0.0.99' });
    const plan = proxmoxClusterPlan(built.input);
    expect(plan.steps.find((s) => s.id === 'ha')!.title).toMatch(/HA group/);
    expect(plan.steps.some((s) => s.id === 'qdevice')).toBe(false);
    expect(built.notes.join('\n')).toMatch(/Proxmox VE 8\.4, reported by a1/);
  });
});
