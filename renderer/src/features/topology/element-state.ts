// What each state colour means for each element, in one place: green only for what was checked
// (a node the app reached in this session's facts, a link that was measured or that corosync reports
// up), amber and red from findings and from checks that failed, grey for everything else. Pure.
import type { Facts } from '../../../../main/common/workspace/facts.js';
import type { Finding } from '../../../../main/common/workspace/rules/types.js';
import type { LinkState } from './graph.js';

/** An element's state and, in the admin's words, why it has it. */
export interface ElementState {
  state: LinkState;
  reason: string;
}

/** One piece of evidence that a node was (or could not be) reached, with where it comes from. */
export interface Reach {
  node: string;
  reached: boolean;
  /** "reached over SSH (latency measurement)", "answered ping from pve1 on mgmt", "online in cluster homelab"… */
  how: string;
  at?: string;
}

export const stateRank: Record<LinkState, number> = { unmeasured: 0, ok: 1, warning: 2, error: 3 };
export const worstState = (a: LinkState, b: LinkState): LinkState => (stateRank[b] > stateRank[a] ? b : a);

const findingState: Record<Finding['severity'], LinkState | null> = { error: 'error', warning: 'warning', info: null };

/** Quorum and members as a cluster last reported them (its stack's status method), or why it could not be read. */
export type ClusterReading = { nodes: { name: string; online: boolean }[]; checkedAt: string; quorate: boolean } | { error: string; checkedAt: string };

/**
 * Every sign of reach in what the app measured or opened this session: the nodes the latency run
 * ran ping on over SSH, the peers that answered, the members corosync's stats were read on (and the
 * peers it sees connected), the members a cluster's API reports online or offline, and open terminals.
 */
export function reachEvidence(input: { facts?: Facts; clusters?: Record<string, ClusterReading>; terminals?: { node: string; state: string }[] }): Reach[] {
  const out: Reach[] = [];
  const latency = input.facts?.latency;
  if (latency) {
    // With the "local" runner ping ran on this machine: the source node itself was not reached.
    const onNodes = latency.runner !== 'local';
    for (const s of latency.samples) {
      if (onNodes) {
        out.push(
          s.error
            ? { node: s.from, reached: false, how: `could not run ping on it (${s.error})`, at: s.measuredAt }
            : { node: s.from, reached: true, how: 'reached over SSH (latency measurement)', at: s.measuredAt },
        );
      }
      if (s.received > 0) out.push({ node: s.to, reached: true, how: `answered ping from ${onNodes ? s.from : 'this machine'} on ${s.network}`, at: s.measuredAt });
    }
  }
  for (const entry of input.facts?.knet ?? []) {
    const readOn = new Set(entry.links.map((l) => l.local));
    for (const node of readOn) out.push({ node, reached: true, how: `reached over SSH (corosync link state of ${entry.cluster})`, at: entry.readAt });
    for (const l of entry.links) if (l.peer && l.connected) out.push({ node: l.peer, reached: true, how: `seen connected by corosync on ${l.local}`, at: entry.readAt });
  }
  for (const [cluster, reading] of Object.entries(input.clusters ?? {})) {
    if ('error' in reading) continue;
    for (const n of reading.nodes) {
      out.push(n.online ? { node: n.name, reached: true, how: `online in cluster ${cluster}`, at: reading.checkedAt } : { node: n.name, reached: false, how: `cluster ${cluster} reports it offline`, at: reading.checkedAt });
    }
  }
  for (const t of input.terminals ?? []) if (t.state === 'open') out.push({ node: t.node, reached: true, how: 'a terminal is open on it' });
  return out;
}

const capital = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
// A large estate's elements share a handful of measurement times: each is formatted once.
const formatted = new Map<string, string>();
const when = (at: string | undefined) => {
  if (!at) return '';
  let text = formatted.get(at);
  if (text === undefined) {
    if (formatted.size > 1000) formatted.clear();
    text = ` at ${new Date(at).toLocaleString()}`;
    formatted.set(at, text);
  }
  return text;
};

