// What a `vsan: true` lab runs for VMware vSAN: the vCenter simulator (Debian's govmomi simulator with our
// vSAN extension, built once and cached), in the app's process, and a stretched cluster in the lab's
// workspace — its first two sites are the data sites, the third holds the witness. vCenter's certificate
// is pinned (the lab verified the process and its certificate); the ESXi hosts' thumbprints are left for
// the admin to confirm in the wizard. Both passwords go into the secret store; the workspace names them by id.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CwError } from '../../../common/errors.js';
import { workspaceSchema, type Workspace } from '../../../common/workspace/schema.js';
import { serializeWorkspace } from '../../../common/workspace/serialize.js';
import { labWorkspaceModel, type Lab } from '../../lab/index.js';
import type { StackLab } from '../types.js';
import { ensureSimulator } from './simulator/build.js';
import { startSimulator } from './simulator/run.js';

const title = 'vCenter simulator';
export const labVsanClusterName = 'stretch-01';
export const labVsanDatacenter = 'DC0';

/** The lab's workspace with a stretched cluster over its sites: data on corosync-link1, vMotion and witness traffic on management. */
export function labVsanWorkspace(base: Workspace, lab: { sites: { name: string; hosts: string[] }[] }, section: unknown, vcenter: { endpoint: string; thumbprint: string; secretId: string; user: string }, esxiSecret: string): Workspace {
  const witnessHost = typeof section === 'object' && section !== null ? (section as { witness?: string }).witness : undefined;
  const witnessSite = witnessHost ? lab.sites.find((s) => s.hosts.includes(witnessHost)) : lab.sites[2];
  const data = lab.sites.filter((s) => s !== witnessSite);
  if (!witnessSite || data.length !== 2) throw new CwError('INVALID_INPUT', `A vsan lab needs two data sites and a witness site (it has ${lab.sites.length} site${lab.sites.length === 1 ? '' : 's'}${witnessHost ? ` with the witness ${witnessHost}` : ''}).`);
  const addressOf = (host: string) => base.nodes.find((n) => n.name === host)?.addresses['corosync-link1'];
  const site = (s: { name: string; hosts: string[] }) => ({ site: s.name, hosts: s.hosts, isolationAddress: addressOf(s.hosts[0]!) });
  return workspaceSchema.parse({
    ...base,
    vsan: {
      clusters: [
        {
          name: labVsanClusterName,
          datacenter: labVsanDatacenter,
          vcenter: { endpoint: vcenter.endpoint, user: vcenter.user, secretId: vcenter.secretId, thumbprint: vcenter.thumbprint },
          esxi: { user: 'root', passwordSecret: esxiSecret },
          preferredSite: site(data[0]!),
          secondarySite: site(data[1]!),
          witness: { host: witnessHost ?? witnessSite.hosts[0]!, site: witnessSite.name },
          dataNetwork: 'corosync-link1',
          witnessNetwork: 'management',
          vmotionNetwork: 'management',
        },
      ],
    },
  });
}

export const vsanLab: StackLab = {
  title,

  async start(lab: Lab, section, { secrets }) {
    const build = await ensureSimulator();
    const user = 'administrator@vsphere.local';
    const password = crypto.randomBytes(18).toString('base64url');
    const hostPassword = crypto.randomBytes(18).toString('base64url');
    const sim = await startSimulator({ binary: build.binary, username: user, password, hostPassword, vmotionMs: 3000 });
    const ids: string[] = [];
    try {
      ids.push(await secrets.put(password, { label: `${user} on the lab "${lab.name}" (vCenter simulator)`, kind: 'password' }));
      ids.push(await secrets.put(hostPassword, { label: `root on the lab "${lab.name}"'s simulated ESXi hosts`, kind: 'password' }));
      const sites = lab.spec.sites.map((s) => ({ name: s.name, hosts: s.hosts.map((h) => (typeof h === 'string' ? h : (h as { name: string }).name)) }));
      const workspace = labVsanWorkspace(labWorkspaceModel(lab.describe()), { sites }, section, { endpoint: `${sim.host}:${sim.port}`, thumbprint: sim.thumbprint, secretId: ids[0]!, user }, ids[1]!);
      const text = serializeWorkspace(workspace, ` Written by \`clusterwright lab up\` for the lab "${lab.name}" with the vCenter simulator on ${sim.host}:${sim.port}. Cluster ${labVsanClusterName} is not built yet: run the vSAN wizard on it.`);
      fs.mkdirSync(path.dirname(lab.workspacePath), { recursive: true });
      fs.writeFileSync(`${lab.workspacePath}.tmp`, text, { mode: 0o600 });
      fs.renameSync(`${lab.workspacePath}.tmp`, lab.workspacePath);
    } catch (err) {
      await sim.stop();
      for (const id of ids) await secrets.delete(id).catch(() => false);
      throw err;
    }
    return {
      stop: async () => {
        try {
          await sim.stop();
        } finally {
          for (const id of ids) await secrets.delete(id).catch(() => false);
        }
      },
    };
  },

  async startBackground() {
    throw new CwError('UNSUPPORTED', 'The vCenter simulator of a vsan lab runs inside the app: start this lab from the app (Try the lab, or `clusterwright web` then the lab menu), not from `clusterwright lab up`.');
  },
  backgroundStatus: async () => undefined,
  stopBackground: async () => undefined,
};
