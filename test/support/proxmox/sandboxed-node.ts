// A Proxmox VE node for app tests without a lab: a sandbox (its own namespaces, real corosync) with the Proxmox
// test server listening on a loopback address of this machine and an in-process SSH server whose commands run
// inside the sandbox, so the app reaches the node as it reaches a real one (SSH with a pinned host key for
// corosync's tools and ping, the API with a pinned certificate). The node forms a one-node cluster through the
// API; its API can be stopped and started again (same certificate, same /etc/pve) to play a pveproxy outage.
import fs from 'node:fs';
import path from 'node:path';
import { PveClient } from '../../../main/node/stacks/proxmox/client.js';
import { PveTestServer, type PveTestServerOptions } from '../../../main/node/stacks/proxmox/simulator/server.js';
import type { GuestRecord } from '../../../main/node/stacks/proxmox/simulator/pmxcfs.js';
import { startInProcessSshd, untagged, type InProcessSshd } from '../../../main/node/ssh/testing/ssh2-server.js';
import { waitFor } from './cluster.js';
import { startSandbox, type Sandbox } from './sandbox.js';

export interface SandboxedPveNode {
  readonly name: string;
  readonly sandbox: Sandbox;
  /** The node's SSH server on 127.0.0.1 (its commands run inside the sandbox). */
  readonly ssh: InProcessSshd;
  /** Where the node's API listens (host:port), and its certificate's SHA-256 fingerprint. */
  readonly endpoint: string;
  readonly fingerprint: string;
  /** A root@pam client of the node's API, the certificate pinned. */
  client(): PveClient;
  /** Stops the API (corosync keeps running), or starts it again as it was. */
  stopApi(): Promise<void>;
  startApi(): Promise<void>;
  stop(): Promise<void>;
}

export interface SandboxedPveNodeOptions {
  name: string;
  /** The node's own address inside its sandbox (its corosync link0). */
  address: string;
  /** A loopback address of this machine for its API (port 8006), free of other listeners. */
  listen: string;
  /** Private folder for its state and its /etc/pve. */
  dir: string;
  rootPassword: string;
  /** OpenSSH public key that may log in as root. */
  authorizedKey: string;
  guests?: GuestRecord[];
  /** Creates a one-node cluster of this name through the API (real corosync in the sandbox). */
  cluster: string;
  /** HA resources to add through the API once the cluster is quorate (`vm:100`). */
  haResources?: string[];
}

export async function startSandboxedPveNode(options: SandboxedPveNodeOptions): Promise<SandboxedPveNode> {
  const sandbox = await startSandbox(options.name, options.address);
  let ssh: InProcessSshd | undefined;
  let server: PveTestServer | undefined;
  const serverOptions: PveTestServerOptions = {
    nodeName: options.name,
    listenHost: options.listen,
    nodeAddress: options.address,
    runner: sandbox.runner,
    stateDir: path.join(options.dir, 'state'),
    pmxcfsRoot: path.join(options.dir, 'pmxcfs'),
    rootPassword: options.rootPassword,
    guests: options.guests ?? [],
    syncIntervalMs: 300,
    statsIntervalMs: 2_000,
  };
  try {
    fs.mkdirSync(options.dir, { recursive: true, mode: 0o700 });
    server = new PveTestServer(serverOptions);
    await server.start();
    const fingerprint = server.certificateFingerprint;
    ssh = await startInProcessSshd({
      user: 'root',
      authorizedKey: options.authorizedKey,
      // The app's command line, run by a shell inside the node (as sshd runs it through the user's shell).
      exec: (command, channel) => {
        void sandbox.runner.run(['sh', '-c', untagged(command)], { timeoutMs: 20_000 }).then(
          (r) => {
            channel.write(r.stdout);
            channel.stderr.write(r.stderr);
            channel.exit(r.code ?? 255);
            channel.end();
          },
          (error: unknown) => {
            channel.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
            channel.exit(255);
            channel.end();
          },
        );
      },
    });
    const client = () => new PveClient({ endpoint: { host: options.listen, fingerprint }, credentials: { kind: 'password', username: 'root@pam', password: options.rootPassword } });
    const admin = client();
    const upid = await admin.post<string>('/cluster/config', { clustername: options.cluster, link0: `address=${options.address},priority=10` });
    await admin.followTask(upid, { pollMs: 100, timeoutMs: 60_000 });
    await waitFor(`${options.name}: cluster ${options.cluster} quorate`, async () => ((await admin.get<{ quorate?: number }[]>('/cluster/status'))[0]?.quorate ? true : undefined), 30_000);
    for (const sid of options.haResources ?? []) await admin.post('/cluster/ha/resources', { sid });
    const sshd = ssh;
    return {
      name: options.name,
      sandbox,
      ssh: sshd,
      endpoint: `${options.listen}:8006`,
      fingerprint,
      client,
      async stopApi() {
        await server?.close({ stopCorosync: false });
        server = undefined;
      },
      async startApi() {
        if (server) return;
        const next = new PveTestServer(serverOptions);
        await next.start();
        if (next.certificateFingerprint !== fingerprint) throw new Error(`${options.name}: the API came back with another certificate`);
        server = next;
      },
      async stop() {
        await server?.close();
        await sshd.close();
        await sandbox.stop();
      },
    };
  } catch (error) {
    await server?.close().catch(() => undefined);
    await ssh?.close();
    await sandbox.stop();
    throw error;
  }
}
