// overlay.* methods: the workspace's overlays with their tunnels' state, the keys and tunnels plans (built
// here, previewed and run by plan.* like every other plan), and reading what runs on the members into the
// facts. Key pairs are generated on the members by the keys plan; only public keys are ever read back.
import type { Handlers } from '../dispatcher.js';
import type { EventBus } from '../events.js';
import { CwError } from '../../common/errors.js';
import { overlayFactsOf, type OverlayFacts } from '../../common/overlay/facts.js';
import { overlaysOf, resolveOverlay, type ResolvedOverlay } from '../../common/overlay/model.js';
import { tunnelStatuses } from '../../common/overlay/status.js';
import { checkOverlayReferences } from '../../common/overlay/validate.js';
import { planSchema } from '../../common/plan/schema.js';
import { estateOf, type Estate, type Facts } from '../../common/workspace/facts.js';
import { formatPath } from '../../common/workspace/paths.js';
import type { Workspace } from '../../common/workspace/schema.js';
import { chooseMtu, overlayToBuild, readOverlayFacts } from '../overlay/build.js';
import { overlayKeysPlan, overlayPlan, type OverlayPlanNodes } from '../overlay/plan.js';
import { measurePathMtu, readPublicKeys } from '../overlay/probe.js';
import type { StackWorkspaces } from '../stacks/types.js';
import type { RemoteRunner } from '../workspace/runner.js';

type OverlayMethod = 'overlay.list' | 'overlay.plan' | 'overlay.status';

export interface OverlayServiceDeps {
  events: EventBus;
  workspaces: StackWorkspaces;
  /** How the read-only probes reach the members (SSH in the app). */
  nodeRunner: (workspace: Workspace) => RemoteRunner;
}

/** How the plans reach each member: the workspace's SSH target (host, port, user), else its underlay address. */
export function overlayPlanNodes(workspace: Workspace, resolved: ResolvedOverlay): OverlayPlanNodes {
  const nodes: OverlayPlanNodes = {};
  for (const m of resolved.members) {
    const node = workspace.nodes.find((n) => n.name === m.node)!;
    const address = node.ssh?.host ?? m.endpoint?.host ?? Object.values(node.addresses)[0];
    if (!address) throw new CwError('INVALID_INPUT', `Overlay ${resolved.overlay.name}: node ${m.node} has neither an SSH host nor an address to reach it by. Set nodes[${workspace.nodes.indexOf(node)}].ssh.host.`, { node: m.node });
    nodes[m.node] = { address, ...(node.ssh?.port ? { port: node.ssh.port } : {}), user: node.ssh?.user ?? 'root' };
  }
  return nodes;
}

/** The estate an overlay's figures belong to: the workspace and its members' addresses (read again when they change). */
function overlayEstate(workspace: Workspace, resolved: ResolvedOverlay): Estate {
  const estate = estateOf(workspace);
  return { ...estate, nodes: Object.fromEntries(resolved.members.flatMap((m) => (estate.nodes[m.node] ? [[m.node, estate.nodes[m.node]!]] : []))) };
}

/** The facts with one overlay's entry replaced by `next(previous)`. */
function withOverlayFacts(current: Facts, name: string, next: (previous: OverlayFacts | undefined) => OverlayFacts): Facts {
  const list = overlayFactsOf(current);
  const previous = list.find((f) => f.overlay === name);
  return { ...current, overlays: [...list.filter((f) => f.overlay !== name), next(previous)] };
}

