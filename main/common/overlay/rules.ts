// Validation rules for overlays (pure, with sources): round trip and jitter across the tunnel against
// what the riding traffic tolerates, the hub of a hub-and-spoke as a single point of failure, MTU,
// keepalive behind NAT, an overlay as a cluster's only corosync path, riders that are not members,
// and tunnels whose handshake is older than the keepalive allows.
import { describeLatency, round, type PairLatency } from '../workspace/facts.js';
import { nodeRef, pairsOf, plural } from '../workspace/rules/context.js';
import type { ElementRef, FindingDraft, Rule, RuleContext } from '../workspace/rules/types.js';
import { overlayFactsOf, type OverlayFacts, type OverlayPingStats } from './facts.js';
import { resolveOverlays, type ResolvedOverlay } from './model.js';
import { MIN_IPV6_OVERLAY_MTU, overlayMtuFor, WIREGUARD_OVERHEAD } from './mtu.js';
import { parseCidr } from '../workspace/ip.js';
import { overlayRiders, pathMtuDiscovery, wgManual, wireguardProtocol } from './sources.js';
import { trafficOn, type StackTraffic } from './stack-traffic.js';
import { handshakeState, maxHandshakeAgeS } from './status.js';

const at = (r: ResolvedOverlay, rest = '') => `overlays[${r.index}]${rest}`;
const networkRefs = (r: ResolvedOverlay): ElementRef[] => r.overlay.networks.map((name) => ({ kind: 'network', name }));
const factsFor = (ctx: RuleContext, r: ResolvedOverlay): OverlayFacts | undefined => overlayFactsOf(ctx.rawFacts).find((f) => f.overlay === r.overlay.name);

function asPair(a: string, b: string, network: string, stats: OverlayPingStats): PairLatency {
  return {
    network,
    a,
    b,
    lossPercent: stats.lossPercent,
    source: 'ping',
    ...((stats.medianMs ?? stats.avgMs) !== undefined ? { rttMs: stats.medianMs ?? stats.avgMs } : {}),
    ...(stats.avgMs !== undefined ? { avgMs: stats.avgMs } : {}),
    ...(stats.medianMs !== undefined ? { medianMs: stats.medianMs } : {}),
    ...(stats.mdevMs !== undefined ? { mdevMs: stats.mdevMs } : {}),
    ...(stats.maxMs !== undefined ? { maxMs: stats.maxMs } : {}),
  };
}

/** The round trip between two members through the tunnel: the overlay's own measurement, else the latency matrix on a riding network. */
function acrossOverlay(ctx: RuleContext, r: ResolvedOverlay, facts: OverlayFacts | undefined, network: string, a: string, b: string): PairLatency | undefined {
  const fact = facts?.latency.find((l) => (l.a === a && l.b === b) || (l.a === b && l.b === a));
  if (fact?.overlay && fact.overlay.received > 0) return asPair(a, b, network, fact.overlay);
  const matrix = ctx.facts.between(network, a, b);
  if (matrix && !matrix.error && matrix.rttMs !== undefined) return matrix;
  return undefined;
}

function underOverlay(ctx: RuleContext, r: ResolvedOverlay, facts: OverlayFacts | undefined, a: string, b: string): PairLatency | undefined {
  const fact = facts?.latency.find((l) => (l.a === a && l.b === b) || (l.a === b && l.b === a));
  if (fact?.underlay && fact.underlay.received > 0) return asPair(a, b, 'underlay', fact.underlay);
  const underlay = r.overlay.underlay ?? ctx.workspace.networks.find((n) => n.roles.includes('management'))?.name;
  const matrix = underlay ? ctx.facts.between(underlay, a, b) : undefined;
  return matrix && !matrix.error && matrix.rttMs !== undefined ? matrix : undefined;
}

/** What the round trip looks like to a timer: the average plus twice the jitter. */
export function effectiveRttMs(p: PairLatency): number {
  return (p.rttMs ?? p.avgMs ?? 0) + 2 * (p.mdevMs ?? 0);
}

function riders(ctx: RuleContext, r: ResolvedOverlay): StackTraffic[] {
  return trafficOn(ctx.workspace, r.overlay.networks);
}

