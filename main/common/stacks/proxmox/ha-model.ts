// A reduced model of Proxmox VE's HA stack (pve-ha-crm, pve-ha-lrm, watchdog-mux, pmxcfs locks), pure and
// deterministic: given cluster membership over time and the HA resources with their rules, it computes what the
// real stack does — which node self-fences when, when the CRM fences a node and recovers its services, where to,
// and the service states on the way — with configurable timings so tests and lab drills need not wait minutes.
//
// What is modelled, and how (Proxmox's numbers are the defaults, see `proxmoxHaTimings`):
// - Rounds: every CRM and LRM works in rounds (`roundS`, 10 s); here all act at the same instants, the CRM first,
//   then each LRM (so an LRM acts on the CRM's decision in the same round; in Proxmox up to a round later).
//   A membership change at a round's instant is seen from the next round on.
// - LRM: a node's LRM holds its agent lock (a pmxcfs lock, `lockTimeoutS` = 120 s lifetime) while it has active
//   services and is quorate, and updates its watchdog every round while it holds the lock. Without quorum it
//   cannot renew the lock and stops updating the watchdog; `watchdogS` (60 s) after the last update the node
//   resets (self-fence): every guest on it dies. An LRM with no active services holds no lock and arms no watchdog,
//   so a node without HA guests never self-fences. An LRM does not take its lock back while services of its node
//   wait to be fenced. The LRM starts, stops and migrates services; these take `startS`/`migrateS` or, with
//   `externalLrm`, as long as the caller says (it reports each finished operation).
// - CRM: one master (the node holding the manager lock, also 120 s) works only while quorate. If the master loses
//   quorum, another quorate node takes over once the lock has expired, with a fresh view: its fence delay starts
//   when it first sees a node offline (as NodeStatus keeps last-online times in memory).
// - Node states: online (in the master's quorate partition), unknown (not), fence (being fenced), as NodeStatus.
// - Services: started → fence once its node has been offline `fenceDelayS` (60 s); the CRM fences the node when it
//   can take the node's agent lock (expired: `lockTimeoutS` after the LRM's last renewal), then fence → recovery →
//   started on the node `select_service_node` picks ('best-score': highest-priority online nodes the rules allow,
//   fewest services, then name); no node → stays in recovery. migrate (admin request or failback to a
//   higher-priority node) → started on the target. A start that fails is retried `maxRestart` times, then relocated
//   to another node `maxRelocate` times, then error. Requested stopped/disabled → request_stop → stopped.
// - Rules: node-affinity rules (PVE 9; strict or not, node priorities) and HA groups (PVE 8; restricted ≙ strict,
//   nofailback ≙ failback off). Resource-affinity rules, maintenance mode, CRS static/dynamic scheduling, the
//   "freeze" of a graceful shutdown and disarm are not modelled.
// - Quorum: a partition is quorate when its votes are more than half of all votes (or as the caller says, e.g.
//   with a QDevice). Corosync's own detection time (token timeout) is the caller's: a membership change takes
//   effect at the time given.

export interface HaTimings {
  /** CRM and LRM loop interval. */
  roundS: number;
  /** How long a node must be out of the quorate partition before its services go to `fence` (NodeStatus fence_delay). */
  fenceDelayS: number;
  /** pmxcfs lock lifetime: an agent or manager lock can be taken over this long after its last renewal. */
  lockTimeoutS: number;
  /** watchdog-mux: a node that stops updating its watchdog resets after this long. */
  watchdogS: number;
  /** How long the LRM takes to start a guest (model only, without `externalLrm`). */
  startS: number;
  /** How long a live migration takes (model only, without `externalLrm`). */
  migrateS: number;
}

/** Proxmox VE's timings: 10 s rounds, 60 s fence delay, 120 s lock lifetime, 60 s watchdog. */
export const proxmoxHaTimings: HaTimings = { roundS: 10, fenceDelayS: 60, lockTimeoutS: 120, watchdogS: 60, startS: 0, migrateS: 10 };

export type HaServiceState = 'started' | 'request_stop' | 'stopped' | 'fence' | 'recovery' | 'migrate' | 'relocate' | 'error';
export type HaNodeState = 'online' | 'unknown' | 'fence';
export type HaRequestState = 'started' | 'stopped' | 'disabled';

export interface HaNodePriority {
  node: string;
  priority?: number;
}

