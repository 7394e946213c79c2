// Describes a lab as plain workspace data (sites, hosts, networks, SSH targets) — pure, no I/O.
import { workspaceSchema, WORKSPACE_VERSION, type Workspace } from '../../common/workspace/schema.js';
import { serializeWorkspace } from '../../common/workspace/serialize.js';
import { labNetworks, type LabPlan } from './plan.js';
import type { LinkParams, PresetName } from './presets.js';

export type SiteKind = 'lan' | 'man' | 'wan' | 'internet';

export interface LabWorkspaceDescription {
  name: string;
  description: string;
  generatedBy: 'clusterwright lab';
  sites: { name: string; kind: SiteKind; appSite: boolean }[];
  networks: { name: string; role: 'management' | 'corosync'; corosyncLink: number; cidr: string }[];
  hosts: {
    name: string;
    site: string;
    addresses: Record<string, string>;
    ssh: { host: string; port: number; user: string; identityFile: string; jumpHost?: string };
  }[];
  links: { between: [string, string]; kind: SiteKind; preset?: PresetName; rttMs: number; jitterMs: number; lossPercent: number; bandwidthMbit: number }[];
}

/** The kind an admin would call a link of this round-trip time. */
export function siteKindFor(params: LinkParams): SiteKind {
  if (params.delayMs <= 1) return 'lan';
  if (params.delayMs <= 10) return 'man';
  if (params.delayMs <= 50) return 'wan';
  return 'internet';
}

export function describeLabWorkspace(plan: LabPlan, options: { identityFile: string; links?: { a: string; b: string; params: LinkParams; preset?: PresetName }[] }): LabWorkspaceDescription {
  const links = options.links ?? plan.links;
  const linkTo = (a: string, b: string) => links.find((l) => (l.a === a && l.b === b) || (l.a === b && l.b === a));
  const appSite = plan.app.site;
  const firstReachable = (site: string) => plan.hosts.find((h) => h.site === site && h.reachableFromApp);
  return {
    name: plan.spec.name,
    description: plan.spec.description ?? `Clusterwright lab "${plan.spec.name}" (${plan.hosts.length} hosts in ${plan.sites.length} sites)`,
    generatedBy: 'clusterwright lab',
    sites: plan.sites.map((s) => ({
      name: s.name,
      kind: s.name === appSite ? 'lan' : siteKindFor(linkTo(appSite, s.name)!.params),
      appSite: s.name === appSite,
    })),
    networks: labNetworks.map((n) => ({ name: n.name, role: n.role, corosyncLink: n.corosyncLink, cidr: plan.networkCidrs[n.index] })),
    hosts: plan.hosts.map((h) => {
      const jump = h.reachableFromApp ? undefined : (firstReachable(h.site) ?? firstReachable(appSite));
      return {
        name: h.name,
        site: h.site,
        addresses: Object.fromEntries(labNetworks.map((n) => [n.name, h.addresses[n.index]])),
        ssh: { host: h.addresses[0], port: 22, user: 'root', identityFile: options.identityFile, ...(jump ? { jumpHost: jump.name } : {}) },
      };
    }),
    links: links.map((l) => ({
      between: [l.a, l.b] as [string, string],
      kind: siteKindFor(l.params),
      ...(l.preset ? { preset: l.preset } : {}),
      rttMs: l.params.delayMs,
      jitterMs: l.params.jitterMs,
      lossPercent: l.params.lossPercent,
      bandwidthMbit: l.params.bandwidthMbit,
    })),
  };
}

/** The lab in the workspace file's model (main/common/workspace): sites, networks, nodes with SSH targets. No cluster yet — the wizard creates it. */
export function labWorkspaceModel(description: LabWorkspaceDescription): Workspace {
  return workspaceSchema.parse({
    version: WORKSPACE_VERSION,
    name: description.name,
    description: description.description,
    sites: description.sites.map((s) => ({ name: s.name, kind: s.kind, ...(s.appSite ? { notes: 'The app runs here (the root namespace is attached to this site).' } : {}) })),
    networks: description.networks.map((n) => ({
      name: n.name,
      roles: n.role === 'management' ? ['management', 'corosync'] : ['corosync'],
      cidr: n.cidr,
      notes: `corosync link${n.corosyncLink}`,
    })),
    nodes: description.hosts.map((h) => ({
      name: h.name,
      site: h.site,
      addresses: h.addresses,
      ssh: { host: h.ssh.host, port: h.ssh.port, user: h.ssh.user, identityFile: h.ssh.identityFile, ...(h.ssh.jumpHost ? { jump: [h.ssh.jumpHost] } : {}) },
      labels: ['lab'],
    })),
  });
}

/** The workspace file text for a lab. */
export function labWorkspaceText(description: LabWorkspaceDescription): string {
  return serializeWorkspace(labWorkspaceModel(description), ` Written by \`clusterwright lab up\` for the lab "${description.name}". Links between sites are shaped by the lab; measure them from the app.`);
}