export function overlayHandlers(deps: OverlayServiceDeps): Pick<Handlers, OverlayMethod> {
  const announce = (facts: OverlayFacts, resolved: ResolvedOverlay) => {
    const tunnels = tunnelStatuses(resolved, facts);
    deps.events.emit('overlay.statusRead', { overlay: facts.overlay, at: facts.measuredAt, up: tunnels.filter((t) => t.state === 'up').length, total: tunnels.length });
    return tunnels;
  };

  return {
    'overlay.list': async () => {
      const { workspace, facts } = await deps.workspaces.current();
      const stored = overlayFactsOf(facts);
      const references = checkOverlayReferences(workspace);
      return {
        overlays: overlaysOf(workspace).map((overlay, index) => {
          const resolved = resolveOverlay(workspace, overlay, index);
          const own = stored.find((f) => f.overlay === overlay.name);
          const problems = [...references.filter((i) => i.path[0] === 'overlays' && i.path[1] === index), ...resolved.problems].filter((p) => p.severity === 'error').map((p) => `${formatPath(p.path)}: ${p.message}`);
          return {
            name: overlay.name,
            interface: resolved.interface,
            topology: overlay.topology,
            members: resolved.members.map((m) => ({ node: m.node, site: m.site, addresses: m.addresses.map((a) => `${a.address}/${a.prefix}`), ...(m.endpoint ? { endpoint: `${m.endpoint.host}:${m.endpoint.port}` } : {}), behindNat: m.behindNat, hub: m.hub })),
            tunnels: tunnelStatuses(resolved, own),
            ...((overlay.mtu ?? own?.mtu) !== undefined ? { mtu: overlay.mtu ?? own?.mtu } : {}),
            ...(own ? { measuredAt: own.measuredAt } : {}),
            problems: [...new Set(problems)],
          };
        }),
      };
    },

    'overlay.plan': async ({ overlay: name, phase }, ctx) => {
      const { workspace } = await deps.workspaces.current();
      const resolved = overlayToBuild(workspace, name);
      const nodes = overlayPlanNodes(workspace, resolved);
      if (phase === 'keys') {
        return {
          phase,
          plan: planSchema.parse(overlayKeysPlan(resolved, nodes)),
          notes: [
            `Each of ${resolved.members.map((m) => m.node).join(', ')} checks for wg, wg-quick, ip and a WireGuard implementation, and generates its own key pair in /etc/wireguard (the private key never leaves the node).`,
            'Then plan the tunnels (phase tunnels): it reads the public keys back and measures the path MTU between the sites.',
          ],
        };
      }
      const runner = deps.nodeRunner(workspace);
      const notes: string[] = [];
      let pathMtu: OverlayFacts['pathMtu'] = [];
      if (resolved.overlay.mtu === undefined) {
        pathMtu = await measurePathMtu(runner, resolved, { signal: ctx.signal });
        for (const p of pathMtu) notes.push(`Path MTU ${p.fromSite}→${p.toSite} (${p.from}→${p.to}, ${p.address}): ${p.mtu !== undefined ? `${p.mtu} bytes` : p.error} after ${p.probes} probes.`);
      } else notes.push(`MTU fixed in the workspace: ${resolved.overlay.mtu}.`);
      const mtu = chooseMtu(resolved, pathMtu);
      if (resolved.overlay.mtu === undefined) notes.push(`Overlay MTU ${mtu}: the narrowest path minus WireGuard's overhead (${resolved.underlayFamily === 6 ? 80 : 60} bytes over IPv${resolved.underlayFamily}).`);
      const publicKeys = await readPublicKeys(runner, resolved, { signal: ctx.signal });
      const at = new Date().toISOString();
      const file = await deps.workspaces.storeFacts((current) =>
        withOverlayFacts(current, name, (previous) => ({ interfaces: [], handshakes: [], latency: [], throughput: [], ...previous, overlay: name, interface: resolved.interface, measuredAt: previous?.measuredAt ?? at, estate: overlayEstate(workspace, resolved), pathMtu: pathMtu.length ? pathMtu : (previous?.pathMtu ?? []), mtu })),
      );
      notes.push(`Path MTU and the MTU are stored with the facts (${file}).`);
      return { phase, plan: planSchema.parse(overlayPlan({ resolved, publicKeys, mtu, nodes })), mtu, pathMtu, publicKeys, notes };
    },

    'overlay.status': async ({ overlay: name, throughputSeconds }, ctx) => {
      const { workspace, facts } = await deps.workspaces.current();
      const overlays = overlaysOf(workspace);
      const index = overlays.findIndex((o) => o.name === name);
      if (index < 0) throw new CwError('NOT_FOUND', `The workspace has no overlay named ${name}${overlays.length ? `; its overlays are ${overlays.map((o) => o.name).join(', ')}` : ''}.`);
      const resolved = resolveOverlay(workspace, overlays[index]!, index);
      const previous = overlayFactsOf(facts).find((f) => f.overlay === name);
      // Public keys as the members' interfaces report them, else as last read: nothing secret is read.
      const publicKeys = Object.fromEntries((previous?.interfaces ?? []).flatMap((i) => (i.publicKey ? [[i.node, i.publicKey] as const] : [])));
      const base: OverlayFacts = { overlay: name, interface: resolved.interface, measuredAt: new Date().toISOString(), pathMtu: previous?.pathMtu ?? [], ...(previous?.mtu !== undefined ? { mtu: previous.mtu } : {}), interfaces: [], handshakes: [], latency: [], throughput: [], estate: overlayEstate(workspace, resolved) };
      const read = await readOverlayFacts(deps.nodeRunner(workspace), resolved, publicKeys, base, { signal: ctx.signal, ...(throughputSeconds ? { throughput: { seconds: throughputSeconds } } : {}) });
      const file = await deps.workspaces.storeFacts((current) => withOverlayFacts(current, name, () => read));
      return { facts: read, tunnels: announce(read, resolved), file };
    },
  };
}
