// lab.* methods: start, inspect and stop the local multi-site lab from the app (see main/node/lab). An example
// whose spec says `proxmox: true` also gets Proxmox test servers (in this process) and a cluster in its workspace.
import fs from 'node:fs';
import path from 'node:path';
import { CwError } from '../../common/errors.js';
import { workspaceSchema, type Workspace } from '../../common/workspace/schema.js';
import { serializeWorkspace } from '../../common/workspace/serialize.js';
import type { Handlers } from '../dispatcher.js';
import { defaultLabStateDir, labWorkspaceModel, loadLabSpec, openLab, preflight, startLab, stopLab, type Lab } from '../lab/index.js';
import { stateFilePath } from '../lab/state.js';
import { appRoot } from '../paths.js';
import type { SecretStore } from '../secrets/store.js';
import { PveApiSchema } from '../stacks/proxmox/api-schema.js';
import { startLabPve, type LabPve } from '../stacks/proxmox/test-server/lab.js';
import { installPveStandIns } from '../stacks/proxmox/test-server/stand-ins.js';

export interface LabServiceOptions {
  stateDir?: string;
  examplesDir?: string;
  /** Lab prefix (tests use their own so several labs can run at once). */
  prefix?: string;
}

export interface LabServiceDeps {
  /** Where the Proxmox test servers' root password goes (the workspace names it by id). */
  secrets?: Pick<SecretStore, 'put' | 'delete'>;
}

export interface LabService {
  handlers: Pick<Handlers, 'lab.status' | 'lab.up' | 'lab.down'>;
  /** Stops the Proxmox test servers this process started (core.close). The lab itself keeps running. */
  close(): Promise<void>;
}

/** The Proxmox cluster a `proxmox: true` lab offers: every host, link0 on management, link1 on corosync-link1. */
export const labProxmoxClusterName = 'homelab';

/** The lab's workspace with the Proxmox cluster whose API is the first host's test server. */
export function labProxmoxWorkspace(base: Workspace, hosts: string[], api: { endpoint: string; fingerprint: string; passwordSecret: string }): Workspace {
  return workspaceSchema.parse({
    ...base,
    proxmox: {
      clusters: [
        {
          name: labProxmoxClusterName,
          nodes: hosts,
          links: [
            { link: 0, network: 'management', priority: 20 },
            { link: 1, network: 'corosync-link1', priority: 10 },
          ],
          api: { endpoint: api.endpoint, user: 'root@pam', passwordSecret: api.passwordSecret, fingerprint: api.fingerprint },
        },
      ],
    },
  });
}

interface RunningPve {
  pve: LabPve;
  secretId?: string;
}

export function createLabService(options: LabServiceOptions = {}, deps: LabServiceDeps = {}): LabService {
  let running: RunningPve | undefined;
  const stopPve = async (): Promise<void> => {
    const current = running;
    running = undefined;
    if (!current) return;
    try {
      await current.pve.stop();
    } finally {
      if (current.secretId) await deps.secrets?.delete(current.secretId).catch(() => false);
    }
  };

  /** Starts a test server per host, installs pvesh/pvecm on the hosts and writes the cluster into the lab's workspace. */
  const startPve = async (lab: Lab): Promise<void> => {
    if (!deps.secrets) throw new CwError('UNSUPPORTED', `The lab "${lab.name}" asks for Proxmox test servers, but this host has no secret store for their root password. Start the lab from the app or the CLI.`);
    const schemaFile = path.join(appRoot(), 'test', 'fixtures', 'proxmox', 'pve-apidata.json');
    if (!fs.existsSync(schemaFile)) {
      throw new CwError('MISSING_DEPENDENCY', `The Proxmox test servers validate every request against the official API schema, and ${schemaFile} is missing. Run the lab from a source checkout (the schema ships with the tests).`);
    }
    const hosts = lab.hosts.map((h) => h.name);
    // Not under /tmp: every lab host must see the shared /etc/pve stand-in at the same path.
    const workDir = fs.mkdtempSync(path.join('/var/tmp', `cw-lab-pve-${options.prefix ?? 'cwl'}-`));
    let pve: LabPve | undefined;
    try {
      pve = await startLabPve(lab, hosts, { schema: new PveApiSchema(schemaFile), workDir });
      await installPveStandIns(lab.binDir, path.join(workDir, 'pmxcfs'));
      running = { pve };
      const secretId = await deps.secrets.put(pve.rootPassword, { label: `root@pam on the lab "${lab.name}" (Proxmox test servers)`, kind: 'password' });
      running.secretId = secretId;
      const first = hosts[0]!;
      const server = pve.servers[first]!;
      const workspace = labProxmoxWorkspace(labWorkspaceModel(lab.describe()), hosts, { endpoint: `${pve.listen[first]}:${server.port}`, fingerprint: server.certificateFingerprint, passwordSecret: secretId });
      const text = serializeWorkspace(
        workspace,
        ` Written by \`clusterwright lab up\` for the lab "${lab.name}" with Proxmox test servers on every host. Cluster ${labProxmoxClusterName} is not built yet: run the Proxmox wizard on it.`,
      );
      fs.mkdirSync(path.dirname(lab.workspacePath), { recursive: true });
      fs.writeFileSync(`${lab.workspacePath}.tmp`, text, { mode: 0o600 });
      fs.renameSync(`${lab.workspacePath}.tmp`, lab.workspacePath);
    } catch (err) {
      if (running) await stopPve();
      else if (pve) await pve.stop();
      else fs.rmSync(workDir, { recursive: true, force: true });
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
      const base = { ...availability(), examples: examples(), proxmoxTestServers: running !== undefined };
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
      if (input.replace) await stopPve();
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
      const removed = await stopLab(stateDir(), options.prefix ? { prefix: options.prefix } : {});
      return { namespaces: removed.netns.length, processes: removed.processes };
    },
  };
  return { handlers, close: stopPve };
}