export interface HaResourceConfig {
  /** `vm:100` */
  sid: string;
  /** Where the service is when the model starts. */
  node: string;
  /** The requested state (`enabled` is `started`). */
  state: HaRequestState;
  /** Move back to a higher-priority node when it is online again (PVE 9 default: on). */
  failback?: boolean;
  maxRestart?: number;
  maxRelocate?: number;
  /** PVE 8: an HA group. */
  group?: string;
}

export interface HaNodeAffinityRule {
  name: string;
  resources: string[];
  nodes: HaNodePriority[];
  strict: boolean;
}

export interface HaGroup {
  name: string;
  nodes: HaNodePriority[];
  restricted: boolean;
  nofailback: boolean;
}

export interface HaPartition {
  nodes: string[];
  /** Default: more than half of all votes. */
  quorate?: boolean;
}

export interface HaClusterConfig {
  nodes: string[];
  /** Votes per node (default 1). */
  votes?: Record<string, number>;
  resources: HaResourceConfig[];
  rules?: HaNodeAffinityRule[];
  groups?: HaGroup[];
  timings?: Partial<HaTimings>;
  /** The caller runs the LRM's operations and reports them with `lrmDone` (the lab simulator does). */
  externalLrm?: boolean;
  /** Services whose start fails on a node (the model's stand-in for a guest that does not boot there). */
  startFailures?: { sid: string; node: string }[];
}

export interface HaTransition {
  at: number;
  sid: string;
  from: HaServiceState;
  to: HaServiceState;
  node: string;
  target?: string;
  reason: string;
}

export type HaNodeEventKind = 'quorum-lost' | 'quorum-regained' | 'powered-off' | 'powered-on' | 'self-fenced' | 'fenced' | 'master' | 'node-state';

export interface HaNodeEvent {
  at: number;
  node: string;
  event: HaNodeEventKind;
  detail?: string;
}

/** What the LRMs do to real guests: the lab simulator carries these out on QEMU processes. */
export type HaAction =
  | { at: number; kind: 'kill'; node: string; sids: string[]; reason: 'self-fence' | 'power-off' }
  | { at: number; kind: 'start'; sid: string; node: string }
  | { at: number; kind: 'stop'; sid: string; node: string }
  | { at: number; kind: 'migrate'; sid: string; from: string; to: string };

export interface HaServiceSnapshot {
  sid: string;
  state: HaServiceState;
  node: string;
  target?: string;
  /** Nodes whose guest process runs this service now (more than one would be a split brain). */
  runningOn: string[];
}

export interface HaSnapshot {
  at: number;
  master?: string;
  nodes: Record<string, { state: HaNodeState; quorate: boolean; powered: boolean; lrm: 'idle' | 'active' | 'lost_agent_lock'; watchdogArmed: boolean }>;
  services: HaServiceSnapshot[];
}

export interface HaStepResult {
  transitions: HaTransition[];
  nodeEvents: HaNodeEvent[];
  actions: HaAction[];
  /** Moments at which a service ran on two nodes at once (never, with Proxmox's timings). */
  splitBrain: { at: number; sid: string; nodes: string[] }[];
}

interface NodeRuntime {
  powered: boolean;
  quorate: boolean;
  partition: number;
  lrm: 'idle' | 'active' | 'lost_agent_lock';
  /** Agent lock: who holds it ('lrm' = the node itself, 'crm' = taken by the CRM for fencing) and when renewed. */
  lockHolder?: 'lrm' | 'crm';
  lockRenewedAt: number;
  watchdogUpdatedAt?: number;
  crmState: HaNodeState;
  /** The master's in-memory last time it saw the node online. */
  lastOnline?: number;
}

interface ServiceRuntime {
  config: HaResourceConfig;
  state: HaServiceState;
  node: string;
  target?: string;
  runningOn: Set<string>;
  /** An LRM operation in progress: what, and when it finishes (model timing). */
  pending?: { op: 'start' | 'stop' | 'migrate'; node: string; to?: string; doneAt?: number };
  /** The LRM's result since the CRM last looked. */
  lrmResult?: 'started' | 'start-failed' | 'stopped' | 'migrated';
  restarts: number;
  relocations: number;
  failedNodes: string[];
  cmd?: { migrate: string };
}

