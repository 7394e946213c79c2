// The monitoring history beside a workspace, read without opening the store (no folder made, nothing pruned):
// `clusterwright validate` quotes the last day of it on the scorecard without a core. The app reads it through
// the monitor service instead (its store holds rounds not yet on disk).
import fs from 'node:fs';
import path from 'node:path';
import { monitorSampleSchema, type MonitorSample } from '../../common/monitor/model.js';
import { segmentName } from './store.js';

/** The store's folder for a workspace file: `clusterwright.monitor/` beside it. */
export function monitorDirOf(workspaceFile: string): string {
  return path.join(path.dirname(workspaceFile), 'clusterwright.monitor');
}

/** Rounds since `sinceMs`, oldest first; none when the folder does not exist. Torn or foreign lines are passed over. */
export function readMonitorHistory(dir: string, sinceMs: number): MonitorSample[] {
  if (!fs.existsSync(dir)) return [];
  const segments = fs
    .readdirSync(dir)
    .map((name) => ({ name, m: segmentName.exec(name) }))
    .filter((e) => e.m)
    .map((e) => ({ file: path.join(dir, e.name), start: Number(e.m![1]) }))
    .sort((a, b) => a.start - b.start);
  const rounds: MonitorSample[] = [];
  for (const [i, seg] of segments.entries()) {
    // A segment whose successor starts before the window holds nothing in it.
    const next = segments[i + 1];
    if (next && next.start < sinceMs) continue;
    for (const line of fs.readFileSync(seg.file, 'utf8').split('\n')) {
      if (!line) continue;
      try {
        const parsed = monitorSampleSchema.safeParse(JSON.parse(line));
        if (parsed.success && parsed.data.t >= sinceMs) rounds.push(parsed.data);
      } catch {
        /* a torn line */
      }
    }
  }
  return rounds.sort((a, b) => a.t - b.t);
}
