// When a file fails the schema: the entries that pass it on their own (a broken field cut away where
// the entry still stands without it), so the cross-reference checks run in the same pass and the admin
// sees an unknown site together with a mistyped port, not one after the other.
import type { z } from 'zod';
import type { FieldPath } from './paths.js';
import type { UnreadEntries } from './references.js';
import { WORKSPACE_VERSION, type workspaceSchema, type Workspace } from './schema.js';

interface EntryList {
  /** `['nodes']`, or a section's list (`['<section>', 'clusters']`). */
  path: readonly [string] | readonly [string, string];
  schema: z.ZodType;
}

type SchemaDef = { type: string; shape?: Record<string, unknown>; element?: unknown; innerType?: unknown };
const defOf = (schema: unknown): SchemaDef | undefined => (schema as { _zod?: { def?: SchemaDef } } | undefined)?._zod?.def;
function unwrap(schema: unknown): unknown {
  for (let def = defOf(schema); def && ['optional', 'default', 'nullable', 'prefault'].includes(def.type); def = defOf(schema)) schema = def.innerType;
  return schema;
}

/** Every list of entries the schema has: at the top (sites, nodes, overlays…) and in each section (a stack's clusters). */
function entryListsOf(schema: unknown): EntryList[] {
  const lists: EntryList[] = [];
  for (const [key, field] of Object.entries(defOf(schema)?.shape ?? {})) {
    const def = defOf(unwrap(field));
    if (def?.type === 'array') lists.push({ path: [key], schema: def.element as z.ZodType });
    else if (def?.type === 'object') {
      for (const [inner, innerField] of Object.entries(def.shape ?? {})) {
        const innerDef = defOf(unwrap(innerField));
        if (innerDef?.type === 'array') lists.push({ path: [key, inner], schema: innerDef.element as z.ZodType });
      }
    }
  }
  return lists;
}

export interface SalvagedWorkspace {
  /** The readable part of the file as a model (entries that failed are left out). */
  workspace: Workspace;
  /** Names of the entries left out: references to them are not errors of their own. */
  unread: UnreadEntries;
  /** A path in `workspace` → the same place in the file (list indices as the file has them). */
  toFilePath(path: FieldPath): FieldPath;
}

type Bag = Record<string | number, unknown>;

const isBag = (v: unknown): v is Bag => v !== null && typeof v === 'object';

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const segment of path) {
    if (!isBag(value)) return undefined;
    value = value[segment as string];
  }
  return value;
}

/**
 * Parses one entry; where it fails, removes the field at fault (never an item of an inner list, whose
 * removal would move the indices: the whole list goes instead) and tries again. Undefined when the
 * entry cannot stand without what is broken.
 */
function salvageEntry(schema: z.ZodType, entry: unknown): unknown {
  const candidate: unknown = JSON.parse(JSON.stringify(entry ?? null));
  for (let round = 0; round < 16; round++) {
    const result = schema.safeParse(candidate);
    if (result.success) return result.data;
    let changed = false;
    for (const issue of result.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        const parent = valueAt(candidate, issue.path);
        if (isBag(parent)) for (const key of issue.keys) changed = delete parent[key] || changed;
        continue;
      }
      const path = issue.path;
      let cut = path.findIndex((segment) => typeof segment === 'number');
      cut = (cut < 0 ? path.length : cut) - 1;
      // A required field that is already gone: cut its parent instead (when that is a key, not a list item).
      while (cut >= 0 && valueAt(candidate, path.slice(0, cut + 1)) === undefined) cut--;
      if (cut < 0) continue;
      const parent = valueAt(candidate, path.slice(0, cut));
      if (isBag(parent) && !Array.isArray(parent)) changed = delete parent[path[cut] as string] || changed;
    }
    if (!changed) return undefined;
  }
  return undefined;
}

/**
 * The readable part of a file that failed `schema` (the workspace schema for the stacks in use), or
 * undefined when not even its frame is readable.
 */
export function salvageWorkspace(raw: unknown, schema: typeof workspaceSchema): SalvagedWorkspace | undefined {
  if (!isBag(raw) || Array.isArray(raw)) return undefined;
  const candidate: Bag = { version: WORKSPACE_VERSION, name: 'workspace' };
  const unread = new Map<string, Set<string>>();
  const kept = new Map<EntryList, number[]>();
  for (const list of entryListsOf(schema)) {
    const entries = valueAt(raw, list.path);
    const indices: number[] = [];
    const readable: unknown[] = [];
    if (Array.isArray(entries)) {
      entries.forEach((entry, i) => {
        const parsed = salvageEntry(list.schema, entry);
        if (parsed !== undefined) {
          indices.push(i);
          readable.push(parsed);
        } else if (isBag(entry) && typeof entry.name === 'string') {
          const key = list.path.join('.');
          unread.set(key, (unread.get(key) ?? new Set()).add(entry.name));
        }
      });
    }
    kept.set(list, indices);
    if (list.path.length === 1) candidate[list.path[0]] = readable;
    else {
      const [section, key] = list.path;
      if (!isBag(raw[section])) continue;
      candidate[section] = { ...(isBag(candidate[section]) ? candidate[section] : {}), [key]: readable };
    }
  }
  const layout = salvageEntry(schema.shape.layout, raw.layout);
  if (layout !== undefined) candidate.layout = layout;
  const result = schema.safeParse(candidate);
  if (!result.success) return undefined;
  return {
    workspace: result.data,
    unread: { has: (list, name) => unread.get(list)?.has(name) === true, count: (list) => unread.get(list)?.size ?? 0 },
    toFilePath(path) {
      for (const [list, indices] of kept) {
        const n = list.path.length;
        const index = path[n];
        if (typeof index !== 'number' || !list.path.every((segment, i) => path[i] === segment)) continue;
        const original = indices[index];
        return original === undefined ? path : [...path.slice(0, n), original, ...path.slice(n + 1)];
      }
      return path;
    },
  };
}