const activeStates: ReadonlySet<HaServiceState> = new Set(['started', 'request_stop', 'fence', 'recovery', 'migrate', 'relocate']);

/** A Proxmox-like HA cluster evolving over (model) time. Deterministic; no I/O, no clock. */
export class HaModel {
  readonly timings: HaTimings;
  private readonly config: HaClusterConfig;
  private readonly nodes = new Map<string, NodeRuntime>();
  private readonly services = new Map<string, ServiceRuntime>();
  private readonly totalVotes: number;
  private now = 0;
  private nextRound = 0;
  private master?: string;
  private managerLockRenewedAt = -Infinity;
  private out: HaStepResult = { transitions: [], nodeEvents: [], actions: [], splitBrain: [] };

  constructor(config: HaClusterConfig, initial: HaPartition[] = [{ nodes: config.nodes }]) {
    this.config = config;
    this.timings = { ...proxmoxHaTimings, ...config.timings };
    const unknown = (n: string) => !config.nodes.includes(n);
    for (const r of config.resources) if (unknown(r.node)) throw new Error(`HA resource ${r.sid} is on "${r.node}", which is not a cluster node.`);
    for (const n of config.nodes) this.nodes.set(n, { powered: false, quorate: false, partition: -1, lrm: 'idle', lockRenewedAt: -Infinity, crmState: 'unknown' });
    this.totalVotes = config.nodes.reduce((s, n) => s + (config.votes?.[n] ?? 1), 0);
    for (const r of config.resources) {
      this.services.set(r.sid, { config: r, state: r.state === 'started' ? 'started' : 'stopped', node: r.node, runningOn: new Set(r.state === 'started' ? [r.node] : []), restarts: 0, relocations: 0, failedNodes: [] });
    }
    this.applyMembership(initial, true);
    // At the start every node that is up has run its LRM and the CRM has a master: a steady cluster.
    for (const [name, n] of this.nodes) {
      if (n.powered) n.lastOnline = 0;
      if (n.powered && n.quorate) n.crmState = 'online';
      void name;
    }
    this.runRound();
    this.nextRound = this.timings.roundS;
    this.out = { transitions: [], nodeEvents: [], actions: [], splitBrain: [] };
  }

  get time(): number {
    return this.now;
  }

  /** The cluster membership from `at` on: who is powered and in which partition (nodes not listed are off). */
  setMembership(at: number, partitions: HaPartition[]): HaStepResult {
    const result = this.advance(at);
    this.applyMembership(partitions, false);
    return merge(result, this.flush());
  }

  /** An admin's `ha-manager migrate` (or a migration handed to HA): takes effect at the next CRM round. */
  requestMigrate(at: number, sid: string, target: string): HaStepResult {
    const result = this.advance(at);
    const s = this.service(sid);
    s.cmd = { migrate: target };
    return merge(result, this.flush());
  }

  /** The caller finished an LRM operation it was given as an action (only with `externalLrm`). */
  lrmDone(at: number, sid: string, ok: boolean): HaStepResult {
    const result = this.advance(at);
    this.finishOperation(this.service(sid), ok);
    return merge(result, this.flush());
  }

  /** Runs the model up to time `to` (seconds): rounds, watchdog expiries, LRM operations finishing. */
  advance(to: number): HaStepResult {
    if (to < this.now) throw new Error(`The HA model is at ${this.now} s and cannot go back to ${to} s.`);
    for (;;) {
      const next = this.nextEventTime();
      if (next === undefined || next > to) break;
      this.now = next;
      this.fireWatchdogs();
      this.finishDueOperations();
      if (this.now >= this.nextRound) {
        this.runRound();
        this.nextRound = this.now + this.timings.roundS;
      }
    }
    this.now = to;
    return this.flush();
  }

  snapshot(): HaSnapshot {
    return {
      at: this.now,
      ...(this.master ? { master: this.master } : {}),
      nodes: Object.fromEntries(
        [...this.nodes].map(([name, n]) => [name, { state: n.crmState, quorate: n.quorate, powered: n.powered, lrm: n.lrm, watchdogArmed: n.watchdogUpdatedAt !== undefined }]),
      ),
      services: [...this.services.values()].map((s) => ({ sid: s.config.sid, state: s.state, node: s.node, ...(s.target ? { target: s.target } : {}), runningOn: [...s.runningOn].sort() })),
    };
  }

