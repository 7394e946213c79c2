// Measured facts stored beside the workspace file (clusterwright.yaml → clusterwright.latency.json),
// never inside the hand-edited YAML.
import fs from 'node:fs/promises';
import path from 'node:path';
import { factsSchema, type Facts } from '../../common/workspace/index.js';
import { writeFileAtomic } from './atomic-write.js';

export function factsPathFor(workspaceFile: string): string {
  const ext = path.extname(workspaceFile);
  const stem = ext ? workspaceFile.slice(0, -ext.length) : workspaceFile;
  return `${stem}.latency.json`;
}

export interface LoadedFacts {
  facts: Facts;
  /** Why the stored facts were ignored (damaged file); the file is left as it is. */
  problem?: string;
}

export async function loadFacts(workspaceFile: string): Promise<LoadedFacts> {
  const file = factsPathFor(workspaceFile);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return { facts: {} };
  }
  try {
    const parsed = factsSchema.safeParse(JSON.parse(text));
    if (parsed.success) return { facts: parsed.data };
    return { facts: {}, problem: `${file} does not hold measurements this version understands (${parsed.error.issues[0]?.message ?? 'invalid'}); measure again to replace it.` };
  } catch (error) {
    return { facts: {}, problem: `${file} is not valid JSON (${error instanceof Error ? error.message : String(error)}); measure again to replace it.` };
  }
}

export async function saveFacts(workspaceFile: string, facts: Facts): Promise<string> {
  const file = factsPathFor(workspaceFile);
  await writeFileAtomic(file, JSON.stringify(factsSchema.parse(facts), null, 2) + '\n', { backup: false });
  return file;
}
