// The failover drill (pure): what the drill predicts for a site or link loss, what it reads while it runs,
// the times it measures from those readings, and the report it saves beside the workspace.
import * as z from 'zod';
import { describeFailure, type Failure } from '../whatif/estate.js';

export const failureSchema = z.union([
  z.object({ kind: z.literal('site'), site: z.string().min(1) }).strict(),
  z.object({ kind: z.literal('link'), between: z.tuple([z.string().min(1), z.string().min(1)]) }).strict(),
]);

export const groupPredictionSchema = z.object({ members: z.array(z.string()), sites: z.array(z.string()), keepsQuorum: z.boolean(), reason: z.string().optional() });
export const servicePredictionSchema = z.object({
  sid: z.string(),
  from: z.string(),
  /** Where HA restarts it (absent: it stays where it is, or nowhere can take it). */
  to: z.string().optional(),
  /** Seconds after the cut until it runs again. */
  backAfterS: z.number().optional(),
  note: z.string().optional(),
});
export const clusterPredictionSchema = z.object({
  stack: z.string(),
  cluster: z.string(),
  groups: z.array(groupPredictionSchema),
  services: z.array(servicePredictionSchema),
  /** Seconds until the membership change is seen (corosync's token timeout and consensus). */
  detectS: z.number(),
  /** Nodes that fence themselves, and when (s after the cut). */
  selfFence: z.array(z.object({ node: z.string(), afterS: z.number() })).default([]),
  /** The timings used ("totem token 3000 ms; HA rounds 10 s, fence delay 60 s, lock 120 s"). */
  timings: z.string(),
});
export const drillPredictionSchema = z.object({ failure: failureSchema, title: z.string(), clusters: z.array(clusterPredictionSchema), lostNodes: z.array(z.string()) });
export type DrillGroupPrediction = z.infer<typeof groupPredictionSchema>;
export type DrillServicePrediction = z.infer<typeof servicePredictionSchema>;
export type DrillClusterPrediction = z.infer<typeof clusterPredictionSchema>;
export type DrillPrediction = z.infer<typeof drillPredictionSchema>;

/** One look at a cluster while the drill runs. */
export interface DrillReading {
  /** Unix ms. */
  at: number;
  nodes: { name: string; reachable: boolean; quorate?: boolean; members?: string[] }[];
  services: { sid: string; node: string; state: string; running: boolean }[];
}

export const measuredSchema = z.object({
  /** Seconds after the cut: a node first saw the membership change. */
  lossDetectedS: z.number().optional(),
  /** Every node's quorum as predicted. */
  quorumChangedS: z.number().optional(),
  services: z.array(z.object({ sid: z.string(), node: z.string().optional(), backAfterS: z.number().optional() })),
  /** Seconds after the restore until every node was back in one quorate membership. */
  rejoinedS: z.number().optional(),
});
export type DrillMeasured = z.infer<typeof measuredSchema>;

export const drillReportSchema = z.object({
  kind: z.literal('clusterwright-failover-drill'),
  version: z.literal(1),
  /** ISO date and time of the cut. */
  date: z.string(),
  workspace: z.string(),
  /** `lab`: the cut was made for real; `checklist`: the admin pulled the cable. */
  mode: z.enum(['lab', 'checklist']),
  failure: failureSchema,
  title: z.string(),
  prediction: drillPredictionSchema,
  measured: z.record(z.string(), measuredSchema),
  /** One line per comparison, and the verdict. */
  comparison: z.array(z.string()),
  outcome: z.enum(['as-predicted', 'differs', 'incomplete']),
});
export type DrillReport = z.infer<typeof drillReportSchema>;

export function drillTitle(failure: Failure): string {
  return describeFailure(failure);
}

/** What a node in the reading sees as members (itself included). */
function membersOf(n: DrillReading['nodes'][number]): string[] {
  return [...new Set([...(n.members ?? []), n.name])].sort();
}

/**
 * The times a drill measures from its readings (s after `cutAt`; `restoredAt` for the rejoin): when a node first
 * saw the membership change, when every reachable node's quorum was as predicted, when each service predicted to
 * move ran on another node, and when all nodes were one quorate membership again.
 */