  private service(sid: string): ServiceRuntime {
    const s = this.services.get(sid);
    if (!s) throw new Error(`No HA resource ${sid}.`);
    return s;
  }

  private flush(): HaStepResult {
    const out = this.out;
    this.out = { transitions: [], nodeEvents: [], actions: [], splitBrain: [] };
    return out;
  }

  private nextEventTime(): number | undefined {
    const times = [this.nextRound];
    for (const n of this.nodes.values()) if (n.powered && n.watchdogUpdatedAt !== undefined) times.push(n.watchdogUpdatedAt + this.timings.watchdogS);
    for (const s of this.services.values()) if (s.pending?.doneAt !== undefined) times.push(s.pending.doneAt);
    const future = times.filter((t) => t >= this.now);
    return future.length ? Math.min(...future) : undefined;
  }

  private nodeEvent(node: string, event: HaNodeEventKind, detail?: string): void {
    this.out.nodeEvents.push({ at: this.now, node, event, ...(detail ? { detail } : {}) });
  }

  private change(s: ServiceRuntime, to: HaServiceState, reason: string, extra: { node?: string; target?: string } = {}): void {
    const from = s.state;
    if (extra.node) s.node = extra.node;
    if (extra.target !== undefined) s.target = extra.target;
    else if (to !== 'migrate' && to !== 'relocate') delete s.target;
    s.state = to;
    this.out.transitions.push({ at: this.now, sid: s.config.sid, from, to, node: s.node, ...(s.target ? { target: s.target } : {}), reason });
  }

  private applyMembership(partitions: HaPartition[], initial: boolean): void {
    const seen = new Set<string>();
    partitions.forEach((p, index) => {
      const votes = p.nodes.reduce((sum, n) => sum + (this.config.votes?.[n] ?? 1), 0);
      const quorate = p.quorate ?? votes * 2 > this.totalVotes;
      for (const name of p.nodes) {
        const n = this.nodes.get(name);
        if (!n) throw new Error(`"${name}" is not a cluster node.`);
        if (seen.has(name)) throw new Error(`Node ${name} is in two partitions.`);
        seen.add(name);
        if (!n.powered) {
          n.powered = true;
          if (!initial) this.nodeEvent(name, 'powered-on');
        }
        if (!initial && n.quorate !== quorate) this.nodeEvent(name, quorate ? 'quorum-regained' : 'quorum-lost');
        n.quorate = quorate;
        n.partition = index;
      }
    });
    for (const [name, n] of this.nodes) {
      if (seen.has(name) || !n.powered) continue;
      // Powered off (or its site lost power): its guests are gone with it.
      n.powered = false;
      n.quorate = false;
      n.partition = -1;
      n.lrm = 'idle';
      delete n.watchdogUpdatedAt;
      this.nodeEvent(name, 'powered-off');
      this.killGuests(name, 'power-off');
    }
  }

  private killGuests(node: string, reason: 'self-fence' | 'power-off'): void {
    const sids: string[] = [];
    for (const s of this.services.values()) {
      if (s.runningOn.delete(node)) sids.push(s.config.sid);
      if (s.pending?.node === node || s.pending?.to === node) delete s.pending;
    }
    this.out.actions.push({ at: this.now, kind: 'kill', node, sids, reason });
  }

  private fireWatchdogs(): void {
    for (const [name, n] of this.nodes) {
      if (!n.powered || n.watchdogUpdatedAt === undefined) continue;
      if (this.now < n.watchdogUpdatedAt + this.timings.watchdogS) continue;
      // The watchdog expired: the node resets. It comes back (the caller's membership still says where it is),
      // with a fresh LRM that holds nothing.
      this.nodeEvent(name, 'self-fenced', `watchdog not updated for ${this.timings.watchdogS} s`);
      this.killGuests(name, 'self-fence');
      delete n.watchdogUpdatedAt;
      n.lrm = 'idle';
      if (n.lockHolder === 'lrm') delete n.lockHolder; // the lock stays until it expires; nobody renews it
    }
  }

  private finishDueOperations(): void {
    for (const s of this.services.values()) if (s.pending?.doneAt !== undefined && s.pending.doneAt <= this.now) this.finishOperation(s, true);
  }

