// The plan preview in a person's words: one line per step (its node, what it does) and the search
// over everything a step shows. Pure.
import type { StepPreview } from '../../../../main/common/contract/plan.js';
import { commandGist } from './shell-tokens.js';

/** What a step does, in a few words: "runs pvecm create homelab", "writes /etc/hosts (+2 −1)". */
export function stepGist(step: StepPreview): string {
  if (step.kind === 'upload' && step.upload) {
    const { path, exists, unchanged, diff } = step.upload;
    if (unchanged) return `writes ${path} (unchanged)`;
    if (!exists) return `creates ${path}`;
    const lines = diff.split('\n');
    const added = lines.filter((l) => l.startsWith('+') && !l.startsWith('+++')).length;
    const removed = lines.filter((l) => l.startsWith('-') && !l.startsWith('---')).length;
    return diff ? `changes ${path} (+${added} −${removed})` : `writes ${path}`;
  }
  if (step.kind === 'api' && step.request) return `calls ${step.request.method} ${step.request.path}`;
  if (step.kind === 'wait' && step.wait) {
    // A long condition (a whole script) stays in the details; the title says what is awaited.
    const until = step.wait.until.length <= 60 ? `until ${step.wait.until}` : 'for its check to pass';
    return `waits ${until} (up to ${Math.round(step.wait.deadlineMs / 1000)} s)`;
  }
  if (step.command) {
    const gist = commandGist(step.command);
    return gist ? `runs ${gist}` : 'runs a script';
  }
  return step.kind;
}

/** Everything a step shows, for the search. */
function searchable(step: StepPreview): string[] {
  return [
    step.id,
    step.title,
    step.target,
    step.command,
    step.operation?.text,
    step.request?.method,
    step.request?.path,
    step.request?.body,
    step.upload?.path,
    step.upload?.diff,
    step.wait?.until,
    step.precheck,
    step.verify,
    step.rollback,
  ].filter((x): x is string => Boolean(x));
}

/** True when the query (case-insensitive, every word somewhere in the step) matches. */
export function stepMatches(step: StepPreview, query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const haystack = searchable(step).join('\n').toLowerCase();
  return words.every((w) => haystack.includes(w));
}

/** Splits text around the query's words, for <mark>: [text, matched?][]. */
export function splitMatches(text: string, query: string): [string, boolean][] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0 || !text) return [[text, false]];
  const lower = text.toLowerCase();
  const marked = new Array<boolean>(text.length).fill(false);
  for (const w of words) {
    for (let at = lower.indexOf(w); at >= 0; at = lower.indexOf(w, at + 1)) marked.fill(true, at, at + w.length);
  }
  const out: [string, boolean][] = [];
  let start = 0;
  for (let i = 1; i <= text.length; i++) {
    if (i === text.length || marked[i] !== marked[start]) {
      out.push([text.slice(start, i), marked[start]!]);
      start = i;
    }
  }
  return out;
}

/** Steps grouped by the node (or API) they act on, in plan order. */
export function stepsByTarget(steps: readonly StepPreview[]): Map<string, StepPreview[]> {
  const map = new Map<string, StepPreview[]>();
  for (const step of steps) map.set(step.target, [...(map.get(step.target) ?? []), step]);
  return map;
}
