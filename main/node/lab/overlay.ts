// Overlays in the lab: sites joined by `internet` links get a real WireGuard overlay (wireguard-go
// and wg inside the hosts' namespaces; this kernel may have no WireGuard module). What a lab needs
// for it: the programs, the overlay section for its workspace, and proof that each host's
// /etc/wireguard and /run/wireguard are its own (keys and UAPI sockets must not be shared).
import fs from 'node:fs';
import { CwError } from '../../common/errors.js';
import type { OverlayInput } from '../../common/overlay/schema.js';
import type { Workspace } from '../../common/workspace/schema.js';
import type { Lab } from './lab.js';
import type { LabPlan } from './plan.js';
import type { LabSpec } from './spec.js';
import { overlayPrograms } from './system.js';

/** Site pairs joined by an `internet` link (preset or ≥ 50 ms without a preset). */
export function internetLinks(spec: LabSpec): { a: string; b: string }[] {
  return spec.links.filter((l) => l.preset === 'internet' || (!l.preset && l.params.delayMs >= 50)).map((l) => ({ a: l.a, b: l.b }));
}

/** The programs preflight must find for this lab: the overlay's when it has `internet` links. */
export function labOverlayPrograms(spec: LabSpec): string[] {
  return internetLinks(spec).length ? Object.keys(overlayPrograms) : [];
}

export const LAB_OVERLAY_NAME = 'sites';
export const LAB_OVERLAY_NETWORK = 'overlay';

/**
 * The lab's overlay range: 198.18.(136+slot).0/24 — inside 198.18.0.0/15, outside every lab network
 * and transit range (see slotRanges), and never routed in this machine's namespace (the addresses
 * live on the hosts' WireGuard interfaces only).
 */
export function labOverlayRange(plan: Pick<LabPlan, 'slot'>): string {
  return `198.18.${136 + plan.slot}.0/24`;
}

/**
 * The overlay a lab's workspace gets: a mesh between the hosts of every site at either end of an
 * `internet` link, over the management network, with a keepalive, carrying its own network.
 */
export function labOverlay(plan: LabPlan): { network: Workspace['networks'][number]; overlay: OverlayInput } | undefined {
  const links = internetLinks(plan.spec);
  if (links.length === 0) return undefined;
  const sites = plan.sites.map((s) => s.name).filter((s) => links.some((l) => l.a === s || l.b === s));
  const range = labOverlayRange(plan);
  return {
    network: { name: LAB_OVERLAY_NETWORK, roles: ['corosync'], cidr: range, notes: `WireGuard overlay ${LAB_OVERLAY_NAME} between the sites joined over the Internet` },
    overlay: { name: LAB_OVERLAY_NAME, topology: 'mesh', sites, addressRange: range, networks: [LAB_OVERLAY_NETWORK], underlay: 'management', keepalive: 25 },
  };
}

/** A lab workspace with its overlay added (networks and the `overlays:` section); unchanged when the lab has no `internet` link. */
export function withLabOverlay(workspace: Workspace, plan: LabPlan): Workspace {
  const found = labOverlay(plan);
  if (!found) return workspace;
  return { ...workspace, networks: [...workspace.networks, found.network], overlays: [found.overlay] } as Workspace;
}

/**
 * Proves each host keeps its own /etc/wireguard and /run: a file written in one host is seen neither
 * by the others nor by this machine. Keys live in /etc/wireguard and wireguard-go's UAPI sockets in
 * /run/wireguard, so a shared directory would mix hosts' keys and interfaces.
 */
export async function verifyOverlayIsolation(lab: Lab): Promise<void> {
  const hosts = lab.plan.hosts.map((h) => h.name);
  const token = `cw-isolation-${process.pid}-${Date.now()}`;
  for (const dir of ['/etc/wireguard', '/run/wireguard']) {
    const first = hosts[0]!;
    await lab.execOk(first, ['sh', '-c', 'umask 077; mkdir -p "$1" && : > "$1/$2"', 'sh', dir, token]);
    try {
      for (const other of hosts.slice(1)) {
        const seen = await lab.exec(other, ['test', '-e', `${dir}/${token}`]);
        if (seen.code === 0) throw new CwError('CONFLICT', `Lab hosts ${first} and ${other} share ${dir}: their WireGuard keys and sockets would mix. The lab must give each host its own ${dir}.`);
      }
      if (fs.existsSync(`${dir}/${token}`)) throw new CwError('CONFLICT', `Lab host ${first} writes ${dir} of this machine: its WireGuard files would land outside the lab.`);
    } finally {
      await lab.exec(first, ['rm', '-f', '--', `${dir}/${token}`]);
    }
  }
}