  /** An LRM operation ends: the guest runs (or no longer runs) where it says. */
  private finishOperation(s: ServiceRuntime, ok: boolean): void {
    const p = s.pending;
    if (!p) return;
    delete s.pending;
    const failsHere = (node: string) => (this.config.startFailures ?? []).some((f) => f.sid === s.config.sid && f.node === node);
    if (p.op === 'start') {
      if (ok && !failsHere(p.node)) {
        s.runningOn.add(p.node);
        s.lrmResult = 'started';
        this.checkSplitBrain(s);
      } else s.lrmResult = 'start-failed';
    } else if (p.op === 'stop') {
      s.runningOn.delete(p.node);
      s.lrmResult = 'stopped';
    } else if (p.op === 'migrate' && p.to) {
      if (ok) {
        s.runningOn.delete(p.node);
        s.runningOn.add(p.to);
        s.lrmResult = 'migrated';
        this.checkSplitBrain(s);
      }
    }
  }

  private checkSplitBrain(s: ServiceRuntime): void {
    if (s.runningOn.size > 1) this.out.splitBrain.push({ at: this.now, sid: s.config.sid, nodes: [...s.runningOn].sort() });
  }

  private activeCount(node: string): number {
    let count = 0;
    for (const s of this.services.values()) if ((s.node === node || s.target === node) && activeStates.has(s.state)) count += 1;
    return count;
  }

  private lockExpired(n: NodeRuntime): boolean {
    return this.now - n.lockRenewedAt >= this.timings.lockTimeoutS;
  }

  private runRound(): void {
    this.crmElection();
    const master = this.master ? this.nodes.get(this.master) : undefined;
    if (master?.powered && master.quorate) this.crmRound();
    // The LRMs act on what the CRM decided in the same round (PVE's loops are not in step: ≤ one round later).
    for (const [name, n] of this.nodes) {
      if (!n.powered) continue;
      this.lrmRound(name, n);
      this.lrmWork(name, n);
    }
  }

  /** Agent lock and watchdog (LRM::work, reduced). */
  private lrmRound(name: string, n: NodeRuntime): void {
    if (!n.quorate) {
      // pmxcfs is read-only without quorum: the lock cannot be renewed and the watchdog is no longer updated.
      if (n.lrm === 'active') n.lrm = 'lost_agent_lock';
      return;
    }
    if (n.lockHolder === 'crm') {
      n.lrm = 'idle'; // fenced: the CRM holds this node's lock until it is back
      return;
    }
    const fenceRequest = [...this.services.values()].some((s) => s.node === name && s.state === 'fence');
    const wantsLock = this.activeCount(name) > 0 && !fenceRequest;
    const mayTake = n.lockHolder === undefined ? this.lockExpired(n) || n.lockRenewedAt === -Infinity : n.lockHolder === 'lrm' && (n.lrm !== 'idle' || this.lockExpired(n));
    if (wantsLock && mayTake) {
      n.lockHolder = 'lrm';
      n.lockRenewedAt = this.now;
      n.lrm = 'active';
      n.watchdogUpdatedAt = this.now;
      return;
    }
    if (!wantsLock && n.lockHolder === 'lrm' && !fenceRequest) {
      // Nothing to protect any more: release the lock and close the watchdog.
      delete n.lockHolder;
      n.lockRenewedAt = -Infinity;
      delete n.watchdogUpdatedAt;
      n.lrm = 'idle';
    } else if (n.lrm === 'active') n.lrm = 'lost_agent_lock';
  }

  /** The LRM carries out what the CRM asked for its node. */
  private lrmWork(name: string, n: NodeRuntime): void {
    if (n.lrm !== 'active') return;
    for (const s of this.services.values()) {
      if (s.pending) continue;
      if (s.state === 'started' && s.node === name && !s.runningOn.has(name) && s.lrmResult !== 'start-failed') {
        this.beginOperation(s, { op: 'start', node: name }, this.timings.startS);
      } else if ((s.state === 'request_stop' || s.state === 'stopped') && s.runningOn.has(name)) {
        this.beginOperation(s, { op: 'stop', node: name }, 0);
      } else if ((s.state === 'migrate' || s.state === 'relocate') && s.node === name && s.target && s.lrmResult !== 'migrated') {
        if (s.state === 'relocate' || !s.runningOn.has(name)) {
          // relocate = stop here, start there: the CRM moves it once stopped.
          if (s.runningOn.has(name)) this.beginOperation(s, { op: 'stop', node: name }, 0);
          else s.lrmResult = 'migrated';
        } else this.beginOperation(s, { op: 'migrate', node: name, to: s.target }, this.timings.migrateS);
      }
    }
  }

