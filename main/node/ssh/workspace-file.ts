// Reading a workspace file for the SSH side (exec, the SSH service): the whole file parsed and validated.
import fs from 'node:fs';
import path from 'node:path';
import { CwError } from '../../common/errors.js';
import { parseWorkspace, WORKSPACE_FILE_NAME, type Workspace } from '../../common/workspace/index.js';

/** Reads and parses a workspace file (or the clusterwright.yaml in a folder); refuses one with errors. */
export function loadWorkspaceFile(location: string): { file: string; workspace: Workspace } {
  const absolute = path.resolve(location);
  const file = fs.existsSync(absolute) && fs.statSync(absolute).isDirectory() ? path.join(absolute, WORKSPACE_FILE_NAME) : absolute;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new CwError('NOT_FOUND', `There is no workspace file at ${file}. Give the workspace folder or its ${WORKSPACE_FILE_NAME}.`, { path: file });
  }
  const parsed = parseWorkspace(text);
  if (!parsed.workspace) {
    const first = parsed.issues.find((i) => i.severity === 'error');
    throw new CwError('INVALID_INPUT', `The workspace ${file} has errors${first ? ` (line ${first.line ?? '?'}: ${first.message})` : ''}; fix them first (clusterwright validate).`, { path: file });
  }
  return { file, workspace: parsed.workspace };
}
