// What a stack is, as the pure core and the renderer see it: its id and name, its section of the workspace
// and its rules, the clusters or regions it defines, the links worth drawing, the nodes that never run VMs,
// its migration choices, its own contract methods and events, and the section of a lab description it
// reads. The I/O half (clients, inventory, moves, lab services) is main/node/stacks/types.ts.
import type { z } from 'zod';
import type { StackAdvisor } from '../advisor/types.js';
import type { MethodSpec } from '../contract/define.js';
import type { BaseWorkspace, TrafficKind } from '../workspace/base.js';
import type { FieldPath } from '../workspace/paths.js';
import type { Rule, RuleSource } from '../workspace/rules/types.js';
import type { QuorumModel } from '../whatif/scenarios.js';
import type { ClusterSample } from '../monitor/model.js';
import type { ExposedSeries } from '../monitor/prometheus.js';

/** A workspace as one stack sees it: the base, and its own section (typed). */
export type StackWorkspace<K extends string = string, S extends z.ZodType = z.ZodType> = BaseWorkspace & { [key in K]?: z.output<S> | undefined };

/** One node's part in a cluster or region, in the stack's words ("pve", "qdevice", "compute", "witness"…). */
export interface GroupMember {
  node: string;
  role: string;
  /** False for hosts that serve the group without belonging to it (a QDevice host). */
  member: boolean;
}

/** A cluster or region the workspace defines for a stack. */
export interface StackGroup {
  stack: string;
  kind: 'cluster' | 'region';
  name: string;
  /** Where it is in the workspace file ("<key>.clusters[0]"). */
  path: string;
  members: GroupMember[];
}

/** A link worth drawing on the canvas: a cluster's own traffic between two nodes on one network. */
export interface StackLink {
  a: string;
  b: string;
  /** A network role (the canvas styles links by it). */
  role: string;
  network: string;
  /** Link number inside its cluster (corosync's knet link), when the stack numbers its links. */
  linkNumber?: number;
  /** The cluster or region it belongs to. */
  group: string;
}

/** A node that can never run VMs, with the reason the migration dialog shows. */
export interface NoVmHost {
  node: string;
  reason: string;
}

/** The round trip a kind of traffic tolerates, as its stack documents it. */
export interface LatencyLimits {
  warnMs?: number;
  errorMs: number;
  source: RuleSource;
}

/** One kind of a stack's traffic on one workspace network (what an overlay between sites must carry). */
export interface StackTraffic {
  /** corosync, migration, storage, inter-region, witness, or a stack's own data traffic role. */
  role: string;
  stack: string;
  /** The cluster or region pair it belongs to. */
  group: string;
  /** "corosync link1 of cluster homelab", in the admin's words. */
  label: string;
  network: string;
  /** Nodes that send this traffic on the network. */
  nodes: string[];
  /** Where the workspace file says so. */
  path: string;
  /** A cluster's numbered link (corosync's knet link). */
  link?: number;
  /** Every numbered link of the cluster, to tell whether a network is its only path. */
  clusterLinks?: { link: number; network: string }[];
  /** The admin accepted a WAN layout for this group (its latency findings no longer block). */
  accepted?: boolean;
  /** The round trip this traffic tolerates. */
  limits?: LatencyLimits;
  /** Where the stack documents what this traffic needs: redundant paths, and addresses on its network (the overlay rules cite them). */
  sources?: { redundancy?: RuleSource; addressing?: RuleSource };
}

/** A limit a stack offers for bulk traffic (migration, replication), in its own unit and file. */
export interface BandwidthSetting {
  stack: string;
  /** What it limits, in the admin's words. */
  what: string;
  /** Where it is set. */
  where: string;
  value: number;
  unit: string;
  /** The line or command an admin would write. */
  example: string;
}

/** How the reference checker reports a name that does not exist (the workspace's own look-ups). */
/**
 * `clause` ends where the name goes, so the message reads as a sentence: "The QDevice host of cluster
 * homelab is" + ` "q1", but this workspace has no node of that name.`
 */
export interface ReferenceChecks {
  node(name: string, path: FieldPath, clause: string): void;
  site(name: string, path: FieldPath, clause: string): void;
  network(name: string, path: FieldPath, clause: string): void;
  /** True when the file has an entry of that name in `list` ("<section>.<list>") that failed the schema: naming it is not a second error. */
  unread(list: string, name: string): boolean;
  /** Any other problem: a duplicate, a name outside the group. */
  issue(issue: { severity: 'error' | 'warning'; code: 'reference' | 'duplicate'; message: string; path: FieldPath; expected?: string }): void;
  /** "a, b, c" (or "none defined yet"), for messages. */
  listOf(names: Iterable<string>): string;
}

