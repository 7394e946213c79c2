// The seam cannot rot: outside a stack's own folders no product file names a stack, except the registries'
// import lines and their one list. The few other mentions are listed here with their reason and count, so a
// new one fails this test instead of slipping in.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stacks } from '../../main/common/stacks/registry.js';
import { workspaceStacks } from '../../main/common/stacks/workspace-registry.js';

const root = path.resolve(import.meta.dirname, '../..');
const scanned = ['main', 'renderer/src'];
/** A stack's own folders (and a stack folder a registered stack does not have yet, e.g. a renderer part). */
const stackFolder = /(^|\/)stacks\/[a-z0-9]+\//;
const names = [...new Set([...stacks.map((s) => s.id), ...stacks.map((s) => s.section.key), 'vsphere'])];
const named = new RegExp(names.join('|'), 'i');

/** Mentions that are not the seam leaking: file → [the most lines allowed, why]. */
const allowed: Record<string, [number, string]> = {
  'main/common/secrets/passphrase-strength.ts': [2, 'a word admins pick as a passphrase, not the stack'],
  'main/common/overlay/test-estate.ts': [4, "the overlay tests' estate (test data with a cluster section)"],
  'main/common/overlay/schema.ts': [1, 'a comment listing kinds of traffic an overlay may carry'],
  'renderer/src/features/whatif/test-workspaces.ts': [3, "the what-if tests' workspace (test data with a cluster section)"],
};
const registries = ['main/common/stacks/registry.ts', 'main/common/stacks/workspace-registry.ts', 'main/node/stacks/registry.ts', 'renderer/src/stacks/registry.ts'];

function files(dir: string): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return files(rel);
    return /\.(ts|tsx|mjs|js|cjs)$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [rel] : [];
  });
}

function mentions(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of scanned.flatMap(files)) {
    if (stackFolder.test(file)) continue;
    const lines = fs
      .readFileSync(path.join(root, file), 'utf8')
      .split('\n')
      .filter((l) => named.test(l));
    if (lines.length) found.set(file, lines);
  }
  return found;
}

describe('the stack seam', () => {
  const found = mentions();

  it('the registries name each stack on its import line and in the one list only', () => {
    for (const file of registries) {
      const lines = found.get(file) ?? [];
      const imports = lines.filter((l) => /^import \{ \w+ \} from '\.\/[a-z0-9]+\/[\w-]+\.js';$/.test(l));
      const lists = lines.filter((l) => !imports.includes(l));
      expect(lists, file).toHaveLength(1);
      expect(imports.length, file).toBeGreaterThan(0);
    }
  });

  it('no other product file outside a stack folder names a stack, beyond the listed mentions', () => {
    const leaks = [...found].filter(([file]) => !registries.includes(file)).filter(([file, lines]) => !allowed[file] || lines.length > allowed[file][0]);
    expect(leaks.map(([file, lines]) => `${file}: ${lines.map((l) => l.trim()).join(' | ')}`)).toEqual([]);
  });

  it("the workspace registry lists each registered stack's workspace part, in the registry's order", () => {
    expect(workspaceStacks.map((s) => s.id)).toEqual(stacks.map((s) => s.id));
    // Each definition is its workspace part and its contract: every field of the part, the same values.
    stacks.forEach((definition, i) => {
      for (const [key, value] of Object.entries(workspaceStacks[i]!)) expect((definition as unknown as Record<string, unknown>)[key], `${definition.id}.${key}`).toBe(value);
    });
  });

  it('catches a mention: the scan sees what it should', () => {
    expect(named.test('const cluster = workspace.proxmox;')).toBe(true);
    expect(named.test('// a vSAN witness')).toBe(true);
    expect(stackFolder.test('main/node/stacks/proxmox/client.ts')).toBe(true);
    expect(stackFolder.test('main/node/stacks/registry.ts')).toBe(false);
    // The scan reads real files: the stack folders do name their stack.
    expect(fs.readFileSync(path.join(root, 'main/node/stacks/proxmox/module.ts'), 'utf8')).toMatch(named);
  });
});
