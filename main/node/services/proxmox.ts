// proxmox.* methods: read a node's API certificate for the pinning prompt; compute WAN totem timing; build the
// cluster wizard's plan from the open workspace (recording an accepted WAN layout); read quorum through the API.
import { CwError } from '../../common/errors.js';
import { planSchema } from '../../common/plan/schema.js';
import { tuneTotem } from '../../common/stacks/proxmox/wan-tuning.js';
import { validateWorkspace } from '../../common/workspace/rules/index.js';
import type { Workspace } from '../../common/workspace/schema.js';
import type { Handlers } from '../dispatcher.js';
import { probeCertificate } from '../stacks/proxmox/client.js';
import type { ProxmoxApi } from '../stacks/proxmox/cluster-api.js';
import { proxmoxClusterPlan } from '../stacks/proxmox/plan.js';
import { clusterPlanFromWorkspace, findingsForCluster, findProxmoxCluster, isBlocking } from '../stacks/proxmox/workspace-plan.js';
import type { WorkspaceStore } from '../workspace/store.js';

type ProxmoxMethod = 'proxmox.probeCertificate' | 'proxmox.tuneTotem' | 'proxmox.planCluster' | 'proxmox.clusterStatus';

export interface ProxmoxServiceDeps {
  /** The open workspace (its model, its measured facts) and where an accepted WAN layout is saved. */
  workspaces: Pick<WorkspaceStore, 'ensureOpen' | 'save'>;
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
  const openWorkspace = async () => {
    const open = await deps.workspaces.ensureOpen();
    if (!open.parsed.workspace) throw new CwError('INVALID_INPUT', `The workspace ${open.path} has errors, so its Proxmox clusters are unknown. Fix the file first.`, { path: open.path });
    return { workspace: open.parsed.workspace, facts: open.facts, path: open.path };
  };

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
      const choices = { acceptWan, ...(release ? { release: release.release, releaseSource: release.source } : {}) };
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

    'proxmox.clusterStatus': async (input) => {
      const { workspace } = await openWorkspace();
      const api = deps.api.resolve(workspace, input.cluster);
      const entries = await deps.api.inContext(api, () => deps.api.client(api).get<PveClusterStatusEntry[]>('/cluster/status'));
      const flag = (v: number | boolean | undefined) => v === true || v === 1;
      const clusterEntry = entries.find((e) => e.type === 'cluster');
      const nodes = entries.filter((e) => e.type === 'node').map((e) => ({ name: e.name ?? '?', online: flag(e.online), ...(e.nodeid !== undefined ? { nodeid: e.nodeid } : {}) }));
      // /cluster/status has no vote counts: with one vote per node (the wizard's layout), online members are the votes.
      const votesOf = (name: string) => findProxmoxCluster(workspace, input.cluster).cluster.votes?.[name] ?? 1;
      return {
        quorate: clusterEntry ? flag(clusterEntry.quorate) : false,
        ...(clusterEntry ? { totalVotes: nodes.filter((n) => n.online).reduce((s, n) => s + votesOf(n.name), 0), expectedVotes: nodes.reduce((s, n) => s + votesOf(n.name), 0) } : {}),
        nodes,
        checkedAt: new Date().toISOString(),
        ...(clusterEntry?.name ? { clusterName: clusterEntry.name } : {}),
      };
    },
  };
}
