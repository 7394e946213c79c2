// The lab's HA stack: Proxmox's CRM and LRMs played by the HA model (main/common/stacks/proxmox/ha-model.ts),
// fed with what each node's real corosync reports, carrying out the model's actions on real QEMU guests
// (a self-fenced node's guests are killed, recovered services start on a quorate node, migrations are QEMU's),
// and publishing the CRM's view in /etc/pve (ha/manager_status.json) for /cluster/ha/status/current.
//
// What is real and what is modelled: membership and quorum are corosync's (cut links, lost sites); the guest
// processes are real and really die and start. The CRM/LRM logic, the pmxcfs locks and the watchdog are the
// model's (one instance for the cluster, in the process that runs the test servers), with scaled timings so a
// drill takes seconds, not minutes.
import {
  HaModel,
  type HaAction,
  type HaClusterConfig,
  type HaGroup,
  type HaNodeAffinityRule,
  type HaNodeEvent,
  type HaPartition,
  type HaSnapshot,
  type HaTimings,
  type HaTransition,
} from '../../../../common/stacks/proxmox/ha-model.js';
import { corosyncNodes } from '../../../../common/stacks/proxmox/corosync-conf.js';
import type { PmxcfsDir } from './pmxcfs.js';
import type { SimulatorQemu } from './qemu-backend.js';
import type { PveTestServer } from './server.js';
import { haManagerStatusFile } from './ha-status.js';

/** The lab's HA timings: Proxmox's ratios (watchdog = fence delay = half the lock lifetime) at a twentieth. */
export const labHaTimings: HaTimings = { roundS: 0.5, fenceDelayS: 3, lockTimeoutS: 6, watchdogS: 3, startS: 0, migrateS: 10 };

export interface CorosyncView {
  quorate: boolean;
  members: string[];
}

/**
 * Partitions as the HA model takes them, from what each node's corosync reports: a node is in the partition of
 * the members it sees itself; a node whose corosync does not answer is off. Nodes that see the same members
 * form one partition, quorate as they report.
 */
export function partitionsFromViews(nodes: string[], views: Record<string, CorosyncView | undefined>): HaPartition[] {
  const groups = new Map<string, HaPartition>();
  for (const n of nodes) {
    const v = views[n];
    if (!v) continue;
    const members = [...new Set([...v.members, n])].sort();
    const key = members.join(',');
    const g = groups.get(key) ?? { nodes: [], quorate: false };
    g.nodes.push(n);
    g.quorate = g.quorate || v.quorate;
    groups.set(key, g);
  }
  return [...groups.values()];
}

/** The manager status the runtime publishes (the parts /cluster/ha/status/current reads). */
export interface RuntimeManagerStatus {
  master_node?: string;
  node_status: Record<string, string>;
  service_status: Record<string, { state: string; node: string; target?: string; running: boolean }>;
  /** Unix seconds of the last CRM round. */
  timestamp: number;
}

export interface HaRuntimeEvent {
  /** Unix ms. */
  at: number;
  kind: 'membership' | 'transition' | 'node' | 'action' | 'action-done' | 'action-failed';
  text: string;
}

export interface HaRuntimeOptions {
  /** The cluster's test servers by node name (all in this process). */
  servers: Record<string, PveTestServer>;
  qemu: SimulatorQemu;
  timings?: Partial<HaTimings>;
  /** How often corosync is read and the model advanced (ms). */
  tickMs?: number;
  now?: () => number;
}

/** One per lab cluster: start() once the servers run, stop() before they close. */
export class LabHaRuntime {
  readonly timings: HaTimings;
  readonly events: HaRuntimeEvent[] = [];
  private model?: HaModel;
  private modelKey = '';
  private membershipKey = '';
  private t0 = 0;
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private stopped = false;
  /** LRM operations in progress, by service. */
  private readonly busy = new Map<string, Promise<void>>();
  private readonly now: () => number;
  /** Task logs of HA migrations requested through the API, by service. */
  private readonly taskLogs = new Map<string, (line: string) => void>();

