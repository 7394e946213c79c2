// Unified diffs of a remote file's current content against what a plan would upload, for the preview.

type Op = { kind: ' ' | '-' | '+'; line: string };

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Line operations turning `a` into `b` (longest common subsequence; plain replace for huge files). */
function lineOps(a: string[], b: string[]): Op[] {
  // Common head and tail first: typical config edits touch a few lines in the middle.
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);
  const ops: Op[] = a.slice(0, head).map((line) => ({ kind: ' ', line }));
  if (midA.length * midB.length > 4_000_000) {
    ops.push(...midA.map((line) => ({ kind: '-' as const, line })), ...midB.map((line) => ({ kind: '+' as const, line })));
  } else {
    const n = midA.length;
    const m = midB.length;
    const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
    for (let i = n - 1; i >= 0; i--) {
      const row = lcs[i]!;
      const below = lcs[i + 1]!;
      for (let j = m - 1; j >= 0; j--) row[j] = midA[i] === midB[j] ? below[j + 1]! + 1 : Math.max(below[j]!, row[j + 1]!);
    }
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      if (midA[i] === midB[j]) {
        ops.push({ kind: ' ', line: midA[i]! });
        i++;
        j++;
      } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) ops.push({ kind: '-', line: midA[i++]! });
      else ops.push({ kind: '+', line: midB[j++]! });
    }
    while (i < n) ops.push({ kind: '-', line: midA[i++]! });
    while (j < m) ops.push({ kind: '+', line: midB[j++]! });
  }
  ops.push(...a.slice(a.length - tail).map((line) => ({ kind: ' ' as const, line })));
  return ops;
}

/**
 * A unified diff (`--- a/path`, `+++ b/path`, `@@` hunks with `context` lines around changes);
 * empty string when the contents are equal. `before` null means the file does not exist yet.
 */
export function unifiedDiff(path: string, before: string | null, after: string, context = 3): string {
  if (before === after) return '';
  const a = splitLines(before ?? '');
  const b = splitLines(after);
  const ops = lineOps(a, b);
  const changed = ops.map((op, index) => (op.kind !== ' ' ? index : -1)).filter((index) => index >= 0);
  const out = [before === null ? '--- /dev/null' : `--- a${path}`, `+++ b${path}`];
  if (changed.length === 0) {
    // Same lines, different trailing newline.
    out.push('@@ -0,0 +0,0 @@', '\\ the files differ only in the newline at the end');
    return out.join('\n') + '\n';
  }
  let index = 0;
  while (index < changed.length) {
    const start = Math.max(0, changed[index]! - context);
    let end = Math.min(ops.length, changed[index]! + context + 1);
    while (index + 1 < changed.length && changed[index + 1]! - context <= end) {
      index++;
      end = Math.min(ops.length, changed[index]! + context + 1);
    }
    index++;
    let lineA = 1;
    let lineB = 1;
    for (const op of ops.slice(0, start)) {
      if (op.kind !== '+') lineA++;
      if (op.kind !== '-') lineB++;
    }
    const hunk = ops.slice(start, end);
    const countA = hunk.filter((op) => op.kind !== '+').length;
    const countB = hunk.filter((op) => op.kind !== '-').length;
    out.push(`@@ -${countA === 0 ? lineA - 1 : lineA},${countA} +${countB === 0 ? lineB - 1 : lineB},${countB} @@`);
    for (const op of hunk) out.push(`${op.kind}${op.line}`);
  }
  return out.join('\n') + '\n';
}