export const overlayLatency: Rule = {
  id: 'overlay.rtt-jitter',
  stack: 'general',
  title: 'Round trip and jitter across the overlay within what the riding traffic tolerates',
  source: overlayRiders.latency,
  check(ctx) {
    const findings: FindingDraft[] = [];
    for (const r of resolveOverlays(ctx.workspace)) {
      const facts = factsFor(ctx, r);
      const members = new Set(r.members.map((m) => m.node));
      for (const traffic of riders(ctx, r)) {
        if (!traffic.limits) continue;
        const limits = traffic.limits;
        // Spokes reach each other through the hub: their round trip counts end to end all the same.
        for (const [a, b] of pairsOf(traffic.nodes.filter((n) => members.has(n)))) {
          const over = acrossOverlay(ctx, r, facts, traffic.network, a, b);
          const under = underOverlay(ctx, r, facts, a, b);
          const base = { elements: [nodeRef(a), nodeRef(b), { kind: 'link' as const, name: a, peer: b, network: traffic.network }], paths: [traffic.path, at(r)] };
          if (!over) {
            if (under?.rttMs !== undefined) {
              findings.push({
                ...base,
                severity: 'warning',
                message: `${traffic.label} rides on overlay ${r.overlay.name}, but ${a}↔${b} was measured only under the tunnel (${describeLatency(under)}); the tunnel adds its own latency and jitter.`,
                remedy: `Measure across the overlay: its verify step does, or give ${a} and ${b} their overlay addresses on network ${traffic.network} so the latency matrix pings them.`,
                figures: { underlayMs: round(under.rttMs) },
                source: limits.source,
              });
            }
            continue;
          }
          const effective = effectiveRttMs(over);
          const figures: Record<string, number> = { rttMs: round(over.rttMs ?? 0), jitterMs: round(over.mdevMs ?? 0), effectiveMs: round(effective) };
          if (under?.rttMs !== undefined) figures.underlayMs = round(under.rttMs);
          const added = under?.rttMs !== undefined && over.rttMs !== undefined ? ` (under the tunnel ${round(under.rttMs)} ms: the overlay adds ${round(Math.max(0, over.rttMs - under.rttMs))} ms)` : '';
          const severity = effective > limits.errorMs ? 'error' : limits.warnMs !== undefined && effective > limits.warnMs ? 'warning' : undefined;
          if (!severity) continue;
          const limit = severity === 'error' ? limits.errorMs : limits.warnMs!;
          findings.push({
            ...base,
            severity,
            message: `${traffic.label} rides on overlay ${r.overlay.name}: across it ${a}↔${b} measured ${describeLatency(over)}${added}; average plus twice the jitter is ${round(effective)} ms, above the ${limit} ms it tolerates.`,
            remedy:
              traffic.role === 'corosync'
                ? 'Keep corosync on a path with low, steady latency: a second link over a better path (the overlay as a fallback at lower knet priority), the kernel WireGuard module instead of wireguard-go, or accept a WAN-tuned layout knowingly with a larger totem token.'
                : 'Carry this traffic on a faster path, or move the node closer.',
            ...(traffic.role === 'corosync' && !traffic.accepted ? { action: { id: 'add-corosync-link' as const, cluster: traffic.group } } : {}),
            figures,
            source: limits.source,
            ...(traffic.accepted ? { accepted: true } : {}),
          });
        }
      }
    }
    return findings;
  },
};

export const hubSinglePoint: Rule = {
  id: 'overlay.hub-single-point',
  stack: 'general',
  title: "A hub-and-spoke hub must not carry a cluster's only corosync path",
  source: overlayRiders.redundancy,
  check(ctx) {
    const findings: FindingDraft[] = [];
    for (const r of resolveOverlays(ctx.workspace)) {
      if (r.overlay.topology !== 'hub-and-spoke' || !r.overlay.hub) continue;
      const byCluster = new Map<string, StackTraffic[]>();
      for (const t of riders(ctx, r).filter((t) => t.role === 'corosync')) byCluster.set(t.group, [...(byCluster.get(t.group) ?? []), t]);
      for (const [cluster, links] of byCluster) {
        const all = links[0]!.clusterLinks ?? [];
        const elsewhere = all.filter((l) => !r.overlay.networks.includes(l.network));
        if (elsewhere.length > 0) continue;
        const spokes = links[0]!.nodes.filter((n) => n !== r.overlay.hub);
        findings.push({
          severity: 'error',
          message: `Every corosync link of cluster ${cluster} (${links.map((l) => `link${l.link}`).join(', ')}) runs through hub ${r.overlay.hub} of overlay ${r.overlay.name}: if ${r.overlay.hub} or its uplink fails, ${plural(spokes.length, 'node')} lose each other at once and the cluster loses quorum.`,
          elements: [nodeRef(r.overlay.hub), ...networkRefs(r), ...spokes.map(nodeRef)],
          paths: [at(r, '.hub'), ...links.map((l) => l.path)],
          remedy: 'Give the cluster a second corosync link that does not pass the hub (the sites\' own WAN, or a mesh overlay), or make this overlay a mesh.',
          action: { id: 'add-corosync-link', cluster },
          figures: { links: links.length, spokes: spokes.length },
          ...(links[0]!.sources?.redundancy ? { source: links[0]!.sources.redundancy } : {}),
        });
      }
    }
    return findings;
  },
};