  constructor(private readonly options: HaRuntimeOptions) {
    this.timings = { ...labHaTimings, ...options.timings };
    this.now = options.now ?? Date.now;
  }

  private get cfs(): PmxcfsDir {
    return Object.values(this.options.servers)[0]!.pmxcfs;
  }

  start(): void {
    this.timer = setInterval(() => {
      if (!this.ticking) this.ticking = this.tick().finally(() => (this.ticking = undefined));
    }, this.options.tickMs ?? 250);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.ticking;
    await Promise.allSettled([...this.busy.values()]);
  }

  /**
   * An HA migration (`ha-manager migrate`, or `qm migrate` of an HA-managed VM): handed to the CRM, carried out by
   * the LRM as QEMU's live migration; resolves once the service runs on the target, throws when it ends elsewhere.
   */
  async migrate(sid: string, target: string, log: (line: string) => void, signal?: AbortSignal): Promise<void> {
    const model = this.model;
    if (!model) throw new Error(`the HA manager has no service '${sid}' yet`);
    this.taskLogs.set(sid, log);
    try {
      this.handle(model.requestMigrate(Math.max(model.time, this.seconds()), sid, target));
      log(`HA: migration of ${sid} to ${target} requested; the CRM hands it to the LRM in its next round`);
      const deadline = this.now() + 30 * 60_000;
      let seenMove = false;
      for (;;) {
        if (signal?.aborted) throw new Error('the task was stopped (the CRM finishes what it started)');
        const s = this.model?.snapshot().services.find((x) => x.sid === sid);
        if (!s) throw new Error(`service '${sid}' is no longer managed`);
        if (s.state === 'migrate') seenMove = true;
        if (seenMove && s.state === 'started') {
          if (s.node !== target) throw new Error(`service '${sid}' stayed on '${s.node}'`);
          return;
        }
        if (s.state === 'error') throw new Error(`service '${sid}' is in error state`);
        if (this.now() > deadline) throw new Error(`service '${sid}' did not reach '${target}' within 30 minutes`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      this.taskLogs.delete(sid);
    }
  }

  snapshot(): HaSnapshot | undefined {
    return this.model?.snapshot();
  }

  private seconds(): number {
    return (this.now() - this.t0) / 1000;
  }

  private note(kind: HaRuntimeEvent['kind'], text: string): void {
    this.events.push({ at: this.now(), kind, text });
    if (this.events.length > 2000) this.events.splice(0, this.events.length - 2000);
  }

  /** The HA configuration as the model takes it, from /etc/pve. */
  private config(nodes: string[]): HaClusterConfig | undefined {
    const cfs = this.cfs;
    const resources = cfs.haResources().filter((r) => r.state !== 'ignored');
    if (!resources.length) return undefined;
    const rules: HaNodeAffinityRule[] = Object.entries(cfs.readJson<Record<string, Record<string, string>>>('ha/rules.json', {}))
      .filter(([, r]) => r.type === 'node-affinity')
      .map(([name, r]) => ({ name, resources: (r.resources ?? '').split(','), nodes: priorities(r.nodes ?? ''), strict: r.strict === '1' }));
    const groups: HaGroup[] = Object.entries(cfs.readJson<Record<string, { nodes: string; restricted: boolean; nofailback: boolean }>>('ha/groups.json', {})).map(([name, g]) => ({ name, nodes: priorities(g.nodes), restricted: g.restricted, nofailback: g.nofailback }));
    const placed = resources.flatMap((r) => {
      const found = cfs.findGuest(Number(r.sid.split(':')[1]));
      if (!found || !nodes.includes(found.node)) return [];
      const state = r.state === 'stopped' ? 'stopped' : r.state === 'disabled' ? 'disabled' : 'started';
      return [{ sid: r.sid, node: found.node, state, ...(r.group ? { group: r.group } : {}), ...(r.maxRestart !== undefined ? { maxRestart: r.maxRestart } : {}), ...(r.maxRelocate !== undefined ? { maxRelocate: r.maxRelocate } : {}) } as HaClusterConfig['resources'][number]];
    });
    if (!placed.length) return undefined;
    return { nodes, resources: placed, rules, groups, timings: this.timings, externalLrm: true };
  }

  private async views(): Promise<{ nodes: string[]; views: Record<string, CorosyncView | undefined> }> {
    const entries = await Promise.all(Object.entries(this.options.servers).map(async ([node, server]) => [node, await server.corosyncView().catch(() => undefined)] as const));
    const nodes = entries.find(([, v]) => v)?.[1]?.nodes ?? [];
    return { nodes, views: Object.fromEntries(entries.map(([n, v]) => [n, v ? { quorate: v.quorate, members: v.members } : undefined])) };
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    // Nothing to manage (no cluster, no HA resource): corosync is not even read.
    const section = Object.values(this.options.servers).map((s) => s.clusterSection()).find(Boolean);
    const config = section ? this.config(corosyncNodes(section).map((n) => n.name)) : undefined;
    if (!config) {
      this.model = undefined;
      this.modelKey = '';
      return;
    }
    const configKey = JSON.stringify(config.resources.map((r) => [r.sid, r.state]));
    const { nodes, views } = await this.views();
    if (!nodes.length) return;
    const partitions = partitionsFromViews(nodes, views);
    const membershipKey = JSON.stringify(partitions);
    // A changed set of HA resources is picked up when the cluster is whole and nothing is being recovered.
    if (!this.model || (configKey !== this.modelKey && this.steady())) {
      this.t0 = this.now();
      this.model = new HaModel({ ...config }, partitions);
      this.modelKey = configKey;
      this.membershipKey = membershipKey;
      this.note('membership', `HA manager started with ${config.resources.map((r) => r.sid).join(', ')}; partitions ${describePartitions(partitions)}`);
    }
    const model = this.model;
    const t = Math.max(model.time, this.seconds());
    let result = model.advance(t);
    if (membershipKey !== this.membershipKey) {
      this.membershipKey = membershipKey;
      this.note('membership', `corosync: ${describePartitions(partitions)}`);
      const changed = model.setMembership(t, partitions);
      result = { transitions: [...result.transitions, ...changed.transitions], nodeEvents: [...result.nodeEvents, ...changed.nodeEvents], actions: [...result.actions, ...changed.actions], splitBrain: [] };
    }
    this.handle(result);
    await this.publish();
  }

  private handle(result: { transitions: HaTransition[]; nodeEvents: HaNodeEvent[]; actions: HaAction[] }): void {
    this.record(result.transitions, result.nodeEvents);
    for (const action of result.actions) this.carryOut(action);
  }

  /** Tells the model an LRM operation ended, and carries out what follows from it. */
  private finished(sid: string, ok: boolean): void {
    if (!this.model || this.stopped) return;
    this.handle(this.model.lrmDone(Math.max(this.model.time, this.seconds()), sid, ok));
    void this.publish();
  }

  /** Whether no service is between states (fence, recovery, migrate) and every node is online. */
  private steady(): boolean {
    const snap = this.model?.snapshot();
    if (!snap) return true;
    return snap.services.every((s) => s.state === 'started' || s.state === 'stopped') && Object.values(snap.nodes).every((n) => n.state === 'online') && this.busy.size === 0;
  }

  private record(transitions: HaTransition[], nodeEvents: HaNodeEvent[]): void {
    for (const e of nodeEvents) this.note('node', `${e.node}: ${e.event}${e.detail ? ` (${e.detail})` : ''}`);
    for (const tr of transitions) this.note('transition', `${tr.sid}: ${tr.from} → ${tr.to} on ${tr.node}${tr.target ? ` → ${tr.target}` : ''} (${tr.reason})`);
  }

  /** Runs one LRM operation on real guests, reporting its end to the model. Operations on a service run one after another. */
  private carryOut(action: HaAction): void {
    const label = action.kind === 'kill' ? `kill guests on ${action.node} (${action.reason})` : action.kind === 'migrate' ? `migrate ${action.sid} ${action.from} → ${action.to}` : `${action.kind} ${action.sid} on ${action.node}`;
    this.note('action', label);
    const key = action.kind === 'kill' ? `node:${action.node}` : action.sid;
    const previous = this.busy.get(key) ?? Promise.resolve();
    const run = previous
      .then(() => this.perform(action))
      .then(
        (ok) => {
          this.note(ok ? 'action-done' : 'action-failed', label);
          if (action.kind !== 'kill') this.finished(action.sid, ok);
        },
        (err: unknown) => {
          this.note('action-failed', `${label}: ${(err as Error).message}`);
          if (action.kind !== 'kill') this.finished(action.sid, false);
        },
      )
      .finally(() => {
        if (this.busy.get(key) === run) this.busy.delete(key);
      });
    this.busy.set(key, run);
  }

  private async perform(action: HaAction): Promise<boolean> {
    const cfs = this.cfs;
    const { qemu } = this.options;
    if (action.kind === 'kill') {
      // A node that resets loses every guest, HA-managed or not.
      const killed = await qemu.killNode(action.node);
      for (const g of cfs.guests(action.node)) if (g.running) cfs.putGuest(action.node, { ...g, running: false });
      this.note('node', `${action.node}: ${killed.length ? `killed ${killed.map((v) => `VM ${v}`).join(', ')}` : 'no guest was running'}`);
      return true;
    }
    const vmid = Number(action.sid.split(':')[1]);
    const found = cfs.findGuest(vmid);
    if (!found) return false;
    if (action.kind === 'start') {
      // Recovery steals the configuration from the fenced node (the config file moves), then the LRM starts it.
      if (found.node !== action.node) cfs.moveGuest(vmid, found.node, action.node);
      const status = await qemu.status(action.node, vmid);
      if (!status.running) await qemu.start(action.node, found.guest, cfs.storages());
      const now = cfs.guests(action.node).find((g) => g.vmid === vmid)!;
      cfs.putGuest(action.node, { ...now, running: true });
      return true;
    }
    if (action.kind === 'stop') {
      await qemu.stop(found.node, vmid);
      cfs.putGuest(found.node, { ...found.guest, running: false });
      return true;
    }
    // migrate: QEMU's live migration to the target's link0 address.
    const address = this.addressOf(action.to);
    if (!address) return false;
    const log = this.taskLogs.get(action.sid) ?? (() => undefined);
    const result = await qemu.migrate({ vmid, from: found.node, to: action.to, targetAddress: address, log });
    log(`migration figures: total ${result.totalTimeMs} ms, downtime ${result.downtimeMs} ms, ${(result.ram.transferred / 1024 ** 2).toFixed(1)} MiB moved`);
    cfs.moveGuest(vmid, found.node, action.to);
    return true;
  }

  private addressOf(node: string): string | undefined {
    const server = this.options.servers[node];
    const section = server?.clusterSection();
    return section ? corosyncNodes(section).find((n) => n.name === node)?.links[0] : undefined;
  }

  /** Writes the CRM's view where the servers read it (ha/manager_status.json). */
  private async publish(): Promise<void> {
    const snap = this.model?.snapshot();
    if (!snap) return;
    const status: RuntimeManagerStatus = {
      ...(snap.master ? { master_node: snap.master } : {}),
      node_status: Object.fromEntries(Object.entries(snap.nodes).map(([n, s]) => [n, s.state])),
      service_status: Object.fromEntries(snap.services.map((s) => [s.sid, { state: s.state, node: s.node, ...(s.target ? { target: s.target } : {}), running: s.runningOn.length > 0 }])),
      timestamp: Math.floor(this.now() / 1000),
    };
    this.cfs.writeJson(haManagerStatusFile, status);
  }
}

/** `a1:2,b1` → node priorities. */
function priorities(list: string): { node: string; priority?: number }[] {
  return list
    .split(/[,;\s]+/)
    .filter(Boolean)
    .map((entry) => {
      const [node, priority] = entry.split(':');
      return { node: node!, ...(priority ? { priority: Number(priority) } : {}) };
    });
}

function describePartitions(partitions: HaPartition[]): string {
  return partitions.map((p) => `{${p.nodes.join(', ')}}${p.quorate ? ' quorate' : ''}`).join(' ') || 'no node answers';
}
