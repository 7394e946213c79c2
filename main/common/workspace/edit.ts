// One safe entry point for writing an edited model back into its file's text: the minimal-diff
// splice is checked by parsing it again, with the whole-document writer as the fallback.
import { parseWorkspace, type ParseOptions, type ParsedWorkspace } from './parse.js';
import { applyWorkspaceEdit, documentText, editWorkspaceText, equal, serializeWorkspace } from './serialize.js';
import type { Workspace } from './schema.js';

function sameModel(a: unknown, b: unknown): boolean {
  return equal(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)));
}

/**
 * The new file text for `next`, given the text the current model was parsed from.
 * Returns the text and its parse (which the caller must check before writing).
 */
export function renderWorkspaceEdit(text: string, parsed: ParsedWorkspace | undefined, next: Workspace, options: ParseOptions = {}): { text: string; parsed: ParsedWorkspace } {
  const attempts: (() => string)[] = [];
  if (parsed?.workspace) {
    const prev = parsed.workspace;
    attempts.push(() => editWorkspaceText(text, parsed.document, prev, next));
    attempts.push(() => documentText(applyWorkspaceEdit(parsed.document, prev, next)));
  }
  attempts.push(() => serializeWorkspace(next));
  let last: { text: string; parsed: ParsedWorkspace } | undefined;
  for (const attempt of attempts) {
    let candidate: string;
    try {
      candidate = attempt();
    } catch {
      continue;
    }
    const reparsed = parseWorkspace(candidate, options);
    last = { text: candidate, parsed: reparsed };
    if (reparsed.workspace && sameModel(reparsed.workspace, next)) return last;
  }
  return last ?? { text: serializeWorkspace(next), parsed: parseWorkspace(serializeWorkspace(next), options) };
}
