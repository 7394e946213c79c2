// Contract of the vSAN stack: vCenter's certificate for the admin to pin, the ESXi hosts' certificate
// thumbprints as vCenter reports them (shown, confirmed, pinned in the workspace), the stretched-cluster
// wizard's plan with the measured round trips beside vSAN's limits, the verify page (witness, fault domains,
// health), and what a vMotion chooses and learns (its member of the migration union).
import * as z from 'zod';
import { defineMethod } from '../../contract/define.js';
import { nameSchema } from '../../workspace/base.js';
import { planSchema } from '../../plan/schema.js';
import { findingSchema } from '../../workspace/rules/types.js';

const clusterInput = z.object({ cluster: z.string().min(1) }).strict();
const colourSchema = z.enum(['green', 'yellow', 'red', 'info', 'skipped', 'unknown']);

export const vsanHealthSchema = z.object({
  overallHealth: colourSchema,
  groups: z.array(z.object({ id: z.string(), name: z.string(), health: colourSchema, tests: z.array(z.object({ id: z.string(), name: z.string(), health: colourSchema })) })),
});

/** One measured round trip against its limit (data site ↔ data site, data site ↔ witness). */
export const vsanRoundTripSchema = z.object({
  kind: z.enum(['data', 'witness']),
  a: z.string(),
  b: z.string(),
  network: z.string(),
  /** Undefined: not measured yet. */
  rttMs: z.number().optional(),
  limitMs: z.number(),
  ok: z.boolean().optional(),
});
export type VsanRoundTrip = z.infer<typeof vsanRoundTripSchema>;

export const vsanClusterPlanSchema = z.object({
  /** The plan as the engine takes it (preview, approve, apply, resume). Secrets only by id. */
  plan: planSchema,
  findings: z.array(findingSchema),
  blocking: z.boolean(),
  /** Measured round trips beside vSAN's limits (5 ms between data sites, 200 ms to the witness). */
  roundTrips: z.array(vsanRoundTripSchema),
  /** What is left by hand: commands shown, never run (static routes, witness traffic tagging). */
  manual: z.array(z.object({ host: z.string(), why: z.string(), command: z.string() })),
  notes: z.array(z.string()),
});
export type VsanClusterPlanView = z.infer<typeof vsanClusterPlanSchema>;

export const vsanHostCertificatesSchema = z.object({
  hosts: z.array(
    z.object({
      host: z.string(),
      role: z.enum(['data', 'witness']),
      /** What vCenter reports the host presents (SSLVerifyFault); undefined when vCenter already manages the host. */
      thumbprint: z.string().optional(),
      pinned: z.string().optional(),
      state: z.enum(['pinned', 'new', 'changed', 'in-vcenter', 'unreachable']),
      message: z.string().optional(),
    }),
  ),
});

export const vsanVerifySchema = z.object({
  cluster: z.string(),
  witnesses: z.array(z.object({ host: z.string(), preferredFaultDomain: z.string(), unicastAgentAddress: z.string() })),
  faultDomains: z.record(z.string(), z.string()),
  health: vsanHealthSchema,
  /** Health tests that are yellow or red, as "group: test (colour)". */
  problems: z.array(z.string()),
});
export type VsanVerifyView = z.infer<typeof vsanVerifySchema>;

/** A day-2 change to a built stretched cluster (or, once its stretching was disabled, stretching it again). */
export const vsanDay2ChangeSchema = z.discriminatedUnion('kind', [
  /** Make this data site the preferred fault domain (it keeps running when the data sites lose each other). */
  z.object({ kind: z.literal('preferred-site'), site: z.string().min(1).max(253) }).strict(),
  /** Put this workspace node in the witness's place; the old witness stays in the datacenter. The name is checked as the workspace checks a host. */
  z.object({ kind: z.literal('witness'), host: nameSchema }).strict(),
  /** Disable stretching: remove the witness (destructive; the fault domains stay, as vSAN leaves them). */
  z.object({ kind: z.literal('unstretch') }).strict(),
  /** Stretch a cluster whose stretching was disabled again with this workspace node as its witness (destructive). The name is checked as the workspace checks a host. */
  z.object({ kind: z.literal('restretch'), host: nameSchema }).strict(),
]);
export type VsanDay2Change = z.infer<typeof vsanDay2ChangeSchema>;
const day2Input = z.object({ cluster: z.string().min(1), change: vsanDay2ChangeSchema }).strict();

