// The list of recently opened workspaces, kept in the data folder (recent-workspaces.json).
import fs from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import { writeFileAtomic } from './atomic-write.js';

export const RECENT_LIMIT = 10;

const recentFileSchema = z.object({
  version: z.literal(1),
  entries: z.array(z.object({ path: z.string(), name: z.string(), openedAt: z.string() })),
});
export type RecentEntry = z.infer<typeof recentFileSchema>['entries'][number];

export class RecentList {
  constructor(readonly file: string) {}

  /** The entries, newest first; a missing or damaged list reads as empty. */
  async list(): Promise<RecentEntry[]> {
    try {
      const parsed = recentFileSchema.safeParse(JSON.parse(await fs.readFile(this.file, 'utf8')));
      return parsed.success ? parsed.data.entries : [];
    } catch {
      return [];
    }
  }

  async remember(entry: RecentEntry): Promise<RecentEntry[]> {
    const entries = [entry, ...(await this.list()).filter((e) => e.path !== entry.path)].slice(0, RECENT_LIMIT);
    await fs.mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.file, JSON.stringify({ version: 1, entries }, null, 2) + '\n', { mode: 0o600 });
    return entries;
  }
}
