// The base of the workspace model (version 1): sites, networks, nodes and the canvas layout — what every
// stack section refers to. Stack sections (main/common/stacks/<id>/schema.ts) import only this file; the
// composed schema (schema.ts) adds them from the stack registry. Objects are strict so that misspelt keys
// are found; the parser reports them as warnings.
import * as z from 'zod';
import type { WORKSPACE_VERSION } from './file-format.js';
import { isCidr } from './ip.js';
import { checkIdentityFile, checkIpAddress, checkJumpSpec, checkLabel, checkSecretId, checkSshHost, checkUserName, hasControlCharacters } from './names.js';

export { WORKSPACE_FILE_NAME, WORKSPACE_VERSION } from './file-format.js';

/** Names that other parts of the file refer to (sites, nodes, networks, clusters, regions). */
export const nameSchema = z
  .string()
  .min(1, 'expected a non-empty name')
  .max(63, 'expected a name of at most 63 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected a name made of letters, digits, ".", "_" or "-", starting with a letter or digit');

/** The value as shown in a message: at most 40 characters, control characters escaped. */
function shown(value: string): string {
  const short = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  return JSON.stringify(short).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

/**
 * A string that names something on a host, checked by that system's own rules (see names.ts): the error
 * says what is expected and what was found, and the parser adds the field path, line and column.
 */
export function hostValue(check: (value: string) => string | undefined) {
  return z.string().superRefine((value, ctx) => {
    const expected = check(value);
    if (expected) ctx.addIssue({ code: 'custom', message: `expected ${expected}, found ${shown(value)}` });
  });
}

/** Text that is only shown (titles): one line, no control characters. */
export const titleText = (max: number) =>
  z
    .string()
    .min(1, 'expected a non-empty text')
    .max(max, `expected at most ${max} characters`)
    .refine((v) => !hasControlCharacters(v), 'expected one line of text without control characters');

export const ipAddressSchema = hostValue(checkIpAddress);
export const secretIdSchema = hostValue(checkSecretId);
export const cidrSchema = z.string().refine(isCidr, 'expected a CIDR prefix such as 10.0.0.0/24');

export const siteKinds = ['lan', 'man', 'wan', 'internet'] as const;
export const siteSchema = z.strictObject({
  name: nameSchema,
  /** How this site is reached from the others: same LAN, metro, WAN or over the Internet. */
  kind: z.enum(siteKinds),
  location: z.string().optional(),
  notes: z.string().optional(),
});

/** Kinds of traffic the rules want kept apart; every network role belongs to one. */
export const trafficKindNames = ['cluster control', 'storage', 'VM traffic', 'management'] as const;
export type TrafficKind = (typeof trafficKindNames)[number];

/** Network roles every stack shares; stacks add their own (see StackDefinition.networkRoles). */
export const generalNetworkRoles = {
  witness: 'cluster control',
  management: 'management',
  'vm-data': 'VM traffic',
  storage: 'storage',
  migration: 'storage',
} as const satisfies Record<string, TrafficKind>;

/** A network's schema for a list of roles (the composed schema passes every registered stack's roles). */
export function networkSchemaFor<const R extends readonly [string, ...string[]]>(roles: R) {
  return z.strictObject({
    name: nameSchema,
    /** What travels on it; more than one role means the traffic shares the network. */
    roles: z.array(z.enum(roles)).min(1, 'expected at least one role'),
    cidr: cidrSchema.optional(),
    bandwidthGbps: z.number().positive('expected a bandwidth above 0 Gbps').optional(),
    vlan: z.number().int().min(1).max(4094).optional(),
    notes: z.string().optional(),
  });
}

/** How to reach a node over SSH. Identities are referenced by file path or secret id, never inlined. */
export const sshTargetSchema = z.strictObject({
  /** An address, an RFC 1123 host name or a ~/.ssh/config alias. */
  host: hostValue(checkSshHost).optional(),
  port: z.number().int().min(1).max(65535).optional(),
  /** A POSIX user name. */
  user: hostValue(checkUserName).optional(),
  /** Absolute, or under the home folder (~/). */
  identityFile: hostValue(checkIdentityFile).optional(),
  identitySecret: secretIdSchema.optional(),
  /** Jump hosts in order: a node name of this workspace or [user@]host[:port]. */
  jump: z.array(hostValue(checkJumpSpec)).optional(),
});

export const nodeSchema = z.strictObject({
  name: nameSchema,
  site: nameSchema,
  /** Address of this node on each network, by network name. */
  addresses: z.record(nameSchema, ipAddressSchema).default({}),
  ssh: sshTargetSchema.optional(),
  /** Free labels shown on the node card (stack roles come from the stack sections). */
  labels: z.array(hostValue((v) => (v === '' ? 'a non-empty label' : checkLabel(v)))).optional(),
  notes: z.string().optional(),
});

export const positionSchema = z.strictObject({ x: z.number(), y: z.number() });

export const layoutSchema = z.strictObject({
  nodes: z.record(z.string(), positionSchema).optional(),
  sites: z.record(z.string(), positionSchema).optional(),
});

export type Site = z.output<typeof siteSchema>;
export type WorkspaceNode = z.output<typeof nodeSchema>;
export type Network = z.output<ReturnType<typeof networkSchemaFor<readonly [string, ...string[]]>>>;

/** What a stack section may rely on: the base of every workspace (its own section is added by its type). */
export interface BaseWorkspace {
  version: typeof WORKSPACE_VERSION;
  name: string;
  description?: string | undefined;
  sites: Site[];
  networks: Network[];
  nodes: WorkspaceNode[];
  layout?: z.output<typeof layoutSchema> | undefined;
}

/** Where a problem in the file is: line and column are 1-based. */
export const issueSchema = z.object({
  severity: z.enum(['error', 'warning']),
  /** yaml-syntax, schema, unknown-key, reference, version, duplicate */
  code: z.string(),
  message: z.string(),
  /** Field path such as nodes[2].site; "(root)" for the whole file. */
  path: z.string(),
  expected: z.string().optional(),
  line: z.number().int().optional(),
  column: z.number().int().optional(),
});
export type WorkspaceIssue = z.infer<typeof issueSchema>;