export const overlayOnlyCorosyncLink: Rule = {
  id: 'overlay.only-corosync-link',
  stack: 'general',
  title: 'An overlay should not be the only corosync path of a cluster',
  source: overlayRiders.redundancy,
  check(ctx) {
    const findings: FindingDraft[] = [];
    const resolved = resolveOverlays(ctx.workspace);
    const carriedBy = new Map<string, ResolvedOverlay>();
    for (const r of resolved) for (const n of r.overlay.networks) carriedBy.set(n, r);
    const clusters = new Map<string, StackTraffic>();
    for (const t of trafficOn(ctx.workspace, [...carriedBy.keys()]).filter((t) => t.role === 'corosync')) clusters.set(t.group, t);
    for (const [cluster, traffic] of clusters) {
      const links = traffic.clusterLinks ?? [];
      if (links.some((l) => !carriedBy.has(l.network))) continue;
      const overlays = [...new Set(links.map((l) => carriedBy.get(l.network)!.overlay.name))];
      // The hub rule already says it (as an error) for a hub-and-spoke overlay.
      if (links.every((l) => carriedBy.get(l.network)!.overlay.topology === 'hub-and-spoke')) continue;
      findings.push({
        severity: 'warning',
        message: `Every corosync link of cluster ${cluster} (${links.map((l) => `link${l.link} on ${l.network}`).join(', ')}) rides on overlay ${overlays.join(' and ')}: one tunnel daemon restarting, one expired key or one MTU change takes the whole cluster's communication with it.`,
        elements: links.map((l) => ({ kind: 'network' as const, name: l.network })),
        paths: [traffic.path],
        remedy: 'Add a second corosync link outside the overlay (the underlay itself where the round trip allows, with a higher knet priority on the better path), so corosync fails over between them.',
        action: { id: 'add-corosync-link', cluster },
        figures: { links: links.length },
        ...(traffic.sources?.redundancy ? { source: traffic.sources.redundancy } : {}),
      });
    }
    return findings;
  },
};

