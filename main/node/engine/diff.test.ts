import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { unifiedDiff } from './diff.js';
import { tempDir } from './test-helpers.js';

const hasPatch = spawnSync('sh', ['-c', 'command -v patch'], { encoding: 'utf8' }).status === 0;

/** Applies a diff with patch(1) and returns the result: the diff is right only if patch agrees. */
function patched(before: string, diff: string): string {
  const dir = tempDir('cw-diff-');
  const file = path.join(dir, 'f');
  fs.writeFileSync(file, before);
  const run = spawnSync('patch', ['-s', '-u', file], { input: diff, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`patch failed: ${run.stdout}${run.stderr}`);
  return fs.readFileSync(file, 'utf8');
}

describe('unified diff for the preview', () => {
  it('is empty for equal files and shows a new file against /dev/null', () => {
    expect(unifiedDiff('/etc/x', 'a\n', 'a\n')).toBe('');
    expect(unifiedDiff('/etc/x', null, 'a\nb\n')).toBe('--- /dev/null\n+++ b/etc/x\n@@ -0,0 +1,2 @@\n+a\n+b\n');
  });

  // Debian package: patch.
  it.skipIf(!hasPatch)('produces hunks that patch(1) applies to get exactly the new file', () => {
    const lines = Array.from({ length: 40 }, (_, i) => `line ${i}`);
    const before = lines.join('\n') + '\n';
    const edits: string[][] = [
      lines.map((l, i) => (i === 3 ? 'changed 3' : l)),
      lines.map((l, i) => (i === 3 || i === 30 ? `changed ${i}` : l)),
      [...lines.slice(0, 10), 'inserted', ...lines.slice(10)],
      lines.filter((_, i) => i % 7 !== 0),
      ['new first', ...lines, 'new last'],
      [],
    ];
    for (const edit of edits) {
      const after = edit.length ? edit.join('\n') + '\n' : '';
      const diff = unifiedDiff('/f', before, after);
      expect(patched(before, diff)).toBe(after);
    }
    const two = unifiedDiff('/f', before, edits[1]!.join('\n') + '\n');
    expect(two.match(/^@@/gm)).toHaveLength(2);
  });
});