  private beginOperation(s: ServiceRuntime, op: { op: 'start' | 'stop' | 'migrate'; node: string; to?: string }, durationS: number): void {
    if (op.op === 'start') this.out.actions.push({ at: this.now, kind: 'start', sid: s.config.sid, node: op.node });
    else if (op.op === 'stop') this.out.actions.push({ at: this.now, kind: 'stop', sid: s.config.sid, node: op.node });
    else this.out.actions.push({ at: this.now, kind: 'migrate', sid: s.config.sid, from: op.node, to: op.to! });
    if (this.config.externalLrm) {
      s.pending = { ...op };
      return;
    }
    s.pending = { ...op, doneAt: this.now + durationS };
    if (durationS <= 0) this.finishOperation(s, true);
  }

  private crmElection(): void {
    const current = this.master ? this.nodes.get(this.master) : undefined;
    if (current?.powered && current.quorate) {
      this.managerLockRenewedAt = this.now;
      return;
    }
    // The old master's manager lock holds until it expires, whatever became of that node: no CRM acts meanwhile.
    if (this.now - this.managerLockRenewedAt < this.timings.lockTimeoutS) return;
    const candidates = [...this.nodes].filter(([, n]) => n.powered && n.quorate).map(([name]) => name).sort();
    const elected = candidates[0];
    if (!elected) {
      this.master = undefined;
      return;
    }
    if (elected !== this.master) {
      this.master = elected;
      this.nodeEvent(elected, 'master');
      // A new master knows nobody's last-online time.
      for (const n of this.nodes.values()) delete n.lastOnline;
    }
    this.managerLockRenewedAt = this.now;
  }

  private setNodeState(name: string, n: NodeRuntime, state: HaNodeState): void {
    if (n.crmState === state) return;
    n.crmState = state;
    this.nodeEvent(name, 'node-state', state);
  }

  private crmRound(): void {
    const masterNode = this.nodes.get(this.master!)!;
    // Node status (NodeStatus::update).
    for (const [name, n] of this.nodes) {
      const online = n.powered && n.quorate && n.partition === masterNode.partition;
      if (online) {
        n.lastOnline = this.now;
        // A node being fenced stays in 'fence' until the CRM holds its lock, even if it is back.
        if (n.crmState === 'unknown') {
          this.setNodeState(name, n, 'online');
          if (n.lockHolder === 'crm') {
            // Fenced and back: the CRM lets go of the node's lock so its LRM can work again.
            delete n.lockHolder;
            n.lockRenewedAt = -Infinity;
          }
        }
      } else if (n.crmState === 'online') this.setNodeState(name, n, 'unknown');
    }
    const isOnline = (node: string) => this.nodes.get(node)?.crmState === 'online' && this.nodes.get(node)!.powered && this.nodes.get(node)!.quorate && this.nodes.get(node)!.partition === masterNode.partition;
    const offlineDelayed = (node: string) => {
      const n = this.nodes.get(node)!;
      if (isOnline(node)) return false;
      if (n.lastOnline === undefined) {
        n.lastOnline = this.now;
        return false;
      }
      return this.now - n.lastOnline >= this.timings.fenceDelayS;
    };
    for (let repeat = 0; repeat < 5; repeat += 1) {
      let changed = false;
      for (const s of [...this.services.values()].sort((a, b) => a.config.sid.localeCompare(b.config.sid))) {
        const before = s.state;
        this.serviceRound(s, isOnline, offlineDelayed);
        if (s.state !== before) changed = true;
      }
      // Fencing (Manager::manage): services in fence wait until the CRM holds their node's agent lock.
      const fenced = new Map<string, boolean>();
      for (const s of this.services.values()) {
        if (s.state !== 'fence') continue;
        if (!fenced.has(s.node)) fenced.set(s.node, this.fenceNode(s.node));
        if (fenced.get(s.node)) {
          this.change(s, 'recovery', `node '${s.node}' fenced`);
          changed = true;
        }
      }
      if (!changed) break;
    }
  }