export const overlayMtu: Rule = {
  id: 'overlay.mtu',
  stack: 'general',
  title: 'The overlay MTU fits the measured path',
  source: pathMtuDiscovery,
  check(ctx) {
    const findings: FindingDraft[] = [];
    for (const r of resolveOverlays(ctx.workspace)) {
      const facts = factsFor(ctx, r);
      const rideLabels = riders(ctx, r).filter((t) => t.role === 'corosync' || t.role === 'migration').map((t) => t.label);
      const ridingText = rideLabels.length ? ` ${rideLabels.join(' and ')} ride${rideLabels.length === 1 ? 's' : ''} on it:` : '';
      const measured = (facts?.pathMtu ?? []).filter((p) => p.mtu !== undefined);
      const carriesV6 = [r.overlay.addressRange, ...r.overlay.networks.map((n) => ctx.network(n)?.cidr)].some((c) => c !== undefined && parseCidr(c)?.family === 6);
      if (r.overlay.mtu !== undefined && carriesV6 && r.overlay.mtu < MIN_IPV6_OVERLAY_MTU) {
        findings.push({ severity: 'error', message: `Overlay ${r.overlay.name} carries IPv6 with an MTU of ${r.overlay.mtu}; IPv6 needs at least 1280.`, elements: networkRefs(r), paths: [at(r, '.mtu')], remedy: 'Raise the MTU to 1280 or more, or carry IPv4 only.', action: { id: 'set-overlay-mtu', overlay: r.overlay.name, mtu: MIN_IPV6_OVERLAY_MTU }, figures: { mtu: r.overlay.mtu }, source: wireguardProtocol('MTU') });
      }
      if (measured.length === 0) {
        findings.push({
          severity: 'info',
          message: `The path MTU between the sites of overlay ${r.overlay.name} has not been measured yet; without it the MTU is a guess (wg-quick's default is the route's MTU − 80).`,
          elements: networkRefs(r),
          paths: [at(r)],
          remedy: 'Run the overlay plan: it measures the path MTU between every site pair with don\'t-fragment pings before it writes the configuration.',
        });
        continue;
      }
      const narrowest = measured.reduce((x, y) => (y.mtu! < x.mtu! ? y : x));
      const allowed = overlayMtuFor(narrowest.mtu!, narrowest.family);
      const figures = { pathMtu: narrowest.mtu!, overheadBytes: WIREGUARD_OVERHEAD[narrowest.family], allowedMtu: allowed };
      const narrowText = `the narrowest path (${narrowest.fromSite}→${narrowest.toSite}, ${narrowest.from}→${narrowest.to}) carries ${narrowest.mtu} bytes, so the tunnel fits ${allowed} (${narrowest.mtu} − ${WIREGUARD_OVERHEAD[narrowest.family]} bytes of WireGuard over IPv${narrowest.family})`;
      if (r.overlay.mtu !== undefined && r.overlay.mtu > allowed) {
        findings.push({
          severity: 'error',
          message: `Overlay ${r.overlay.name} is set to MTU ${r.overlay.mtu}, but ${narrowText}.${ridingText} packets above ${allowed} bytes are dropped or fragmented.`,
          elements: networkRefs(r),
          paths: [at(r, '.mtu')],
          remedy: `Set the overlay's MTU to ${allowed}, or leave it unset so that the plan sets the measured value.`,
          action: { id: 'set-overlay-mtu', overlay: r.overlay.name, mtu: allowed },
          figures: { ...figures, mtu: r.overlay.mtu },
        });
      }
      for (const iface of facts?.interfaces ?? []) {
        if (iface.mtu === undefined || iface.mtu <= allowed) continue;
        findings.push({
          severity: 'error',
          message: `${iface.node} runs ${r.interface} with MTU ${iface.mtu}, but ${narrowText}.${ridingText} larger packets from ${iface.node} are dropped or fragmented on the way.`,
          elements: [nodeRef(iface.node), ...networkRefs(r)],
          paths: [at(r)],
          remedy: `Run the overlay plan again (it sets MTU ${allowed}), or set it by hand: ip link set dev ${r.interface} mtu ${allowed}.`,
          figures: { ...figures, mtu: iface.mtu },
        });
      }
      const mtus = new Set((facts?.interfaces ?? []).filter((i) => i.mtu !== undefined).map((i) => i.mtu!));
      if (mtus.size > 1) {
        findings.push({
          severity: 'warning',
          message: `The members of overlay ${r.overlay.name} run different MTUs (${[...mtus].sort((x, y) => x - y).join(', ')}): a node sends packets its peer would not have sent and that corosync's path MTU discovery sees differently in each direction.`,
          elements: networkRefs(r),
          paths: [at(r)],
          remedy: 'Give every member the same MTU (the overlay plan does).',
          figures: { distinct: mtus.size },
        });
      }
    }
    return findings;
  },
};

export const natKeepalive: Rule = {
  id: 'overlay.nat-keepalive',
  stack: 'general',
  title: 'Members behind NAT keep their tunnels open with a keepalive',
  source: wgManual('PersistentKeepalive'),
  check(ctx) {
    const findings: FindingDraft[] = [];
    for (const r of resolveOverlays(ctx.workspace)) {
      const nat = r.members.filter((m) => m.behindNat);
      if (nat.length === 0) continue;
      if (r.overlay.keepalive === undefined) {
        findings.push({
          severity: 'error',
          message: `${nat.map((m) => m.node).join(', ')} ${nat.length === 1 ? 'is' : 'are'} behind NAT in overlay ${r.overlay.name}, which sets no keepalive: once the NAT forgets the idle mapping (often after 30 s to a few minutes), nobody can reach ${nat.length === 1 ? 'it' : 'them'} until ${nat.length === 1 ? 'it sends' : 'they send'} again, and corosync sees the link flap.`,
          elements: [...nat.map((m) => nodeRef(m.node)), ...networkRefs(r)],
          paths: [at(r, '.keepalive')],
          remedy: 'Send a keepalive every 25 seconds, the interval wg(8) suggests for a wide variety of NATs and firewalls.',
          action: { id: 'set-overlay-keepalive', overlay: r.overlay.name, seconds: 25 },
        });
      } else if (r.overlay.keepalive > 30) {
        findings.push({
          severity: 'warning',
          message: `Overlay ${r.overlay.name} sends a keepalive every ${r.overlay.keepalive} s with ${plural(nat.length, 'member')} behind NAT; many NATs drop an idle UDP mapping after 30 s.`,
          elements: [...nat.map((m) => nodeRef(m.node)), ...networkRefs(r)],
          paths: [at(r, '.keepalive')],
          remedy: 'Use 25 seconds unless you know the NAT keeps mappings longer.',
          action: { id: 'set-overlay-keepalive', overlay: r.overlay.name, seconds: 25 },
          figures: { keepaliveS: r.overlay.keepalive },
        });
      }
    }
    return findings;
  },
};

