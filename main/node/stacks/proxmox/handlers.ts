// proxmox.* methods: read a node's API certificate for the pinning prompt; compute WAN totem timing; build the
// cluster wizard's plan from the open workspace (recording an accepted WAN layout); read quorum through the API.
import { CwError } from '../../../common/errors.js';
import { planSchema } from '../../../common/plan/schema.js';
import type { ProxmoxCluster } from '../../../common/stacks/proxmox/schema.js';
import { tuneTotem } from '../../../common/stacks/proxmox/wan-tuning.js';
import { validateWorkspace } from '../../../common/workspace/rules/index.js';
import type { Workspace } from '../../../common/workspace/schema.js';
import { checkHost, zoneOf } from '../../../common/workspace/names.js';
import { shellCommand } from '../../ssh/shell-quote.js';
import type { Handlers } from '../../dispatcher.js';
import { probeCertificate } from './client.js';
import type { ProxmoxApi } from './cluster-api.js';
import { proxmoxClusterPlan } from './plan.js';
import { clusterPlanFromWorkspace, credentialCheck, findingsForCluster, findProxmoxCluster, isBlocking } from './workspace-plan.js';
import { readKnetStats } from './knet.js';
import { recordEstate } from '../../workspace/measure.js';
import type { RemoteRunner } from '../../workspace/runner.js';
import type { StackWorkspaces } from '../types.js';
import type { KnetLinkStats } from '../../../common/workspace/facts.js';

type ProxmoxMethod = 'proxmox.probeCertificate' | 'proxmox.tuneTotem' | 'proxmox.planCluster' | 'proxmox.clusterStatus' | 'proxmox.linkStatus' | 'proxmox.credentialCheck' | 'proxmox.joinInformation';

export interface ProxmoxServiceDeps {
  /** The open workspace (its model, its measured facts) and where an accepted WAN layout is saved. */
  workspaces: StackWorkspaces;
  /** How commands reach the cluster's members (SSH in the app): knet's link state is read on each member. */
  nodeRunner?: (workspace: Workspace) => RemoteRunner;
  /** The cluster API clients, shared with the inventory (credentials by secret id, pinned certificates). */
  api: ProxmoxApi;
  /** How long the wizard waits for a node's /version before assuming the current release (ms). */
  versionTimeoutMs?: number;
}

/** `/cluster/status` entries, as the official schema's `returns` describes them (only what is used here). */
interface PveClusterStatusEntry {
  type: string;
  name?: string;
  online?: number | boolean;
  nodeid?: number;
  quorate?: number | boolean;
  nodes?: number;
}

const defaultRelease = '9.1';

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new CwError('TIMEOUT', `no answer within ${ms} ms`)), ms);
    work.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e: unknown) => (clearTimeout(timer), reject(e instanceof Error ? e : new Error(String(e)))),
    );
  });
}