/** Findings that colour an element: unaccepted errors and warnings (an info never turns anything green). */
function worstFinding(findings: readonly Finding[], concerns: (f: Finding) => boolean): { state: LinkState; finding: Finding } | null {
  let found: { state: LinkState; finding: Finding } | null = null;
  for (const f of findings) {
    const state = findingState[f.severity];
    if (!state || f.accepted || !concerns(f)) continue;
    if (!found || stateRank[state] > stateRank[found.state]) found = { state, finding: f };
  }
  return found;
}

/**
 * A node's state: red or amber when a finding names it (or every attempt to reach it failed),
 * green only when something reached it and nothing stands against it, grey otherwise.
 */
export function nodeState(name: string, reach: readonly Reach[], findings: readonly Finding[]): ElementState {
  const mine = reach.filter((r) => r.node === name);
  const reached = mine.find((r) => r.reached);
  const failed = mine.find((r) => !r.reached);
  let base: ElementState;
  if (reached) base = { state: 'ok', reason: `${capital(reached.how)}${when(reached.at)}; no finding against it.` };
  else if (failed) base = { state: 'error', reason: `Not reached: ${failed.how}${when(failed.at)}.` };
  else base = { state: 'unmeasured', reason: 'Not measured: nothing has reached this node yet (measure latency, open a terminal or read its cluster).' };
  const finding = worstFinding(findings, (f) => f.elements.some((e) => e.kind === 'node' && e.name === name));
  if (finding && stateRank[finding.state] >= stateRank[base.state]) {
    return { state: finding.state, reason: `${finding.finding.message}${base.state === 'unmeasured' ? ' (not reached yet)' : ''}` };
  }
  return base;
}

/** What the canvas knows about one link before findings: its measurement and corosync's own view. */
export interface LinkEvidence {
  network: string;
  a: string;
  b: string;
  /** The ping figures, when there are any. */
  measured?: { lossPercent: number; error?: string; hasFigure: boolean; at?: string };
  knet?: { connected: boolean; seenFrom: string[]; readAt: string };
}

/** A link's state: measured or seen up by corosync → green, failed or down → red, findings on top; else grey. */
export function linkState(link: LinkEvidence, findings: readonly Finding[]): ElementState {
  let base: ElementState = { state: 'unmeasured', reason: 'Not measured.' };
  const m = link.measured;
  if (m?.error) base = { state: 'error', reason: `The measurement failed: ${m.error}.` };
  else if (m && m.lossPercent >= 100) base = { state: 'error', reason: 'No reply: 100 % loss.' };
  else if (m?.hasFigure) base = { state: 'ok', reason: `Measured${when(m.at)}; within limits.` };
  if (link.knet && !link.knet.connected) base = { state: 'error', reason: `corosync reports the link down (seen from ${link.knet.seenFrom.join(', ')}${when(link.knet.readAt)}).` };
  else if (link.knet && base.state === 'unmeasured') base = { state: 'ok', reason: `corosync reports the link up${when(link.knet.readAt)}.` };
  const finding = worstFinding(findings, (f) =>
    f.elements.some((e) => e.kind === 'link' && e.peer !== undefined && (e.network === undefined || e.network === link.network) && ((e.name === link.a && e.peer === link.b) || (e.name === link.b && e.peer === link.a))),
  );
  if (finding && stateRank[finding.state] >= stateRank[base.state]) return { state: finding.state, reason: finding.finding.message };
  return base;
}

/** A cluster badge: quorate → green, not quorate → red, not read (or unreadable) → grey. */
export function clusterState(reading: ClusterReading | undefined): ElementState {
  if (!reading) return { state: 'unmeasured', reason: 'Not read yet.' };
  if ('error' in reading) return { state: 'unmeasured', reason: `Could not be read: ${reading.error}` };
  return reading.quorate ? { state: 'ok', reason: 'Quorate, as the cluster reports it.' } : { state: 'error', reason: 'Not quorate, as the cluster reports it.' };
}
