// The workspace file's model (version 1), composed: the base (sites, networks, nodes, layout), each
// registered stack's section under its key, and the overlays. `composeWorkspaceSchema` builds the same
// for another list of stacks (a test's own stack).
import * as z from 'zod';
import { overlaysSchema } from '../overlay/schema.js';
import { networkRolesOf, type StackList } from '../stacks/compose.js';
import type { AnyStackWorkspace } from '../stacks/types.js';
import { workspaceStacks } from '../stacks/workspace-registry.js';
import { layoutSchema, networkSchemaFor, nodeSchema, siteSchema, titleText, WORKSPACE_VERSION } from './base.js';

export * from './base.js';

type SectionsOf<L extends readonly AnyStackWorkspace[]> = { [D in L[number] as D['section']['key']]: z.ZodOptional<D['section']['schema']> };

/** The workspace schema for a list of stacks: their sections and network roles beside the base. */
export function composeWorkspaceSchema<const L extends readonly AnyStackWorkspace[]>(list: L) {
  const sections = Object.fromEntries(list.map((s) => [s.section.key, s.section.schema.optional()])) as SectionsOf<L>;
  return z.strictObject({
    version: z.literal(WORKSPACE_VERSION),
    name: titleText(200),
    description: z.string().optional(),
    sites: z.array(siteSchema).default([]),
    networks: z.array(networkSchemaFor(networkRolesOf(list as StackList))).default([]),
    nodes: z.array(nodeSchema).default([]),
    ...sections,
    /** Encrypted WireGuard overlays between sites (or nodes) that meet over the Internet. */
    overlays: overlaysSchema.optional(),
    /** Canvas positions saved by the app. */
    layout: layoutSchema.optional(),
  });
}

export const workspaceSchema = composeWorkspaceSchema(workspaceStacks);

const composed = new WeakMap<StackList, ReturnType<typeof composeWorkspaceSchema>>();

/** The registered stacks, as their workspace parts or their whole definitions (each spreads its workspace part). */
function isRegistered(list: StackList): boolean {
  return list.length === workspaceStacks.length && list.every((s, i) => s.section === workspaceStacks[i]!.section && s.networkRoles === workspaceStacks[i]!.networkRoles);
}

/** The schema for a list of stacks, built once per list (the registered stacks' when none is given). */
export function workspaceSchemaFor(list?: StackList): typeof workspaceSchema {
  if (!list || list === (workspaceStacks as StackList) || isRegistered(list)) return workspaceSchema;
  let schema = composed.get(list);
  if (!schema) composed.set(list, (schema = composeWorkspaceSchema(list)));
  // A test's own stacks type their sections loosely; the model is the same shape.
  return schema as unknown as typeof workspaceSchema;
}

/** Every network role the registered stacks and the general model know, in the order the app offers them. */
export const networkRoles = networkRolesOf(workspaceStacks);

export type Workspace = z.output<typeof workspaceSchema>;
export type WorkspaceInput = z.input<typeof workspaceSchema>;