export function proxmoxHandlers(deps: ProxmoxServiceDeps): Pick<Handlers, ProxmoxMethod> {
  const openWorkspace = () => deps.workspaces.current();

  /** The release the first node reports, or the current one when its API does not answer (said in the notes). */
  const releaseOf = async (workspace: Workspace, cluster: string): Promise<{ release: string; source: string }> => {
    try {
      const api = deps.api.resolve(workspace, cluster);
      const version = await withTimeout(deps.api.client(api).get<{ release?: string; version?: string }>('/version'), deps.versionTimeoutMs ?? 3000);
      const release = version.release ?? version.version?.split('.').slice(0, 2).join('.');
      if (release) return { release, source: `reported by ${api.endpoint.host}:${api.endpoint.port}` };
    } catch (err) {
      return { release: defaultRelease, source: `assumed: the cluster API did not answer (${err instanceof Error ? err.message.split('\n')[0] : String(err)})` };
    }
    return { release: defaultRelease, source: 'assumed: the API did not say its release' };
  };

  return {
    'proxmox.probeCertificate': (input) => probeCertificate({ host: input.host, port: input.port }),
    'proxmox.tuneTotem': (input) => tuneTotem({ rttMs: input.rttMs, jitterMs: input.jitterMs, lossPct: input.lossPct }, input.nodes, input.tokenCoefficientMs),

    'proxmox.planCluster': async (input) => {
      let { workspace, facts } = await openWorkspace();
      const { cluster, index } = findProxmoxCluster(workspace, input.cluster);
      // An acceptance already saved in the workspace stands unless the admin now says no (acceptWan: false).
      const acceptWan = input.acceptWan ?? cluster.wanTuning?.accepted === true;
      const release = cluster.ha?.enabled ? await releaseOf(workspace, input.cluster) : undefined;
      const choices = { acceptWan, ...(release ? { release: release.release, releaseSource: release.source } : {}), ...(input.manualJoin?.length ? { manualJoin: input.manualJoin } : {}) };
      let built = clusterPlanFromWorkspace(workspace, facts, input.cluster, choices);
      let wanTuning: { accepted: boolean; acceptedAt?: string; tokenMs?: number } | undefined;
      if (input.acceptWan === true && built.tuning && built.tuning.verdict !== 'separate-clusters') {
        // Record the acceptance in the workspace file (the rules then mark the slow link accepted); comments are kept by the store.
        wanTuning = { accepted: true, acceptedAt: new Date().toISOString(), tokenMs: built.tuning.totem.token ?? built.tuning.effectiveTokenMs };
        const next: Workspace = structuredClone(workspace);
        next.proxmox!.clusters[index] = { ...next.proxmox!.clusters[index]!, wanTuning };
        await deps.workspaces.save(next);
        ({ workspace, facts } = await openWorkspace());
        built = clusterPlanFromWorkspace(workspace, facts, input.cluster, choices);
        built.notes.push(`The acceptance is saved in proxmox.clusters[${index}].wanTuning (token ${wanTuning.tokenMs} ms).`);
      } else if (input.acceptWan === true && !built.tuning) {
        built.notes.push('No corosync link measured above 5 ms: there is no WAN layout to accept.');
      }
      if (!facts.latency) built.notes.push('No latency has been measured yet: measure the links (latency.measure) so the plan can check them.');
      let judged = workspace;
      if (input.acceptWan === false && cluster.wanTuning?.accepted) {
        // The admin says no now: judge the links as unaccepted (the file is not changed).
        judged = structuredClone(workspace);
        judged.proxmox!.clusters[index] = { ...judged.proxmox!.clusters[index]!, wanTuning: { ...cluster.wanTuning, accepted: false } };
        built.notes.push(`The workspace records an earlier WAN acceptance (proxmox.clusters[${index}].wanTuning); it is ignored for this plan. Remove it from the workspace to withdraw it for good.`);
      }
      const findings = findingsForCluster(validateWorkspace(judged, facts), findProxmoxCluster(judged, input.cluster).cluster, index);
      const blocking = isBlocking(findings);
      if (blocking) built.notes.push(`Blocked: ${findings.filter((f) => f.severity === 'error' && !f.accepted).length} error finding(s) stand; fix them (or accept the WAN layout) before applying.`);
      return {
        plan: planSchema.parse(proxmoxClusterPlan(built.input)),
        findings,
        blocking,
        ...(built.tuning ? { tuning: built.tuning } : {}),
        notes: built.notes,
        ...(wanTuning ? { wanTuning } : {}),
      };
    },

    'proxmox.joinInformation': async (input) => {
      const { workspace } = await openWorkspace();
      const { cluster } = findProxmoxCluster(workspace, input.cluster);
      const api = deps.api.resolve(workspace, input.cluster);
      const join = await deps.api.inContext(api, () => deps.api.client(api).get<PveJoinInfo>('/cluster/config/join'));
      return joinInformation(workspace, cluster, join, input.nodes);
    },

    'proxmox.credentialCheck': async (input) => {
      const { workspace } = await openWorkspace();
      const { cluster, index } = findProxmoxCluster(workspace, input.cluster);
      return credentialCheck(cluster, index);
    },

    'proxmox.linkStatus': async (input, ctx) => {
      const { workspace, path: workspaceFile } = await openWorkspace();
      const { cluster } = findProxmoxCluster(workspace, input.cluster);
      if (!deps.nodeRunner) throw new CwError('UNSUPPORTED', 'This host cannot run commands on the cluster members, so knet link state cannot be read here.');
      const runner = deps.nodeRunner(workspace);
      const links: KnetLinkStats[] = [];
      const unreadable: { node: string; error: string }[] = [];
      await Promise.all(
        cluster.nodes.map(async (node) => {
          try {
            // corosync-cmapctl answers in milliseconds: a member whose two reads do not answer within 5 s each is reported, not waited for.
            const read = await readKnetStats(runner, node, { timeoutMs: 5_000, signal: ctx.signal, failOnError: true });
            if (!read.length) unreadable.push({ node, error: 'corosync reports no knet links (not in a cluster yet?)' });
            links.push(...read);
          } catch (err) {
            unreadable.push({ node, error: err instanceof Error ? err.message.split('\n')[0]! : String(err) });
          }
        }),
      );
      const readAt = new Date().toISOString();
      const down = downLinks(links);
      const estate = await recordEstate(workspace, runner, new Set(links.map((l) => l.local)), workspaceFile);
      // Kept with the measured facts so the canvas (and the rules) see the same state; other clusters' entries stay.
      await deps.workspaces.storeFacts((current) => ({ ...current, knet: [...(current.knet ?? []).filter((k) => k.cluster !== cluster.name), { cluster: cluster.name, readAt, links, estate }] }));
      return { cluster: cluster.name, readAt, links, down, unreadable: unreadable.sort((a, b) => a.node.localeCompare(b.node)), allUp: unreadable.length === 0 && down.length === 0 && links.length > 0 };
    },

    'proxmox.clusterStatus': async (input, ctx) => {
      const { workspace } = await openWorkspace();
      const status = await readClusterStatus(deps, workspace, input.cluster, ctx.signal);
      // Kept with the facts, so the canvas's cluster badge shows the last reading after a reload too; other clusters' entries stay.
      await deps.workspaces.storeFacts((current) => ({ ...current, quorum: [...(current.quorum ?? []).filter((q) => q.cluster !== input.cluster), { cluster: input.cluster, status }] }));
      return status;
    },
  };
}