  /** NodeStatus::fence_node: the node is fenced once the CRM can take its agent lock. */
  private fenceNode(node: string): boolean {
    const n = this.nodes.get(node)!;
    if (n.lockHolder === 'crm') return true;
    if (n.crmState !== 'fence') this.setNodeState(node, n, 'fence');
    if (!this.lockExpired(n)) return false;
    n.lockHolder = 'crm';
    n.lockRenewedAt = this.now;
    this.nodeEvent(node, 'fenced', `got agent lock of '${node}'`);
    this.setNodeState(node, n, 'unknown');
    return true;
  }

  private serviceRound(s: ServiceRuntime, isOnline: (n: string) => boolean, offlineDelayed: (n: string) => boolean): void {
    const req = s.config.state;
    switch (s.state) {
      case 'started': {
        if (!isOnline(s.node)) {
          if (offlineDelayed(s.node)) this.change(s, 'fence', `node '${s.node}' not in the quorate partition for ${this.timings.fenceDelayS} s`);
          return;
        }
        if (req !== 'started') {
          this.change(s, 'request_stop', `requested ${req}`);
          return;
        }
        if (s.cmd) {
          const target = s.cmd.migrate;
          delete s.cmd;
          if (isOnline(target) && target !== s.node && this.allowedNodes(s, isOnline).allowed.has(target)) {
            this.change(s, 'migrate', `migrate to node '${target}' (requested)`, { target });
            return;
          }
        }
        if (s.lrmResult === 'start-failed') {
          delete s.lrmResult;
          if (!s.failedNodes.includes(s.node)) s.failedNodes.push(s.node);
          if (s.restarts < (s.config.maxRestart ?? 1)) {
            s.restarts += 1;
            return; // the LRM tries again
          }
          const next = this.selectNode(s, isOnline, 'try-next');
          if (next && next !== s.node && s.relocations < (s.config.maxRelocate ?? 1)) {
            s.relocations += 1;
            s.restarts = 0;
            this.change(s, 'relocate', `start failed on '${s.node}', relocate`, { target: next });
            return;
          }
          this.change(s, 'error', `start failed on '${s.failedNodes.join("', '")}'; no more restarts or relocations`);
          return;
        }
        if (s.lrmResult === 'started') {
          delete s.lrmResult;
          s.restarts = 0;
        }
        // Failback: a higher-priority node the rules prefer is online again.
        const failback = s.config.failback ?? this.groupOf(s)?.nofailback !== true;
        if (failback && s.runningOn.has(s.node)) {
          const best = this.selectNode(s, isOnline, 'none');
          if (best && best !== s.node) this.change(s, 'migrate', `failback to node '${best}'`, { target: best });
        }
        return;
      }
      case 'migrate':
      case 'relocate': {
        if (!isOnline(s.node) && offlineDelayed(s.node)) {
          this.change(s, 'fence', `node '${s.node}' lost during ${s.state}`);
          return;
        }
        if (s.lrmResult === 'migrated') {
          delete s.lrmResult;
          this.change(s, req === 'started' ? 'started' : 'request_stop', `${s.state} to '${s.target}' finished`, { node: s.target! });
        }
        return;
      }
      case 'request_stop': {
        if (!isOnline(s.node)) {
          if (offlineDelayed(s.node)) this.change(s, 'fence', `node '${s.node}' not in the quorate partition`);
          return;
        }
        if (!s.runningOn.has(s.node)) this.change(s, 'stopped', 'stopped by the LRM');
        return;
      }
      case 'stopped': {
        if (req === 'started') {
          const node = isOnline(s.node) && this.allowedNodes(s, isOnline).allowed.has(s.node) ? s.node : this.selectNode(s, isOnline, 'best-score');
          if (node) this.change(s, 'started', 'requested started', { node });
        }
        return;
      }
      case 'recovery': {
        const node = this.selectNode(s, isOnline, 'best-score');
        if (!node) return; // no node the rules allow is online: wait, as Proxmox does
        const fencedNode = s.node;
        // The CRM steals the service; the guest will be started by the new node's LRM.
        this.change(s, req === 'started' ? 'started' : 'request_stop', `recover from fenced node '${fencedNode}' to node '${node}'`, { node });
        s.failedNodes = [];
        return;
      }
      case 'fence':
      case 'error':
        return;
    }
  }

  private groupOf(s: ServiceRuntime): HaGroup | undefined {
    return s.config.group ? this.config.groups?.find((g) => g.name === s.config.group) : undefined;
  }

