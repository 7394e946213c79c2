// When a file fails the schema: the entries that pass it on their own (a broken field cut away where
// the entry still stands without it), so the cross-reference checks run in the same pass and the admin
// sees an unknown site together with a mistyped port, not one after the other.
import type { z } from 'zod';
import { overlaySchema } from '../overlay/schema.js';
import type { FieldPath } from './paths.js';
import type { UnreadEntries } from './references.js';
import {
  networkSchema,
  nodeSchema,
  openstackInterconnectSchema,
  openstackRegionSchema,
  proxmoxClusterSchema,
  siteSchema,
  vsanClusterSchema,
  WORKSPACE_VERSION,
  workspaceSchema,
  type Workspace,
} from './schema.js';

interface EntryList {
  path: readonly [string] | readonly [string, string];
  schema: z.ZodType;
  /** Entries of this list are named by others (their names go to UnreadEntries when they cannot be read). */
  names?: keyof UnreadEntries;
}

const entryLists: readonly EntryList[] = [
  { path: ['sites'], schema: siteSchema, names: 'sites' },
  { path: ['networks'], schema: networkSchema, names: 'networks' },
  { path: ['nodes'], schema: nodeSchema, names: 'nodes' },
  { path: ['proxmox', 'clusters'], schema: proxmoxClusterSchema },
  { path: ['openstack', 'regions'], schema: openstackRegionSchema, names: 'regions' },
  { path: ['openstack', 'interconnects'], schema: openstackInterconnectSchema },
  { path: ['vsan', 'clusters'], schema: vsanClusterSchema },
  { path: ['overlays'], schema: overlaySchema },
];

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

/** The readable part of a file that failed the schema, or undefined when not even its frame is readable. */
export function salvageWorkspace(raw: unknown): SalvagedWorkspace | undefined {
  if (!isBag(raw) || Array.isArray(raw)) return undefined;
  const candidate: Bag = { version: WORKSPACE_VERSION, name: 'workspace' };
  const unread: { [K in keyof UnreadEntries]: Set<string> } = { sites: new Set(), networks: new Set(), nodes: new Set(), regions: new Set() };
  const kept = new Map<EntryList, number[]>();
  for (const list of entryLists) {
    const entries = valueAt(raw, list.path);
    const indices: number[] = [];
    const readable: unknown[] = [];
    if (Array.isArray(entries)) {
      entries.forEach((entry, i) => {
        const parsed = salvageEntry(list.schema, entry);
        if (parsed !== undefined) {
          indices.push(i);
          readable.push(parsed);
        } else if (list.names && isBag(entry) && typeof entry.name === 'string') unread[list.names].add(entry.name);
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
  const layout = salvageEntry(workspaceSchema.shape.layout, raw.layout);
  if (layout !== undefined) candidate.layout = layout;
  const result = workspaceSchema.safeParse(candidate);
  if (!result.success) return undefined;
  return {
    workspace: result.data,
    unread,
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
