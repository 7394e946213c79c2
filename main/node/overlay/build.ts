// Builds (or re-checks) one overlay: measure the path MTU between its sites, run the keys plan, read
// the public keys back, run the tunnels plan, then read what runs into facts. Both plans go through
// the engine (journalled, audited, resumable); the probes between them only read.
import type { RunResult } from '../../common/contract/plan.js';
import { CwError } from '../../common/errors.js';
import type { OverlayFacts, PathMtuFact } from '../../common/overlay/facts.js';
import { overlaysOf, resolveOverlay, type ResolvedOverlay } from '../../common/overlay/model.js';
import { overlayMtuFromPaths } from '../../common/overlay/mtu.js';
import { checkOverlayReferences } from '../../common/overlay/validate.js';
import { formatPath } from '../../common/workspace/paths.js';
import type { PlanInput } from '../../common/plan/schema.js';
import type { Workspace } from '../../common/workspace/schema.js';
import type { RemoteRunner } from '../workspace/runner.js';
import { overlayKeysPlan, overlayPlan, type OverlayPlanNodes } from './plan.js';
import { handshakeFacts, measureOverlayLatency, measurePathMtu, readInterfaces, readPublicKeys } from './probe.js';
import { measureThroughput } from './throughput.js';

export interface OverlayEngine {
  apply(plan: PlanInput): { runId: string; done: Promise<RunResult> };
}