  /** The node affinity of a service: a rule (PVE 9) or a group (PVE 8); non-strict adds every other node at -1. */
  private affinity(s: ServiceRuntime): { nodes: Map<string, number> } | undefined {
    const rule = this.config.rules?.find((r) => r.resources.includes(s.config.sid));
    const group = this.groupOf(s);
    const source = rule ? { nodes: rule.nodes, strict: rule.strict } : group ? { nodes: group.nodes, strict: group.restricted } : undefined;
    if (!source) return undefined;
    const nodes = new Map(source.nodes.map((p) => [p.node, p.priority ?? 0]));
    if (!source.strict) for (const n of this.config.nodes) if (!nodes.has(n)) nodes.set(n, -1);
    return { nodes };
  }

  /** get_node_affinity: allowed online nodes and the highest-priority ones among them. */
  private allowedNodes(s: ServiceRuntime, isOnline: (n: string) => boolean): { allowed: Set<string>; preferred: Set<string> } {
    const online = this.config.nodes.filter(isOnline);
    const affinity = this.affinity(s);
    if (!affinity) return { allowed: new Set(online), preferred: new Set(online) };
    const allowed = online.filter((n) => affinity.nodes.has(n));
    const top = Math.max(...allowed.map((n) => affinity.nodes.get(n)!));
    return { allowed: new Set(allowed), preferred: new Set(allowed.filter((n) => affinity.nodes.get(n) === top)) };
  }

  /** Services counted on a node by the basic scheduler (the migration target counts too). */
  private usage(node: string, except: string): number {
    let count = 0;
    for (const s of this.services.values()) {
      if (s.config.sid === except) continue;
      if (s.node === node && (s.state === 'started' || s.state === 'request_stop' || s.state === 'migrate' || s.state === 'relocate')) count += 1;
      else if (s.target === node && (s.state === 'migrate' || s.state === 'relocate')) count += 1;
    }
    return count;
  }

  /** select_service_node, reduced: preference 'none' stays where it is when that node is among the preferred. */
  private selectNode(s: ServiceRuntime, isOnline: (n: string) => boolean, preference: 'none' | 'best-score' | 'try-next'): string | undefined {
    const { preferred } = this.allowedNodes(s, isOnline);
    if (!preferred.size) return undefined;
    if (preference === 'none' && preferred.has(s.node)) return s.node;
    const candidates = [...preferred].filter((n) => preference !== 'try-next' || !s.failedNodes.includes(n));
    if (!candidates.length) return undefined;
    return candidates.sort((a, b) => this.usage(a, s.config.sid) - this.usage(b, s.config.sid) || a.localeCompare(b))[0];
  }
}

function merge(a: HaStepResult, b: HaStepResult): HaStepResult {
  return { transitions: [...a.transitions, ...b.transitions], nodeEvents: [...a.nodeEvents, ...b.nodeEvents], actions: [...a.actions, ...b.actions], splitBrain: [...a.splitBrain, ...b.splitBrain] };
}

export interface HaScenario extends HaClusterConfig {
  /** Membership changes over time; the first (at 0) is the starting membership (default: everyone together). */
  membership?: { at: number; partitions: HaPartition[] }[];
  requests?: { at: number; sid: string; migrate: string }[];
  until: number;
}

export interface HaOutcome extends HaStepResult {
  final: HaSnapshot;
}

/** Runs a whole scenario (the failover drill's prediction): every transition, node event and guest action. */
export function simulateHa(scenario: HaScenario): HaOutcome {
  const changes = [...(scenario.membership ?? [])].sort((a, b) => a.at - b.at);
  const initial = changes[0]?.at === 0 ? changes.shift()!.partitions : [{ nodes: scenario.nodes }];
  const model = new HaModel(scenario, initial);
  const inputs = [
    ...changes.map((c) => ({ at: c.at, apply: () => model.setMembership(c.at, c.partitions) })),
    ...(scenario.requests ?? []).map((r) => ({ at: r.at, apply: () => model.requestMigrate(r.at, r.sid, r.migrate) })),
  ].sort((a, b) => a.at - b.at);
  let all: HaStepResult = { transitions: [], nodeEvents: [], actions: [], splitBrain: [] };
  for (const input of inputs) all = merge(all, input.apply());
  all = merge(all, model.advance(scenario.until));
  return { ...all, final: model.snapshot() };
}
