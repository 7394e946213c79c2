// What a stack is on the I/O side: `{ definition, create(deps) }`. `deps` is what the core owns (events,
// secrets, the open workspace and its facts, the one node runner, stack options such as a test API
// schema); the services a stack returns are its contract handlers, discovery, inventory, migration (a
// precheck and a plan for the engine), the executor that runs its plan operations, and what a lab's
// hosts need for it. The core, the lab service and the CLI iterate main/node/stacks/registry.ts.
import type { ClusterSample, LinkSample } from '../../common/monitor/model.js';
import type { MigrationChoices, MigrationTarget, VmRecord } from '../../common/contract/inventory.js';
import type { PlanInput } from '../../common/plan/schema.js';
import type { AnyStackDefinition } from '../../common/stacks/types.js';
import type { Facts } from '../../common/workspace/facts.js';
import type { StorageEvidence } from '../../common/scorecard/evidence.js';
import type { Workspace } from '../../common/workspace/schema.js';
import type { Handlers } from '../dispatcher.js';
import type { StackExecutor } from '../engine/stack-ops.js';
import type { RunResult } from '../../common/contract/plan.js';
import type { DrillClusterPrediction, DrillGroupPrediction, DrillReading } from '../../common/drill/model.js';
import type { EventBus } from '../events.js';
import type { Lab } from '../lab/index.js';
import type { SecretStore } from '../secrets/store.js';
import type { RemoteRunner } from '../workspace/runner.js';

/** The open workspace as a stack may use it: the model, its facts, where it is; saving and storing facts. */
export interface StackWorkspaces {
  /** The open workspace; throws INVALID_INPUT (with the path) when its file has errors. */
  current(): Promise<{ workspace: Workspace; facts: Facts; path: string }>;
  save(next: Workspace): Promise<unknown>;
  storeFacts(update: Facts | ((current: Facts) => Facts)): Promise<string>;
}

export interface StackDeps {
  events: EventBus;
  secrets: SecretStore;
  workspaces: StackWorkspaces;
  /** How commands reach a workspace's nodes (SSH in the app, this machine in tests). */
  nodeRunner?: (workspace: Workspace) => RemoteRunner;
  /** Options for this stack only (`createCore({ stackOptions: { <id>: … } })`), e.g. an API schema to check requests against. */
  options: Record<string, unknown>;
}

/** VMs per node for the canvas; a VM id names its stack and cluster, so one VM is found without listing everything. */
export interface StackInventory {
  /** Clusters (or regions) of the workspace it can read. */
  clusters(workspace: Workspace): string[];
  list(workspace: Workspace, cluster: string, signal: AbortSignal): Promise<VmRecord[]>;
  /** The VM with this id, reading only its own cluster; undefined when it is not there. */
  find(workspace: Workspace, vmId: string, signal: AbortSignal): Promise<VmRecord | undefined>;
}

/** What the admin asked for: where, live or not, the stack's own choices, and whether the source goes afterwards. */
export interface MoveRequest {
  target: string;
  online: boolean;
  choices?: MigrationChoices;
  deleteSource?: boolean;
}

/** A move as a plan for the engine (its `touches` name the clusters whose inventory it changes), and how to tell its outcome. */
export interface MovePlan {
  plan: PlanInput;
  /** The result line the dialog shows ("Moved VM db (101) from a1 to a2 live in 1.2 s."). */
  summary(result: RunResult): string;
}

export interface StackMigration {
  /** A verdict per target: allowed or not, why, the kind of move and what the stack adds. `quick`: only what the VM's own cluster knows. */
  precheck(workspace: Workspace, vm: VmRecord, targets: string[], signal: AbortSignal, options: { choices?: MigrationChoices; quick?: boolean }): Promise<MigrationTarget[]>;
  /** The plan that moves the VM as the verdict allows (pure: no remote call). */
  plan(workspace: Workspace, vm: VmRecord, request: MoveRequest, verdict: MigrationTarget): MovePlan;
}

/**
 * What the failover drill (a core feature) asks of a stack: its clusters with something to recover, what its HA
 * will do after a loss (from the membership the quorum model predicts), and a reading of quorum and services now.
 */
export interface StackFailover {
  clusters(workspace: Workspace): string[];
  predict(workspace: Workspace, cluster: string, input: { groups: DrillGroupPrediction[]; lab: boolean }, signal: AbortSignal): Promise<DrillClusterPrediction>;
  read(workspace: Workspace, cluster: string, signal: AbortSignal): Promise<DrillReading>;
}

