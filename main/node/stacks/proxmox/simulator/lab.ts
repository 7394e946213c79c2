// Proxmox test servers for a lab (what `clusterwright lab up` can start): one per host, acting inside the
// host through lab.exec, listening on the app end of the lab's app link (every host reaches it).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { etcPveLinkTarget, type Lab } from '../../../lab/index.js';
import type { PveApiSchema } from '../api-schema.js';
import { PveClient } from '../client.js';
import type { HostRunner } from './host.js';
import type { GuestRecord } from './pmxcfs.js';
import { PveTestServer } from './server.js';

export function labRunner(lab: Lab, host: string): HostRunner {
  return {
    label: `lab host ${host}`,
    run: async (argv, options) => {
      const r = await lab.exec(host, argv, { timeoutMs: options?.timeoutMs ?? 20_000, ...(options?.input !== undefined ? { input: options.input } : {}) });
      return { code: r.code, stdout: r.stdout, stderr: r.stderr, timedOut: r.timedOut };
    },
  };
}

export interface LabPve {
  servers: Record<string, PveTestServer>;
  listen: Record<string, string>;
  rootPassword: string;
  /** A root@pam client for a host, pinned to the certificate its server has now. */
  client(host: string): PveClient;
  clients: PveClient[];
  stop(): Promise<void>;
}

export async function startLabPve(lab: Lab, hosts: string[], options: { schema: PveApiSchema; workDir: string; rootPassword?: string; release?: string; guests?: Record<string, GuestRecord[]>; migrationTimeScale?: number; linkMbit?: number }): Promise<LabPve> {
  const rootPassword = options.rootPassword ?? crypto.randomBytes(12).toString('base64url');
  // The app's end of the lab's app link: the test process can listen there and every lab host can reach it.
  const appAddress = lab.plan.app.rootAddress;
  const servers: Record<string, PveTestServer> = {};
  const listen: Record<string, string> = {};
  const clients: PveClient[] = [];
  const byAddress = new Map<string, string>();
  const ports: Record<string, number> = {};
  hosts.forEach((h, i) => {
    listen[h] = appAddress;
    ports[h] = 8006 + i;
    for (const a of lab.host(h).addressList) byAddress.set(a, h);
    byAddress.set(h, h);
  });
  for (const h of hosts) {
    const server = new PveTestServer({
      nodeName: h,
      listenHost: listen[h]!,
      port: ports[h]!,
      nodeAddress: lab.host(h).addressList[0],
      runner: labRunner(lab, h),
      serviceManager: 'systemctl',
      stateDir: path.join(options.workDir, 'servers', h),
      pmxcfsRoot: path.join(options.workDir, 'pmxcfs'),
      rootPassword,
      release: options.release ?? '9.1',
      guests: options.guests?.[h] ?? [],
      resolvePeer: (hostname) => {
        const target = byAddress.get(hostname);
        if (!target) throw new Error(`no lab host answers to ${hostname}`);
        return { host: listen[target]!, port: ports[target]! };
      },
      schema: options.schema,
      syncIntervalMs: 300,
      migrationTimeScale: options.migrationTimeScale ?? 1,
      linkMbit: options.linkMbit ?? 1000,
      etcPveLink: etcPveLinkTarget,
    });
    try {
      await server.start();
    } catch (err) {
      // The servers already listening would otherwise keep this process (and their ports) busy.
      for (const started of Object.values(servers)) await started.close().catch(() => undefined);
      throw err;
    }
    servers[h] = server;
  }
  return {
    servers,
    listen,
    rootPassword,
    clients,
    client(host) {
      const c = new PveClient({ endpoint: { host: listen[host]!, port: ports[host]!, fingerprint: servers[host]!.certificateFingerprint }, credentials: { kind: 'password', username: 'root@pam', password: rootPassword }, schema: options.schema, validateResponses: true });
      clients.push(c);
      return c;
    },
    async stop() {
      for (const s of Object.values(servers)) await s.close();
      fs.rmSync(options.workDir, { recursive: true, force: true });
    },
  };
}