export interface BuildOverlayOptions {
  workspace: Workspace;
  overlay: string;
  engine: OverlayEngine;
  /** Runs the read-only probes on the members. */
  runner: RemoteRunner;
  /** How the plans reach each member (SSH address, port, user). */
  nodes: OverlayPlanNodes;
  /** Largest packet the path MTU search tries (1500; 9000 with jumbo frames end to end). */
  maxMtu?: number;
  /** Also measure TCP throughput over and under the tunnel between every two members (a few seconds each). */
  throughput?: { seconds?: number; port?: number };
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export interface BuildOverlayResult {
  resolved: ResolvedOverlay;
  mtu?: number;
  keys: RunResult;
  tunnels?: RunResult;
  publicKeys: Record<string, string>;
  facts: OverlayFacts;
}

/** The overlay named `name`, resolved, or an INVALID_INPUT error listing what is wrong with it. */
export function overlayToBuild(workspace: Workspace, name: string): ResolvedOverlay {
  const overlays = overlaysOf(workspace);
  const index = overlays.findIndex((o) => o.name === name);
  if (index < 0) throw new CwError('NOT_FOUND', `The workspace has no overlay named ${name}${overlays.length ? `; its overlays are ${overlays.map((o) => o.name).join(', ')}` : ''}.`);
  const resolved = resolveOverlay(workspace, overlays[index]!, index);
  const own = checkOverlayReferences(workspace).filter((i) => i.path[0] === 'overlays' && i.path[1] === index);
  const lines = new Set([...own, ...resolved.problems].filter((i) => i.severity === 'error').map((e) => `  ${formatPath(e.path)}: ${e.message}`));
  if (lines.size) throw new CwError('INVALID_INPUT', `Overlay ${name} cannot be built as written:\n${[...lines].join('\n')}`);
  return resolved;
}

/** The MTU to set: the workspace's fixed value, else the narrowest measured path minus WireGuard's overhead. */
export function chooseMtu(resolved: ResolvedOverlay, pathMtu: readonly PathMtuFact[]): number {
  if (resolved.overlay.mtu !== undefined) return resolved.overlay.mtu;
  const measured = pathMtu.filter((p) => p.mtu !== undefined);
  const failed = pathMtu.filter((p) => p.mtu === undefined);
  if (measured.length === 0 || failed.length > 0) {
    const why = failed.map((p) => `${p.from}→${p.to} (${p.address}): ${p.error ?? 'no figure'}`).join('; ');
    throw new CwError('UNREACHABLE', `The path MTU of overlay ${resolved.overlay.name} could not be measured between every site pair${why ? `: ${why}` : ''}. Make sure the members answer pings on the underlay, or set mtu: in the workspace.`);
  }
  const families = new Set(measured.map((p) => p.family));
  return overlayMtuFromPaths(
    measured.map((p) => p.mtu!),
    families.has(6) ? 6 : 4,
  )!;
}

export async function buildOverlay(options: BuildOverlayOptions): Promise<BuildOverlayResult> {
  const log = options.log ?? (() => undefined);
  const resolved = overlayToBuild(options.workspace, options.overlay);
  const probe = { ...(options.signal ? { signal: options.signal } : {}) };
  log(`Measuring the path MTU between the sites of overlay ${resolved.overlay.name}…`);
  const pathMtu = await measurePathMtu(options.runner, resolved, { ...probe, ...(options.maxMtu ? { maxMtu: options.maxMtu } : {}) });
  for (const p of pathMtu) log(`  ${p.fromSite}→${p.toSite} (${p.from}→${p.to}): ${p.mtu !== undefined ? `${p.mtu} bytes` : p.error} after ${p.probes} probes`);
  const mtu = chooseMtu(resolved, pathMtu);
  log(`Overlay MTU: ${mtu}`);
  const base: OverlayFacts = { overlay: resolved.overlay.name, interface: resolved.interface, measuredAt: new Date().toISOString(), pathMtu, mtu, interfaces: [], handshakes: [], latency: [], throughput: [] };

  const keys = await options.engine.apply(overlayKeysPlan(resolved, options.nodes)).done;
  if (keys.status !== 'succeeded') return { resolved, mtu, keys, publicKeys: {}, facts: base };
  const publicKeys = await readPublicKeys(options.runner, resolved, probe);

  const tunnels = await options.engine.apply(overlayPlan({ resolved, publicKeys, mtu, nodes: options.nodes })).done;
  const facts = await readOverlayFacts(options.runner, resolved, publicKeys, { ...base, measuredAt: new Date().toISOString() }, options);
  return { resolved, mtu, keys, tunnels, publicKeys, facts };
}

/** Reads interfaces, handshakes and round trips (and, when asked, throughput) into the overlay's facts. */
export async function readOverlayFacts(runner: RemoteRunner, resolved: ResolvedOverlay, publicKeys: Record<string, string>, base: OverlayFacts, options: Pick<BuildOverlayOptions, 'throughput' | 'signal'> = {}): Promise<OverlayFacts> {
  const probe = { ...(options.signal ? { signal: options.signal } : {}) };
  const states = await readInterfaces(runner, resolved, probe);
  const interfaces = states.map((s) => ({ node: s.node, up: s.up, ...(s.mtu !== undefined ? { mtu: s.mtu } : {}), ...(s.publicKey ? { publicKey: s.publicKey } : {}), ...(s.implementation ? { implementation: s.implementation } : {}), ...(s.error ? { error: s.error } : {}) }));
  const latency = await measureOverlayLatency(runner, resolved, probe);
  const throughput: OverlayFacts['throughput'] = [];
  if (options.throughput) {
    const members = resolved.members;
    for (let i = 0; i < members.length; i++) {
      for (let j = i + 1; j < members.length; j++) {
        const [a, b] = [members[i]!, members[j]!];
        const seconds = options.throughput.seconds ?? 3;
        const common = { seconds, ...(options.throughput.port ? { port: options.throughput.port } : {}), ...probe };
        const under = b.endpoint ? await measureThroughput(runner, a.node, b.node, b.endpoint.host, common) : { error: `${b.node} has no underlay endpoint` };
        const over = b.addresses[0] ? await measureThroughput(runner, a.node, b.node, b.addresses[0].address, common) : { error: `${b.node} has no overlay address` };
        const error = [under.error, over.error].filter(Boolean).join('; ');
        throughput.push({ from: a.node, to: b.node, seconds, tool: 'python3 TCP transfer', ...(under.mbit !== undefined ? { underlayMbit: under.mbit } : {}), ...(over.mbit !== undefined ? { overlayMbit: over.mbit } : {}), ...(error ? { error } : {}) });
      }
    }
  }
  // Peers are named by the public keys the members' interfaces report now, else by those given.
  const keys = { ...publicKeys, ...Object.fromEntries(states.flatMap((s) => (s.publicKey ? [[s.node, s.publicKey] as const] : []))) };
  return { ...base, interfaces, handshakes: handshakeFacts(resolved, states, keys), latency, throughput };
}