/** Facts a stack reads on the nodes after a latency run (corosync's own link view): merged into the workspace's facts. */
export interface StackDiscovery {
  afterLatency?(workspace: Workspace, runner: RemoteRunner, context: { signal: AbortSignal; file: string }): Promise<Partial<Facts>>;
  /**
   * One monitoring round: each cluster's quorum as a member reports it, and the stack's own view of its links.
   * `runner` runs one command per host at a time; hosts in `skip` are backing off and must not be asked.
   */
  monitor?(workspace: Workspace, runner: RemoteRunner, context: { signal?: AbortSignal; skip: ReadonlySet<string> }): Promise<MonitorReading>;
}

/** What a stack reads in one monitoring round. */
export interface MonitorReading {
  clusters: ClusterSample[];
  links?: LinkSample[];
}

/** What a stack's part of a lab is doing, for `lab status` and the app's lab menu. */
export interface StackLabStatus {
  /** What runs, in the admin's words ("… test servers"). */
  title: string;
  running: boolean;
  /** Lines for `lab status` / `lab up` on a terminal. */
  lines: string[];
  /** What to do next, printed after `lab up`. */
  nextStep?: string;
  /** For `lab status --json`, under the stack's lab key. */
  json: unknown;
  /** Everything it serves answers (exit 1 from `lab status` otherwise). */
  healthy: boolean;
}

/** What a lab's hosts run for a stack (its simulators and services), in the app's process or, from the CLI, in the background. */
export interface StackLab {
  /** What it runs, in the admin's words ("… test servers"). */
  title: string;
  /** Starts them for a running lab inside this process (the app's lab.up); the lab description's section is `section`. */
  start(lab: Lab, section: unknown, context: { secrets: SecretStore }): Promise<{ stop(): Promise<void> }>;
  /** The CLI: starts them in a background process that outlives `lab up`; `command` runs the CLI bundle. */
  startBackground(lab: Lab, section: unknown, context: { secrets: SecretStore; command: string[]; env: NodeJS.ProcessEnv; log(line: string): void }): Promise<void>;
  /** What runs in the background for the lab in `stateDir`; undefined when nothing was started there. */
  backgroundStatus(stateDir: string): Promise<StackLabStatus | undefined>;
  /** Stops the background process (a message for the terminal when something was stopped). */
  stopBackground(stateDir: string, context: { secrets?: Pick<SecretStore, 'delete'> }): Promise<string | undefined>;
  /** Removes what a failed start left on disk. */
  cleanUp?(labPrefix: string): void;
  /**
   * "Rehearse this estate": the lab section that gives a rehearsal of `workspace` what this stack's clusters
   * need there (undefined: the workspace has none), and a note on how the lab's clusters relate to the real ones.
   */
  rehearse?(workspace: Workspace): { section: unknown; note: string } | undefined;
  /** Hidden CLI verbs under `lab` (the background process's own entry). */
  verbs?: Record<string, (stateDir: string, log: (line: string) => void) => Promise<number>>;
}

/**
 * "Rehearse in the lab first": a stack whose plans can be rehearsed generates the plan of one of its groups
 * (a cluster) for the rehearsal lab's workspace — the same generator and choices as the real one, with the lab's
 * hosts and addresses — and reads the group's quorum there once it ran.
 */
export interface StackRehearsal {
  plan(input: {
    /** The real workspace and its facts (the choices it records, the figures the plan is tuned with). */
    real: { workspace: Workspace; facts: Facts };
    /** The rehearsal lab's workspace as the stack's lab part wrote it. */
    lab: Workspace;
    group: string;
    /** Real node → lab host. */
    mapping: { node: string; host: string; site: string }[];
  }): Promise<{ plan: PlanInput; labGroup: string; /** The lab workspace the plan was generated from (its nodes are how the plan reaches the lab hosts). */ labWorkspace: Workspace; notes: string[] }>;
  verify(input: { lab: Workspace; labGroup: string; signal: AbortSignal }): Promise<{ quorate: boolean; members: { name: string; online: boolean }[]; votes?: string; source: string }>;
}

export interface StackServices {
  /** Its namespaced contract methods (`<id>.verb`). */
  handlers?: Partial<Handlers>;
  discovery?: StackDiscovery;
  inventory?: StackInventory;
  migration?: StackMigration;
  /** Runs its plan operations (`{ kind: 'stack', stack: <id>, op, args }`) for the engine. */
  executor?: StackExecutor;
  /** The storage health of one of its clusters as the stack reads it (its storage's own health check), for the scorecard; "unknown" with the reason when unreadable. */
  storageHealth?(workspace: Workspace, cluster: string, signal: AbortSignal): Promise<StorageEvidence>;
  /** What the failover drill needs of it (predictions and readings). */
  failover?: StackFailover;
  /** Its plans can be rehearsed in the lab first. */
  rehearsal?: StackRehearsal;
  close?(): Promise<void>;
}

export interface StackModule {
  definition: AnyStackDefinition;
  /** What a lab's hosts need for this stack, when its lab section says so (no core needed: the CLI uses it too). */
  lab?: StackLab;
  create(deps: StackDeps): StackServices;
}