/** The migration choices and precheck details of one stack: objects keyed by `stack: <id>`. */
export interface StackMigrationSchemas {
  /** The admin's choices for a VM move (a member of the discriminated union over stacks). */
  choices: z.ZodObject;
  /** What a precheck verdict adds for this stack (disks, storages, maps). */
  details: z.ZodObject;
}

/** A stack's own contract: methods `<id>.verb` and events. */
export interface StackContract {
  methods: Record<string, MethodSpec>;
  events: Record<string, z.ZodType>;
}

/**
 * A stack as a workspace sees it: everything but its contract, its moves' schemas and its lab section (each stack's
 * workspace.ts). What reads, checks and scores a workspace needs only this part (compose.ts, the workspace schema, the
 * rules, the scorecard), so validating a file builds none of the contracts' schemas.
 */
export interface StackWorkspaceDefinition<K extends string = string, S extends z.ZodType = z.ZodType> {
  /** The stack id used in VM ids, element references, rule ids and the contract namespace. */
  id: K;
  /** The product's name, as its vendor writes it. */
  title: string;
  /** A short tag for node cards ("PVE"). */
  shortTitle: string;
  /** What the stack calls its groups. */
  groupKind: 'cluster' | 'region';
  /** Its section of the workspace file: the key and the schema (which imports only the workspace base). */
  section: { key: K; schema: S };
  /** Network roles it adds to the general ones, with the kind of traffic each carries. */
  networkRoles: Readonly<Record<string, TrafficKind>>;
  rules: readonly Rule[];
  /** Cross-references its section makes (members, networks, sites…). */
  references(workspace: StackWorkspace<K, S>, check: ReferenceChecks): void;
  groups(workspace: StackWorkspace<K, S>): StackGroup[];
  links(workspace: StackWorkspace<K, S>): StackLink[];
  /** Hosts that never run VMs (a stretched cluster's witness). */
  noVmHosts?(workspace: StackWorkspace<K, S>): NoVmHost[];
  /** What it sends over workspace networks (for overlays between sites). */
  traffic?(workspace: StackWorkspace<K, S>): StackTraffic[];
  /** Bandwidth limits it offers for a budget of `mbit` Mbit/s. */
  bandwidthSettings?(mbit: number): BandwidthSetting[];
  /** Its clusters' quorum models, for the what-if. */
  quorumModels?(workspace: StackWorkspace<K, S>): QuorumModel[];
  /**
   * Its series in the monitor's Prometheus exposition for one of its cluster samples (services, HA, health), named
   * after its vendor's exporters where they exist.
   */
  exposition?(cluster: ClusterSample): ExposedSeries[];
  /** Its approaches for the "New cluster" advisor (main/common/advisor), and how each shapes the workspace. */
  advisor?: StackAdvisor<NoInfer<StackWorkspace<K, S>>>;
  /**
   * The method of its contract that reads a cluster's quorum and members now (`{ cluster }` → the facts' cluster
   * quorum): the canvas's cluster badges call it (definition.ts checks the name against the contract).
   */
  statusMethod?: string;
}

export interface StackDefinition<
  K extends string = string,
  S extends z.ZodType = z.ZodType,
  M extends StackMigrationSchemas | undefined = StackMigrationSchemas | undefined,
  C extends StackContract = StackContract,
> extends StackWorkspaceDefinition<K, S> {
  /** Its own contract methods (`<id>.verb`) and events. */
  contract: C;
  /** Its VM moves' choices and precheck details, when it can move VMs. */
  migration: M;
  /** The section of a lab description it reads (`<key>: true | { … }`), and what it refuses given the lab's hosts. */
  lab?: { key: string; schema: z.ZodType; check?(section: unknown, hosts: readonly string[]): string[] };
}

/** Any registered stack (the list's element type). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyStackDefinition = StackDefinition<string, any, StackMigrationSchemas | undefined, StackContract>;

/** Any stack's workspace part (the element type of the lists compose.ts asks). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyStackWorkspace = StackWorkspaceDefinition<string, any>;

/** Keeps the literal id and the section schema's type, so the composed workspace stays typed per stack. */
export function defineStackWorkspace<const K extends string, S extends z.ZodType>(definition: StackWorkspaceDefinition<K, S>): StackWorkspaceDefinition<K, S> {
  return definition;
}

/** Keeps the literal id and the schemas' types, so the composed workspace and contract stay typed per stack. */
export function defineStack<const K extends string, S extends z.ZodType, M extends StackMigrationSchemas | undefined, C extends StackContract>(definition: StackDefinition<K, S, M, C>): StackDefinition<K, S, M, C> {
  return definition;
}

/** `{ kind: 'cluster', stack, name }`: how findings point at a stack's cluster or region. */
export function groupRef(stack: string, name: string): { kind: 'cluster'; stack: string; name: string } {
  return { kind: 'cluster', stack, name };
}
