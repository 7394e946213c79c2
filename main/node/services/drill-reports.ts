// The failover drill's saved reports (the drill service writes them): where they are and how they are read back,
// without the rest of the drill service, so `clusterwright validate` can quote them without a lab or an engine.
import fs from 'node:fs';
import path from 'node:path';
import { drillReportSchema, type DrillReport } from '../../common/drill/model.js';

/** Where a workspace's drill reports are saved: `drills/` in its folder. */
export function drillsDirOf(workspacePath: string): string {
  return path.join(fs.existsSync(workspacePath) && fs.statSync(workspacePath).isDirectory() ? workspacePath : path.dirname(workspacePath), 'drills');
}

/** The saved drill reports of a workspace, newest first (files that are not reports are passed over). Read-only. */
export function readDrillReports(workspacePath: string): (DrillReport & { file: string })[] {
  const dir = drillsDirOf(workspacePath);
  const reports: (DrillReport & { file: string })[] = [];
  for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    if (!name.endsWith('.json')) continue;
    const file = path.join(dir, name);
    try {
      const parsed = drillReportSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
      if (parsed.success) reports.push({ ...parsed.data, file });
    } catch {
      /* not a report */
    }
  }
  return reports.sort((a, b) => b.date.localeCompare(a.date));
}

