// lab.* methods: start, inspect and stop the local multi-site lab from the app (see main/node/lab). An example
// whose spec says `proxmox: true` also gets Proxmox test servers (in this process) and a cluster in its workspace.
import fs from 'node:fs';
import path from 'node:path';
import { CwError } from '../../common/errors.js';
import type { Handlers } from '../dispatcher.js';
import { defaultLabStateDir, loadLabSpec, openLab, preflight, startLab, stopLab, type Lab } from '../lab/index.js';
import { stateFilePath } from '../lab/state.js';
import { appRoot } from '../paths.js';
import type { SecretStore } from '../secrets/store.js';
import { newLabRootPassword, startLabProxmoxCluster, type LabProxmoxCluster } from '../stacks/proxmox/test-server/lab-cluster.js';
import { labPveDaemonStatus, stopLabPveDaemon } from '../stacks/proxmox/test-server/lab-daemon.js';

export interface LabServiceOptions {
  stateDir?: string;
  examplesDir?: string;
  /** Lab prefix (tests use their own so several labs can run at once). */
  prefix?: string;
}

export interface LabServiceDeps {
  /** Where the Proxmox test servers' root password goes (the workspace names it by id). */
  secrets?: Pick<SecretStore, 'put' | 'delete' | 'ensureOpen'>;
}

export interface LabService {
  handlers: Pick<Handlers, 'lab.status' | 'lab.up' | 'lab.down'>;
  /** Stops the Proxmox test servers this process started (core.close). The lab itself keeps running. */
  close(): Promise<void>;
}

export { labProxmoxClusterName, labProxmoxWorkspace } from '../stacks/proxmox/test-server/lab-cluster.js';

interface RunningPve {
  cluster: LabProxmoxCluster;
  secretId: string;
}

export function createLabService(options: LabServiceOptions = {}, deps: LabServiceDeps = {}): LabService {
  let running: RunningPve | undefined;
  const stopPve = async (): Promise<void> => {
    const current = running;
    running = undefined;
    if (!current) return;
    try {
      await current.cluster.stop();
    } finally {
      await deps.secrets?.delete(current.secretId).catch(() => false);
    }
  };

  /** Stores a fresh root password, then starts the servers, the stand-ins and the workspace (startLabProxmoxCluster). */
  const startPve = async (lab: Lab): Promise<void> => {
    if (!deps.secrets) throw new CwError('UNSUPPORTED', `The lab "${lab.name}" asks for Proxmox test servers, but this host has no secret store for their root password. Start the lab from the app or the CLI.`);
    const rootPassword = newLabRootPassword();
    const secretId = await deps.secrets.put(rootPassword, { label: `root@pam on the lab "${lab.name}" (Proxmox test servers)`, kind: 'password' });
    try {
      running = { cluster: await startLabProxmoxCluster(lab, { rootPassword, passwordSecret: secretId }), secretId };
    } catch (err) {
      await deps.secrets.delete(secretId).catch(() => false);
      throw err;
    }
  };

  const stateDir = () => options.stateDir ?? defaultLabStateDir();
  const examplesDir = () => options.examplesDir ?? path.join(appRoot(), 'assets', 'labs');
  const examples = () => {
    let files: string[] = [];
    try {
      files = fs.readdirSync(examplesDir()).filter((f) => f.endsWith('.yml') || f.endsWith('.yaml'));
    } catch {
      return [];
    }
    return files.sort().flatMap((file) => {
      try {
        const text = fs.readFileSync(path.join(examplesDir(), file), 'utf8');
        const spec = loadLabSpec(text, file);
        const title = text.split('\n').find((l) => l.startsWith('#'))?.replace(/^#\s*/, '') ?? spec.name;
        return [{ name: file.replace(/\.ya?ml$/, ''), title, hosts: spec.sites.reduce((n, s) => n + s.hosts.length, 0), sites: spec.sites.length }];
      } catch {
        return [];
      }
    });
  };
  const availability = (): { available: boolean; reason?: string } => {
    try {
      preflight();
      return { available: true };
    } catch (error) {
      return { available: false, reason: error instanceof Error ? error.message : String(error) };
    }
  };
  const handlers: LabService['handlers'] = {
    'lab.status': async () => {
      // Servers in this process, or in the background process of a lab the CLI started.
      const inBackground = running === undefined && (await labPveDaemonStatus(stateDir()).catch(() => undefined))?.running === true;
      const base = { ...availability(), examples: examples(), proxmoxTestServers: running !== undefined || inBackground };
      if (!fs.existsSync(stateFilePath(stateDir()))) return { ...base, running: false, hosts: [] };
      try {
        const lab = openLab(stateDir());
        const status = await lab.status();
        return {
          ...base,
          running: status.hosts.some((h) => h.running),
          name: status.name,
          workspacePath: lab.workspacePath,
          hosts: status.hosts.map((h) => ({ name: h.name, site: h.site, addresses: h.addresses, running: h.running })),
        };
      } catch {
        return { ...base, running: false, hosts: [] };
      }
    },
    'lab.up': async (input) => {
      const file = path.join(examplesDir(), `${input.example}.yml`);
      if (!fs.existsSync(file)) {
        throw new CwError('NOT_FOUND', `There is no example lab "${input.example}" (available: ${examples().map((e) => e.name).join(', ') || 'none'}).`);
      }
      const spec = loadLabSpec(fs.readFileSync(file, 'utf8'), file);
      const started = Date.now();
      // A locked secret store is found out before any host starts (the app asks for its passphrase and calls again).
      if (spec.proxmox) await deps.secrets?.ensureOpen?.();
      if (input.replace) {
        await stopPve();
        await stopLabPveDaemon(stateDir(), deps.secrets ? { secrets: deps.secrets } : {});
      }
      const lab = await startLab(spec, { stateDir: stateDir(), ...(options.prefix ? { prefix: options.prefix } : {}), replace: Boolean(input.replace) });
      // The servers of a replaced lab would point at hosts that no longer exist.
      await stopPve();
      if (spec.proxmox) {
        try {
          await startPve(lab);
        } catch (err) {
          await stopLab(stateDir(), options.prefix ? { prefix: options.prefix } : {});
          throw err;
        }
      }
      return { name: lab.name, workspacePath: lab.workspacePath, upMs: spec.proxmox ? Date.now() - started : (lab.upMs ?? 0), hosts: lab.hosts.length, ...(spec.proxmox ? { proxmoxTestServers: true } : {}) };
    },
    'lab.down': async () => {
      await stopPve();
      // A lab the CLI started keeps its servers in a background process: stop it gracefully, not just kill it.
      await stopLabPveDaemon(stateDir(), deps.secrets ? { secrets: deps.secrets } : {});
      const removed = await stopLab(stateDir(), options.prefix ? { prefix: options.prefix } : {});
      return { namespaces: removed.netns.length, processes: removed.processes };
    },
  };
  return { handlers, close: stopPve };
}