export const vsanDay2PlanSchema = z.object({
  plan: planSchema,
  /** What stops the change (each says what to do); the plan may be shown, never run, while one stands. */
  problems: z.array(z.string()),
  blocking: z.boolean(),
  /** What the change means for the cluster, in the admin's words. */
  meaning: z.array(z.string()),
  /** Measured round trips to the new witness beside vSAN's limit (a witness change, stretching again). */
  roundTrips: z.array(vsanRoundTripSchema),
  /** The new witness's certificate as vCenter reports it, when vCenter does not manage the host yet. */
  certificate: z.object({ host: z.string(), thumbprint: z.string().optional(), pinned: z.string().optional(), state: z.enum(['pinned', 'new', 'changed', 'in-vcenter', 'unreachable']), message: z.string().optional() }).optional(),
  notes: z.array(z.string()),
});
export type VsanDay2PlanView = z.infer<typeof vsanDay2PlanSchema>;

export const vsanMethods = {
  /** vCenter's certificate (SHA-256) for the admin to compare and pin in vsan.clusters[].vcenter.thumbprint. */
  'vsan.probeCertificate': defineMethod(clusterInput, z.object({ endpoint: z.string(), thumbprint: z.string(), pinned: z.string().optional() })),
  /** Each ESXi host's certificate thumbprint as vCenter reports it, beside what the workspace pins; nothing is added. */
  'vsan.hostCertificates': defineMethod(clusterInput, vsanHostCertificatesSchema),
  /** Pins the thumbprints the admin confirmed (vsan.clusters[].hostThumbprints, or vcenter.thumbprint for `vcenter`); a workspace node outside the cluster may be pinned as a witness to be. */
  'vsan.pinCertificates': defineMethod(
    z.object({ cluster: z.string().min(1), hosts: z.record(z.string(), z.string()).default({}), vcenter: z.string().optional() }).strict(),
    z.object({ pinned: z.array(z.string()) }),
  ),
  /** The stretched-cluster build as a plan: create, hosts, VMkernel adapters, vSAN, disks, witness, stretch, site HA/DRS. */
  'vsan.planCluster': defineMethod(clusterInput, vsanClusterPlanSchema),
  /** Witness, each host's fault domain and vSAN's health summary, read from vCenter. */
  'vsan.verify': defineMethod(clusterInput, vsanVerifySchema),
  /** A day-2 change as a plan (preferred site, witness, stretching off, stretching again), with what it means and what stops it. */
  'vsan.planDay2': defineMethod(day2Input, vsanDay2PlanSchema),
  /** After a day-2 run: writes into the workspace what vCenter now shows (the preferred site, the witness, stretched or not); refuses when vCenter does not show it. */
  'vsan.recordDay2': defineMethod(day2Input, z.object({ recorded: z.boolean(), message: z.string() })),
};

/** What the admin chose for a vMotion: nothing beyond the target (vCenter keeps the VM on the shared vSAN datastore). */
export const vsanMigrationChoicesSchema = z.object({ stack: z.literal('vsan') }).strict();

/** What a vMotion verdict adds: the sites, and the site rules a cross-site move goes against. */
export const vsanMigrationDetailsSchema = z.object({
  stack: z.literal('vsan'),
  sourceSite: z.string().optional(),
  targetSite: z.string().optional(),
  crossSite: z.boolean().default(false),
  /** "should run" rules the move goes against (DRS may move it back). */
  brokenRules: z.array(z.string()).default([]),
});
export type VsanMigrationDetails = z.infer<typeof vsanMigrationDetailsSchema>;

/** A lab's vsan section: `vsan: true` starts the vCenter simulator and writes a stretched cluster over the lab's sites. */
export const vsanLabSchema = z.union([z.literal(true), z.strictObject({ witness: z.string().optional() })]);