export const ridersAreMembers: Rule = {
  id: 'overlay.riders-are-members',
  stack: 'general',
  title: 'Every node that sends traffic on a riding network is a member of the overlay',
  source: overlayRiders.addressing,
  check(ctx) {
    const findings: FindingDraft[] = [];
    for (const r of resolveOverlays(ctx.workspace)) {
      const members = new Set(r.members.map((m) => m.node));
      for (const traffic of riders(ctx, r)) {
        const outside = traffic.nodes.filter((n) => !members.has(n));
        if (outside.length === 0) continue;
        findings.push({
          severity: 'error',
          message: `${traffic.label} uses network ${traffic.network}, which rides on overlay ${r.overlay.name}, but ${outside.join(', ')} ${outside.length === 1 ? 'is not a member' : 'are not members'}: ${outside.length === 1 ? 'it has' : 'they have'} no overlay address, so ${traffic.role === 'corosync' ? 'corosync would bind that link to another network (or refuse it)' : 'that traffic would take another path'}.`,
          elements: [...outside.map(nodeRef), ...networkRefs(r)],
          paths: [traffic.path, at(r, '.nodes')],
          remedy: `Make ${outside.join(', ')} ${outside.length === 1 ? 'a member' : 'members'} of overlay ${r.overlay.name} (by name, or by adding ${outside.length === 1 ? 'its site' : 'their sites'} to the overlay), or carry this traffic on another network.`,
          figures: { outside: outside.length },
          ...(traffic.sources?.addressing ? { source: traffic.sources.addressing } : {}),
        });
      }
    }
    return findings;
  },
};

export const staleHandshake: Rule = {
  id: 'overlay.handshake',
  stack: 'general',
  title: 'Every tunnel has a recent handshake',
  source: wireguardProtocol('Timers: Rekey-After-Time 120 s, Reject-After-Time 180 s'),
  check(ctx) {
    const findings: FindingDraft[] = [];
    for (const r of resolveOverlays(ctx.workspace)) {
      const facts = factsFor(ctx, r);
      if (!facts) continue;
      const reportedDown = new Set<string>();
      for (const h of facts.handshakes) {
        if (h.down) {
          if (reportedDown.has(h.node)) continue;
          reportedDown.add(h.node);
          findings.push({
            severity: 'warning',
            message: `${r.interface} is not running on ${h.node} (as of ${facts.measuredAt}): every tunnel of overlay ${r.overlay.name} to ${h.node} is down.`,
            elements: [nodeRef(h.node), ...networkRefs(r)],
            paths: [at(r)],
            remedy: `Run the overlay plan again (it brings the interface up), or on ${h.node}: wg-quick up ${r.interface} (systemctl start wg-quick@${r.interface} where systemd runs it).`,
          });
          continue;
        }
        const state = handshakeState(h.ageS, r.overlay.keepalive);
        if (state !== 'stale' && state !== 'never') continue;
        findings.push({
          severity: 'warning',
          message:
            state === 'never'
              ? `${h.node} has never completed a handshake with ${h.peer} on overlay ${r.overlay.name} (as of ${facts.measuredAt}): the tunnel is not up.`
              : `${h.node}'s latest handshake with ${h.peer} on overlay ${r.overlay.name} is ${Math.round(h.ageS!)} s old, more than the ${maxHandshakeAgeS(r.overlay.keepalive)} s a ${r.overlay.keepalive} s keepalive allows: the tunnel is down.`,
          elements: [nodeRef(h.node), nodeRef(h.peer), { kind: 'link', name: h.node, peer: h.peer, network: r.overlay.networks[0]! }],
          paths: [at(r)],
          remedy: `Check that ${r.interface} runs on both (wg show ${r.interface}), that UDP ${r.overlay.port} passes between them, and their keys; the overlay plan brings a stopped interface back.`,
          ...(h.ageS !== undefined ? { figures: { ageS: Math.round(h.ageS) } } : {}),
        });
      }
    }
    return findings;
  },
};

export const overlayRules: Rule[] = [overlayLatency, hubSinglePoint, overlayOnlyCorosyncLink, overlayMtu, natKeepalive, ridersAreMembers, staleHandshake];
