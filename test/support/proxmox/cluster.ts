// Builds a Proxmox VE cluster through the API on the lab's test servers: create on the first host with two
// corosync links, join the others (re-pinning the certificate each join reissues), wait until all are online.
import { CwError } from '../../../main/common/errors.js';
import type { Lab } from '../../../main/node/lab/index.js';
import type { PveClient } from '../../../main/node/stacks/proxmox/client.js';
import type { LabPve } from '../../../main/node/stacks/proxmox/simulator/lab.js';

export type StatusEntry = { type: string; name: string; quorate?: number; online?: number; nodes?: number; version?: number };

/** Polls `probe` every 200 ms until it answers something, or fails naming what it waited for. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Resolves the cluster status once it is quorate with `count` nodes online. */
export function waitAllOnline(client: PveClient, count: number, timeoutMs = 60_000): Promise<StatusEntry[]> {
  return waitFor(
    `${count} nodes online and quorate (via ${client.where})`,
    async () => {
      const s = await client.get<StatusEntry[]>('/cluster/status');
      return s[0]?.quorate && s.filter((e) => e.type === 'node' && e.online).length === count ? s : undefined;
    },
    timeoutMs,
  );
}

/**
 * Creates cluster `name` on `hosts[0]` (link0 and link1 on the host's two lab addresses) and joins the rest.
 * Returns the creator's client (pinned, logged in) and the cluster status once every node is online.
 */
export async function buildLabPveCluster(lab: Lab, pve: LabPve, hosts: string[], name: string): Promise<{ creator: PveClient; status: StatusEntry[] }> {
  const [first, ...joiners] = hosts;
  if (!first) throw new Error('buildLabPveCluster needs at least one host');
  const creator = pve.client(first);
  const [l0, l1] = lab.host(first).addressList;
  await creator.followTask(await creator.post<string>('/cluster/config', { clustername: name, link0: `address=${l0},priority=20`, link1: `address=${l1},priority=10` }), { pollMs: 200, timeoutMs: 60_000 });
  await waitAllOnline(creator, 1, 30_000);
  const fingerprint = pve.servers[first]!.certificateFingerprint;
  for (const joiner of joiners) {
    const c = pve.client(joiner);
    const [j0, j1] = lab.host(joiner).addressList;
    const upid = await c.post<string>('/cluster/config/join', { hostname: l0, password: pve.rootPassword, fingerprint, link0: j0, link1: j1 });
    // The join reissues the joiner's certificate from the cluster CA: re-pin it through the creator.
    let repinned = false;
    await c.followTask(upid, {
      pollMs: 200,
      timeoutMs: 90_000,
      onCertificateChange: async () => {
        repinned = true;
        await c.repinThrough(creator, joiner);
      },
    });
    if (!repinned) {
      const stale = await c.get('/version').then(
        () => undefined,
        (e: unknown) => e,
      );
      if (!(stale instanceof CwError && stale.code === 'HOST_KEY_CHANGED')) throw new Error(`${joiner} kept its certificate after joining, or answered: ${String(stale)}`);
      await c.repinThrough(creator, joiner);
    }
  }
  const status = await waitAllOnline(creator, hosts.length, 60_000);
  return { creator, status };
}
