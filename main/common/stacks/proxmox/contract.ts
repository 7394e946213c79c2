// Contract of the Proxmox stack: the certificate a node presents (for the admin to confirm before
// pinning), totem timing computed from a measured corosync link, the cluster wizard's plan and its verify,
// and what a VM move between nodes and clusters chooses and learns (its member of the migration union).
import * as z from 'zod';
import { defineMethod } from '../../contract/define.js';
import { planSchema } from '../../plan/schema.js';
import { clusterQuorumSchema, knetLinkStatsSchema } from '../../workspace/facts.js';
import { findingSchema } from '../../workspace/rules/types.js';
import { findingActionSchema } from '../../workspace/rules/actions.js';

export const pveCertificateSchema = z.object({
  /** SHA-256, upper-case, colon-separated, as `pvenode cert info` shows it. */
  fingerprint: z.string(),
  subject: z.string(),
  issuer: z.string(),
  validTo: z.string(),
});

export const totemTuningSchema = z.object({
  verdict: z.enum(['lan', 'wan-tuned', 'separate-clusters']),
  totem: z.object({ token: z.number().optional(), token_coefficient: z.number().optional(), consensus: z.number().optional(), join: z.number().optional() }),
  effectiveTokenMs: z.number(),
  consensusMs: z.number(),
  failoverDetectionMs: z.number(),
  worstRttMs: z.number(),
  rotationMs: z.number(),
  reasoning: z.array(z.string()),
});

/** What proxmox.planCluster returns: the plan for the engine and what the admin must see before applying it. */
export const proxmoxClusterPlanSchema = z.object({
  /** The plan as the engine takes it (preview, approve, apply). Secrets only by id. */
  plan: planSchema,
  /** Workspace findings (with the stored latency facts) that concern this cluster, its nodes or their links. */
  findings: z.array(findingSchema),
  /** An error finding the admin has not accepted stands: the wizard should not offer Apply. */
  blocking: z.boolean(),
  /** Totem timing, when a corosync link measured above 5 ms (written into the plan only when acceptWan). */
  tuning: totemTuningSchema.optional(),
  /** What the plan will do, in the admin's words. */
  notes: z.array(z.string()),
  /** The acceptance recorded in proxmox.clusters[N].wanTuning when acceptWan was given (saved by the service). */
  wanTuning: z.object({ accepted: z.boolean(), acceptedAt: z.string().optional(), tokenMs: z.number().optional() }).optional(),
});
export type ProxmoxClusterPlanView = z.infer<typeof proxmoxClusterPlanSchema>;

/** What proxmox.clusterStatus returns: quorum and membership as the cluster's API reports them (GET /cluster/status); kept with the facts. */
export const proxmoxClusterStatusSchema = clusterQuorumSchema;
export type ProxmoxClusterStatusView = z.infer<typeof proxmoxClusterStatusSchema>;

/** What proxmox.linkStatus returns: every member's knet view of every corosync link (corosync-cmapctl over SSH). */
export const proxmoxLinkStatusSchema = z.object({
  cluster: z.string(),
  readAt: z.string(),
  links: z.array(knetLinkStatsSchema),
  /** Link number and member pair that at least one end reports not connected. */
  down: z.array(z.object({ link: z.number().int(), a: z.string(), b: z.string(), seenFrom: z.array(z.string()) })),
  /** Members whose corosync could not be read, and why (unreachable, corosync not running…). */
  unreadable: z.array(z.object({ node: z.string(), error: z.string() })),
  /** Every member read and every link connected to every peer. */
  allUp: z.boolean(),
});
export type ProxmoxLinkStatusView = z.infer<typeof proxmoxLinkStatusSchema>;

/** What proxmox.joinInformation returns: what an admin pastes into a joining node's web UI, or types on it. No secret. */
export const proxmoxJoinInformationSchema = z.object({
  cluster: z.string(),
  /** The member the joiner talks to, its address and its API certificate. */
  preferredNode: z.string(),
  ipAddress: z.string(),
  fingerprint: z.string(),
  /** Base64 JSON, the format of Datacenter → Cluster → Join Information (paste it into Join Cluster). */
  joinInformation: z.string(),
  /** Per joining node: the command to run on it (asks for root@pam's password of the cluster). */
  commands: z.array(z.object({ node: z.string(), command: z.string() })),
});

/** Whether the wizard's create and join can run with the workspace's credentials, before anything runs. */
export const proxmoxCredentialCheckSchema = z.object({
  ok: z.boolean(),
  /** 'password' (root@pam ticket), 'token' (API token: monitoring only), 'none'. */
  kind: z.enum(['password', 'token', 'none']),
  /** What the admin must do, in their words, when ok is false. */
  message: z.string().optional(),
  /** The field to set (e.g. proxmox.clusters[0].api.passwordSecret): a detail beside the message. */
  field: z.string().optional(),
  /** What the wizard offers for it (set the API endpoint, store root@pam's password). */
  action: findingActionSchema.optional(),
});