export function measureDrill(prediction: DrillClusterPrediction, readings: DrillReading[], cutAt: number, restoredAt?: number): DrillMeasured {
  const all = [...new Set(prediction.groups.flatMap((g) => g.members))].sort();
  const expectQuorum = new Map(prediction.groups.flatMap((g) => g.members.map((m) => [m, g.keepsQuorum] as const)));
  const after = readings.filter((r) => r.at >= cutAt && (restoredAt === undefined || r.at < restoredAt)).sort((a, b) => a.at - b.at);
  const s = (at: number) => Math.round((at - cutAt) / 100) / 10;
  const out: DrillMeasured = { services: [] };
  const detected = after.find((r) => r.nodes.some((n) => n.reachable && n.members && membersOf(n).length < all.length));
  if (detected) out.lossDetectedS = s(detected.at);
  const quorumAsPredicted = detected ? after.find((r) => r.at >= detected.at && r.nodes.every((n) => !n.reachable || n.quorate === undefined || n.quorate === expectQuorum.get(n.name))) : undefined;
  if (quorumAsPredicted) out.quorumChangedS = s(quorumAsPredicted.at);
  for (const p of prediction.services) {
    const back = after.find((r) => r.services.some((x) => x.sid === p.sid && x.running && x.state === 'started' && x.node !== p.from));
    const where = back?.services.find((x) => x.sid === p.sid);
    out.services.push({ sid: p.sid, ...(where ? { node: where.node } : {}), ...(back ? { backAfterS: s(back.at) } : {}) });
  }
  if (restoredAt !== undefined) {
    const rejoined = readings
      .filter((r) => r.at >= restoredAt)
      .sort((a, b) => a.at - b.at)
      .find((r) => all.every((name) => {
        const n = r.nodes.find((x) => x.name === name);
        return n?.reachable && n.quorate && membersOf(n).length === all.length;
      }));
    if (rejoined) out.rejoinedS = Math.round((rejoined.at - restoredAt) / 100) / 10;
  }
  return out;
}

/** Prediction beside outcome, one line each, and whether the cluster did what was predicted. */
export function compareDrill(prediction: DrillPrediction, measured: Record<string, DrillMeasured>): { lines: string[]; outcome: DrillReport['outcome'] } {
  const lines: string[] = [];
  let differs = false;
  let incomplete = false;
  for (const c of prediction.clusters) {
    const m = measured[c.cluster];
    const name = `${c.cluster}`;
    if (!m) {
      lines.push(`${name}: nothing measured`);
      incomplete = true;
      continue;
    }
    lines.push(`${name}: loss seen after ${m.lossDetectedS ?? '—'} s (predicted ${c.detectS} s); quorum as predicted after ${m.quorumChangedS ?? '—'} s`);
    if (m.quorumChangedS === undefined) incomplete = true;
    for (const g of c.groups) lines.push(`  ${g.members.join(', ')}: ${g.keepsQuorum ? 'keeps quorum' : 'loses quorum'} (predicted)`);
    for (const p of c.services) {
      const got = m.services.find((x) => x.sid === p.sid);
      if (p.to) {
        const same = got?.node === p.to;
        if (!got?.backAfterS) incomplete = true;
        else if (!same) differs = true;
        lines.push(`  ${p.sid}: predicted back on ${p.to} after ${p.backAfterS ?? '?'} s; ${got?.backAfterS !== undefined ? `ran on ${got.node} after ${got.backAfterS} s${same ? '' : ' (another node than predicted)'}` : 'did not come back during the drill'}`);
      } else if (got?.backAfterS !== undefined) {
        differs = true;
        lines.push(`  ${p.sid}: predicted to stay on ${p.from}; it moved to ${got.node} after ${got.backAfterS} s`);
      } else lines.push(`  ${p.sid}: stays where it is (${p.note ?? 'as predicted'})`);
    }
    if (m.rejoinedS !== undefined) lines.push(`  every node rejoined ${m.rejoinedS} s after the restore`);
    else incomplete = true;
  }
  return { lines, outcome: differs ? 'differs' : incomplete ? 'incomplete' : 'as-predicted' };
}