/** Quorum of `clusterName` in `workspace`: /cluster/status through its API, votes from corosync-quorumtool on an online member. */
export async function readClusterStatus(deps: Pick<ProxmoxServiceDeps, 'api' | 'nodeRunner'>, workspace: Workspace, clusterName: string, signal: AbortSignal) {
  const api = deps.api.resolve(workspace, clusterName);
  const entries = await deps.api.inContext(api, () => deps.api.client(api).get<PveClusterStatusEntry[]>('/cluster/status'));
  const flag = (v: number | boolean | undefined) => v === true || v === 1;
  const clusterEntry = entries.find((e) => e.type === 'cluster');
  const nodes = entries.filter((e) => e.type === 'node').map((e) => ({ name: e.name ?? '?', online: flag(e.online), ...(e.nodeid !== undefined ? { nodeid: e.nodeid } : {}) }));
  // /cluster/status has no vote counts: read them where Proxmox's own `pvecm status` does (corosync-quorumtool on a member).
  const votesOf = (name: string) => findProxmoxCluster(workspace, clusterName).cluster.votes?.[name] ?? 1;
  let votes: { totalVotes: number; expectedVotes: number; quorum?: number; qdevice?: boolean; votesFrom: string } | undefined;
  if (clusterEntry) {
    const onlineMember = nodes.find((n) => n.online && workspace.nodes.some((w) => w.name === n.name));
    if (onlineMember && deps.nodeRunner) {
      try {
        const r = await deps.nodeRunner(workspace).exec(onlineMember.name, ['corosync-quorumtool', '-s'], { timeoutMs: 5_000, signal });
        const parsed = parseQuorumtool(r.stdout);
        if (parsed) votes = { ...parsed, votesFrom: `corosync-quorumtool on ${onlineMember.name}` };
      } catch {
        // Unreachable over SSH: fall back to the count below.
      }
    }
    votes ??= {
      totalVotes: nodes.filter((n) => n.online).reduce((s, n) => s + votesOf(n.name), 0),
      expectedVotes: nodes.reduce((s, n) => s + votesOf(n.name), 0),
      votesFrom: 'computed from the API: one vote per online node (corosync-quorumtool could not be read)',
    };
  }
  const status = {
    quorate: clusterEntry ? flag(clusterEntry.quorate) : false,
    ...(votes ?? {}),
    nodes,
    checkedAt: new Date().toISOString(),
    ...(clusterEntry?.name ? { clusterName: clusterEntry.name } : {}),
  };
  return status;
}

/** `GET /cluster/config/join`, as the official schema's `returns` describes it (only what is used here). */
export interface PveJoinInfo {
  preferred_node: string;
  totem: Record<string, unknown>;
  nodelist: { name: string; pve_addr?: string; pve_fp?: string; [ring: string]: unknown }[];
}

/**
 * The join information Proxmox's web UI shows (base64 of its JSON: ipAddress, fingerprint, peerLinks, ring_addr,
 * totem) and, per joining node, `pvecm add` with its link addresses from the workspace. The password is never in it.
 */
