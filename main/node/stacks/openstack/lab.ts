// What a lab's hosts get for OpenStack (`openstack: true` or its regions in a lab description): real Keystone
// and nova per region on 127.0.0.1 in the app's process, compute hosts named like the lab's hosts, a server per
// region, the lab's workspace with the regions and the shared Keystone (its admin password by secret id), and on
// every host the deploy-host fixture (kolla-ansible / kolla-genpwd stand-ins) for the wizard's Deploy step.
import fs from 'node:fs';
import path from 'node:path';
import { CwError } from '../../../common/errors.js';
import { openstackLabSectionSchema } from '../../../common/stacks/openstack/definition.js';
import { serializeWorkspace } from '../../../common/workspace/serialize.js';
import type { Lab } from '../../lab/index.js';
import { labWorkspaceModel } from '../../lab/workspace.js';
import type { StackLab } from '../types.js';
import { openstackLabSkipReason } from './lab/index.js';
import { installKollaStandIns } from './lab/kolla-stand-in.js';
import { labOpenstackDaemonStatus, labOpenstackLogFile, newLabAdminPassword, openstackServeVerb, serveOpenstackForLab, startLabOpenstackDaemon, stopLabOpenstackDaemon } from './lab/daemon.js';
import { startLabRegions, type LabRegionLayout } from './lab/regions.js';

const title = 'OpenStack services (Keystone, nova per region)';
const regionNames = ['RegionOne', 'RegionTwo', 'RegionThree'];

/** The lab's regions: its section's, or one per site (at most three) with Keystone in the first. */
export function labRegionLayout(lab: Pick<Lab, 'spec'>, section: unknown): LabRegionLayout[] {
  const parsed = openstackLabSectionSchema.parse(section);
  const regions =
    parsed === true
      ? lab.spec.sites.slice(0, 3).map((site, i) => ({ name: regionNames[i]!, keystone: i === 0, hosts: site.hosts.slice(0, 4).map((h) => h.name) }))
      : parsed.regions.map((r, i) => ({ name: r.name, keystone: r.keystone ?? (i === 0 && !parsed.regions.some((x) => x.keystone)), hosts: r.hosts }));
  // One server per region on its first compute host, to drag.
  return regions.map((r) => ({ ...r, servers: { [`web-${r.name.toLowerCase()}`]: r.hosts[0]! } }));
}

export const openstackLab: StackLab = {
  title,

  async start(lab, section, { secrets }) {
    const skip = openstackLabSkipReason();
    if (skip) throw new CwError('UNSUPPORTED', `The lab "${lab.name}" asks for OpenStack, which cannot run here: ${skip}.`);
    const parsed = openstackLabSectionSchema.parse(section);
    installKollaStandIns(lab.binDir);
    const regions = await startLabRegions(labRegionLayout(lab, section), { secrets, labName: lab.name, glance: true, liveMigrationSeconds: parsed === true ? 3 : (parsed.liveMigrationSeconds ?? 3) });
    try {
      const workspace = regions.workspace(labWorkspaceModel(lab.describe()));
      const text = serializeWorkspace(workspace, ` Written by \`clusterwright lab up\` for the lab "${lab.name}": OpenStack regions on 127.0.0.1 sharing one Keystone. Run the OpenStack wizard to register the catalog.`);
      fs.mkdirSync(path.dirname(lab.workspacePath), { recursive: true });
      fs.writeFileSync(`${lab.workspacePath}.tmp`, text, { mode: 0o600 });
      fs.renameSync(`${lab.workspacePath}.tmp`, lab.workspacePath);
    } catch (error) {
      await regions.stop();
      throw error;
    }
    return { stop: () => regions.stop() };
  },

  // The CLI: a background process keeps the services (and writes the workspace) after `lab up` exits.
  async startBackground(lab, section, { secrets, command, env, log }) {
    const skip = openstackLabSkipReason();
    if (skip) throw new CwError('UNSUPPORTED', `The lab "${lab.name}" asks for OpenStack, which cannot run here: ${skip}.`);
    const parsed = openstackLabSectionSchema.parse(section);
    installKollaStandIns(lab.binDir);
    const adminPassword = newLabAdminPassword();
    const passwordSecret = await secrets.put(adminPassword, { label: `admin of the lab "${lab.name}" (OpenStack Keystone)`, kind: 'password' });
    try {
      log(`Starting the OpenStack services in the background (log: ${labOpenstackLogFile(lab.stateDir)}); Keystone and nova take about 20 s…`);
      await startLabOpenstackDaemon(lab, { command, layout: labRegionLayout(lab, section), liveMigrationSeconds: parsed === true ? 3 : (parsed.liveMigrationSeconds ?? 3), adminPassword, passwordSecret, secretStore: secrets.description, env });
    } catch (error) {
      await stopLabOpenstackDaemon(lab.stateDir, { secrets }).catch(() => undefined);
      await secrets.delete(passwordSecret).catch(() => false);
      throw error instanceof CwError ? error : new CwError('REMOTE_FAILED', `The OpenStack services did not start: ${(error as Error).message}`);
    }
  },

  async backgroundStatus(stateDir) {
    const status = labOpenstackDaemonStatus(stateDir);
    if (!status) return undefined;
    return {
      title,
      running: status.running,
      lines: [
        status.running ? `OpenStack services: running (process ${status.process.pid}); Keystone's admin password is secret ${status.passwordSecret} in the ${status.secretStore}.` : `OpenStack services: NOT RUNNING — their process ${status.process.pid} has exited. Log: ${status.logFile}`,
        `  Keystone     ${status.keystoneUrl}`,
        ...status.regions.map((r) => `  ${r.name.padEnd(12)} nova ${r.computeUrl}`),
      ],
      nextStep: 'Open the workspace in the app and run New cluster → OpenStack to register the regions in the shared catalog; then drag servers between compute nodes.',
      json: status,
      healthy: status.running,
    };
  },

  async stopBackground(stateDir, { secrets }) {
    const stopped = await stopLabOpenstackDaemon(stateDir, secrets ? { secrets } : {});
    if (!stopped.stopped) return undefined;
    return stopped.secretDeleted ? "Stopped the OpenStack services and deleted Keystone's admin password from the secret store." : `Stopped the OpenStack services. Keystone's admin password stays in the secret store as ${stopped.passwordSecret}: delete it with \`clusterwright secrets delete ${stopped.passwordSecret}\`.`;
  },

  verbs: {
    [openstackServeVerb]: (stateDir, log) => serveOpenstackForLab(stateDir, log),
  },
};