export const proxmoxMethods = {
  'proxmox.probeCertificate': defineMethod(z.object({ host: z.string().min(1), port: z.number().int().min(1).max(65535).default(8006) }).strict(), pveCertificateSchema),
  'proxmox.tuneTotem': defineMethod(
    z
      .object({
        rttMs: z.number().min(0),
        jitterMs: z.number().min(0),
        lossPct: z.number().min(0).max(100).default(0),
        nodes: z.number().int().min(2).max(64),
        tokenCoefficientMs: z.number().int().min(0).default(125),
      })
      .strict(),
    totemTuningSchema,
  ),
  /** Builds the cluster wizard's plan from the open workspace (nodes, links, pinned fingerprint, root password secret id). */
  'proxmox.planCluster': defineMethod(
    z
      .object({
        cluster: z.string().min(1),
        acceptWan: z.boolean().optional(),
        /** Joining members the app cannot reach: the admin joins them with the join information; the plan waits for them. */
        manualJoin: z.array(z.string().min(1)).optional(),
      })
      .strict(),
    proxmoxClusterPlanSchema,
  ),
  /** The cluster's join information (as Proxmox's web UI encodes it) and the pvecm add command per node, for nodes joined by hand. */
  'proxmox.joinInformation': defineMethod(z.object({ cluster: z.string().min(1), nodes: z.array(z.string().min(1)).optional() }).strict(), proxmoxJoinInformationSchema),
  /** Quorum and members through the cluster's API (proxmox.clusters[].api), for the wizard's verify step and the canvas. */
  'proxmox.clusterStatus': defineMethod(z.object({ cluster: z.string().min(1) }).strict(), proxmoxClusterStatusSchema),
  /** Reads knet's link state on every member over SSH and stores it with the workspace's facts (the canvas shows it). */
  'proxmox.linkStatus': defineMethod(z.object({ cluster: z.string().min(1) }).strict(), proxmoxLinkStatusSchema),
  /** Tells up front whether the cluster's credentials can create and join (root@pam password) or only monitor (API token). */
  'proxmox.credentialCheck': defineMethod(z.object({ cluster: z.string().min(1) }).strict(), proxmoxCredentialCheckSchema),
};

/** Proxmox storage or bridge ids: letters, digits, `-`, `_`, `.`. */
const pveIdSchema = z.string().regex(/^[A-Za-z0-9][-_.A-Za-z0-9]*$/, 'expected a Proxmox storage or bridge id');
/** Source id → target id (e.g. `{ "ceph-vm": "local-lvm" }`). */
export const idMapSchema = z.record(pveIdSchema, pveIdSchema);
export type IdMapChoice = z.infer<typeof idMapSchema>;
const vmidSchema = z.number().int().min(100).max(999_999_999);

/** What the admin chose in the migration dialog for a Proxmox VM. */
export const proxmoxMigrationChoicesSchema = z
  .object({
    stack: z.literal('proxmox'),
    /** Storage on the target for disks on local storage (Proxmox `targetstorage`): one id, never a map. */
    targetStorage: pveIdSchema.optional(),
    /** Cross-cluster only: source storage → storage on the target cluster (every disk moves). */
    storageMap: idMapSchema.optional(),
    /** Cross-cluster only: source bridge → bridge on the target node. */
    bridgeMap: idMapSchema.optional(),
    /** Cross-cluster only: the VMID on the target cluster (default: the VM's own). */
    targetVmid: vmidSchema.optional(),
  })
  .strict();
export type ProxmoxMigrationChoices = z.infer<typeof proxmoxMigrationChoicesSchema>;

/** What a Proxmox precheck verdict adds: local disks and the target's storages; for another cluster, what the maps must cover. */
export const proxmoxMigrationDetailsSchema = z.object({
  stack: z.literal('proxmox'),
  /** Disks on local storage that need a target storage on the destination. */
  localDisks: z.array(z.object({ disk: z.string(), storage: z.string(), sizeGiB: z.number().optional() })).default([]),
  targetStorages: z.array(z.string()).default([]),
  /** Only for kind "remote": what the storage and bridge maps must cover, and where the VM lands. */
  remote: z
    .object({
      /** The workspace's Proxmox cluster the target node belongs to. */
      cluster: z.string(),
      /** Storages and bridges the VM uses on the source (each needs a target). */
      sourceStorages: z.array(z.string()),
      sourceBridges: z.array(z.string()),
      /** Bridges on the target node (targetStorages lists its storages). */
      targetBridges: z.array(z.string()),
      /** The VMID the VM gets on the target unless another is chosen (its own, when free there). */
      suggestedVmid: z.number().int(),
      /** VMIDs already used on the target cluster, so the dialog can say so before asking. */
      usedVmids: z.array(z.number().int()),
    })
    .optional(),
});
export type ProxmoxMigrationDetails = z.infer<typeof proxmoxMigrationDetailsSchema>;