export function joinInformation(workspace: Workspace, cluster: ProxmoxCluster, join: PveJoinInfo, only?: string[]) {
  const preferred = join.nodelist.find((n) => n.name === join.preferred_node) ?? join.nodelist[0];
  if (!preferred?.pve_fp) throw new CwError('REMOTE_FAILED', `Cluster '${cluster.name}' answered without the certificate fingerprint of ${join.preferred_node}; its join information is incomplete. Is the cluster created yet?`);
  const rings = Object.keys(preferred)
    .map((k) => /^ring(\d)_addr$/.exec(k))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [Number(m[1]), String(preferred[m[0]])] as const)
    .sort((a, b) => a[0] - b[0]);
  const ipAddress = preferred.pve_addr ?? rings[0]?.[1];
  if (!ipAddress) throw new CwError('REMOTE_FAILED', `Cluster '${cluster.name}' answered without an address for ${preferred.name}.`);
  // What the cluster answered goes into a command line the admin runs: only an address or host name, only a fingerprint.
  if (checkHost(ipAddress) !== undefined || zoneOf(ipAddress) !== undefined) throw new CwError('REMOTE_FAILED', `Cluster '${cluster.name}' answered with ${JSON.stringify(ipAddress.slice(0, 80))} as the address of ${preferred.name}, which is not an IP address or host name; its join information cannot be used.`);
  if (!/^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$/.test(preferred.pve_fp)) throw new CwError('REMOTE_FAILED', `Cluster '${cluster.name}' answered with a certificate fingerprint for ${preferred.name} that is not a SHA-256 fingerprint; its join information cannot be used.`);
  const info = { ipAddress, fingerprint: preferred.pve_fp, peerLinks: Object.fromEntries(rings.map(([l, a]) => [String(l), a])), ring_addr: rings.map(([, a]) => a), totem: join.totem };
  const members = new Set(join.nodelist.map((n) => n.name));
  const links = [...cluster.links].sort((a, b) => a.link - b.link);
  for (const name of only ?? []) {
    if (!cluster.nodes.includes(name)) throw new CwError('INVALID_INPUT', `${name} is not a member of cluster '${cluster.name}' in the workspace (members: ${cluster.nodes.join(', ')}).`);
    if (members.has(name)) throw new CwError('CONFLICT', `${name} is already in cluster '${cluster.name}': there is nothing to join.`);
  }
  const joiners = (only ?? cluster.nodes.filter((n) => !members.has(n))).map((name) => {
    const node = workspace.nodes.find((n) => n.name === name);
    if (!node) throw new CwError('INVALID_INPUT', `${name} is not in the workspace's nodes.`);
    const argv = ['pvecm', 'add', ipAddress, '--fingerprint', preferred.pve_fp!];
    for (const l of links) {
      const address = node.addresses[l.network];
      if (!address) throw new CwError('INVALID_INPUT', `${name} has no address on network ${l.network}, which carries corosync link${l.link} of cluster '${cluster.name}': set it in the workspace first (Proxmox refuses a join without every link).`, { node: name, network: l.network });
      argv.push(`--link${l.link}`, address);
    }
    return { node: name, command: shellCommand(...argv) };
  });
  return { cluster: cluster.name, preferredNode: preferred.name, ipAddress, fingerprint: preferred.pve_fp, joinInformation: Buffer.from(JSON.stringify(info), 'utf8').toString('base64'), commands: joiners };
}

/** `corosync-quorumtool -s`: expected and total votes, the quorum, and whether a QDevice casts its vote now (its membership line). */
export function parseQuorumtool(output: string): { totalVotes: number; expectedVotes: number; quorum?: number; qdevice: boolean } | undefined {
  const field = (name: string) => {
    const m = new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(output);
    return m ? Number(m[1]) : undefined;
  };
  const expectedVotes = field('Expected votes');
  const totalVotes = field('Total votes');
  if (expectedVotes === undefined || totalVotes === undefined) return undefined;
  const quorum = field('Quorum');
  // Membership lines (ids decimal, or hex with -H): a QDevice has its own line (`0  1  Qdevice`), and each node's
  // Qdevice column says whether the QDevice is alive and votes for it (`A,V,NMW`; `NA,NV,…` when qnetd is unreachable).
  const qline = /^\s*(?:0x0+|0)\s+(\d+)\s+Qdevice\s*$/m.exec(output);
  const localFlags = /^\s*(?:0x[0-9a-fA-F]+|\d+)\s+\d+\s+([A-Z]+(?:,[A-Z]+)+)\s+.*\(local\)\s*$/m.exec(output)?.[1];
  const qdevice = qline ? (localFlags ? localFlags.split(',').includes('V') : Number(qline[1]) > 0) : false;
  return { totalVotes, expectedVotes, ...(quorum !== undefined ? { quorum } : {}), qdevice };
}

/** Link number and member pair reported not connected by at least one end (knet's `connected` = 0). */
export function downLinks(links: readonly KnetLinkStats[]): { link: number; a: string; b: string; seenFrom: string[] }[] {
  const byKey = new Map<string, { link: number; a: string; b: string; seenFrom: string[] }>();
  for (const l of links) {
    if (l.connected !== false || !l.peer) continue;
    const [a, b] = l.local < l.peer ? [l.local, l.peer] : [l.peer, l.local];
    const key = `${l.link}|${a}|${b}`;
    const entry = byKey.get(key) ?? { link: l.link, a, b, seenFrom: [] };
    entry.seenFrom.push(l.local);
    byKey.set(key, entry);
  }
  return [...byKey.values()].sort((x, y) => x.link - y.link || x.a.localeCompare(y.a) || x.b.localeCompare(y.b));
}

