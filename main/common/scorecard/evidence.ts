// What the scorecard reads beyond the workspace and its facts, summarised where it is kept (pure): the failover
// drills' saved reports (date, outcome, the outage they measured), the monitoring history of the last day (worst
// and p95 round trip and the loss per link) and each stack's storage health. The core gathers it
// (scorecard.evidence); `clusterwright validate` reads the same files itself.
import * as z from 'zod';
import type { DrillReport } from '../drill/model.js';
import { pairOf, type MonitorSample } from '../monitor/model.js';
import { ruleSourceSchema } from '../workspace/rules/types.js';

/** One cluster's part of one saved drill report. */
export const drillEvidenceSchema = z.object({
  stack: z.string(),
  cluster: z.string(),
  /** ISO date and time of the cut. */
  date: z.string(),
  /** "Loss of site a (cut off from the other sites)". */
  title: z.string(),
  mode: z.enum(['lab', 'checklist']),
  outcome: z.enum(['as-predicted', 'differs', 'incomplete']),
  /** Seconds from the cut until the last guest predicted to move ran again (the guests' outage). */
  outageS: z.number().optional(),
  /** Seconds from the cut until every node's quorum was as predicted. */
  quorumS: z.number().optional(),
  /** Seconds after the restore until every node was back in one quorate membership. */
  rejoinedS: z.number().optional(),
  /** The report file. */
  file: z.string(),
});
export type DrillEvidence = z.infer<typeof drillEvidenceSchema>;

/** One link (node pair on one network) over the window. */
export const linkHistorySchema = z.object({
  network: z.string(),
  a: z.string(),
  b: z.string(),
  /** Rounds that looked at this link, and those with a round trip. */
  rounds: z.number().int(),
  measured: z.number().int(),
  worstRttMs: z.number().optional(),
  p95RttMs: z.number().optional(),
  maxLossPercent: z.number(),
  meanLossPercent: z.number(),
  /** Rounds in which every probe was lost. */
  downRounds: z.number().int(),
});
export type LinkHistory = z.infer<typeof linkHistorySchema>;

export const historyEvidenceSchema = z.object({
  /** The window asked for (ms since the epoch). */
  sinceMs: z.number(),
  untilMs: z.number(),
  /** Polling rounds kept in the window, and the first and last of them. */
  rounds: z.number().int(),
  firstMs: z.number().optional(),
  lastMs: z.number().optional(),
  links: z.array(linkHistorySchema),
});
export type HistoryEvidence = z.infer<typeof historyEvidenceSchema>;

export const storageEvidenceSchema = z.object({
  stack: z.string(),
  cluster: z.string(),
  status: z.enum(['pass', 'warn', 'fail', 'unknown']),
  /** What was read, or why nothing could be. */
  evidence: z.string(),
  source: ruleSourceSchema.optional(),
});
export type StorageEvidence = z.infer<typeof storageEvidenceSchema>;

export const scorecardEvidenceSchema = z.object({
  drills: z.array(drillEvidenceSchema),
  /** Absent: the history could not be read at all (`problems` says why). */
  history: historyEvidenceSchema.optional(),
  storage: z.array(storageEvidenceSchema),
  /** What could not be read, in the admin's words. */
  problems: z.array(z.string()).default([]),
});
export type ScorecardEvidence = z.infer<typeof scorecardEvidenceSchema>;

export const HISTORY_WINDOW_MS = 24 * 3600 * 1000;

/** One line per cluster the report drilled: its date, outcome and the outage it measured. */
export function drillEvidenceOf(report: DrillReport, file: string): DrillEvidence[] {
  return report.prediction.clusters.map((c) => {
    const m = report.measured[c.cluster];
    const moved = c.services.filter((s) => s.to).map((s) => m?.services.find((x) => x.sid === s.sid)?.backAfterS);
    const outageS = moved.length && moved.every((s) => s !== undefined) ? Math.max(...(moved as number[])) : undefined;
    return {
      stack: c.stack,
      cluster: c.cluster,
      date: report.date,
      title: report.title,
      mode: report.mode,
      outcome: report.outcome,
      ...(outageS !== undefined ? { outageS } : {}),
      ...(m?.quorumChangedS !== undefined ? { quorumS: m.quorumChangedS } : {}),
      ...(m?.rejoinedS !== undefined ? { rejoinedS: m.rejoinedS } : {}),
      file,
    };
  });
}

/** The p-th percentile by nearest rank (p in 0..100) of a non-empty list. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((x, y) => x - y);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** Per link, the worst and p95 round trip and the loss over the rounds in [sinceMs, untilMs] (ping samples only). */
export function summariseHistory(rounds: readonly MonitorSample[], sinceMs: number, untilMs: number): HistoryEvidence {
  const inWindow = rounds.filter((r) => r.t >= sinceMs && r.t <= untilMs);
  const byLink = new Map<string, { network: string; a: string; b: string; rtts: number[]; losses: number[]; down: number }>();
  for (const r of inWindow)
    for (const l of r.links) {
      if (l.source !== 'ping') continue;
      const [a, b] = pairOf(l.a, l.b);
      const key = `${l.network}\u0000${a}\u0000${b}`;
      const entry = byLink.get(key) ?? { network: l.network, a, b, rtts: [], losses: [], down: 0 };
      byLink.set(key, entry);
      // A round that could not reach the host measured nothing: it counts as looked at, not as loss.
      if (l.rttMs === undefined && l.error && l.lossPercent >= 100 && /unreach|timed out|refused|auth|host key/i.test(l.error)) continue;
      entry.losses.push(l.lossPercent);
      if (l.lossPercent >= 100) entry.down++;
      if (l.rttMs !== undefined) entry.rtts.push(l.rttMs);
    }
  const round2 = (x: number) => Math.round(x * 100) / 100;
  const links: LinkHistory[] = [...byLink.values()].map((e) => ({
    network: e.network,
    a: e.a,
    b: e.b,
    rounds: e.losses.length,
    measured: e.rtts.length,
    ...(e.rtts.length ? { worstRttMs: round2(Math.max(...e.rtts)), p95RttMs: round2(percentile(e.rtts, 95)) } : {}),
    maxLossPercent: e.losses.length ? round2(Math.max(...e.losses)) : 0,
    meanLossPercent: e.losses.length ? round2(e.losses.reduce((s, x) => s + x, 0) / e.losses.length) : 0,
    downRounds: e.down,
  }));
  return {
    sinceMs,
    untilMs,
    rounds: inWindow.length,
    ...(inWindow.length ? { firstMs: inWindow[0]!.t, lastMs: inWindow[inWindow.length - 1]!.t } : {}),
    links: links.sort((x, y) => x.network.localeCompare(y.network) || x.a.localeCompare(y.a) || x.b.localeCompare(y.b)),
  };
}

/** "0.42 ms" / "31 ms": the figures as the scorecard prints them. */
export function formatMs(ms: number): string {
  return ms >= 10 ? `${Math.round(ms)} ms` : `${(Math.round(ms * 100) / 100).toString()} ms`;
}

/** "2026-12-05 14:03 UTC". */
export function formatWhen(iso: string | number): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
