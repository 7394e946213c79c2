// The official Proxmox VE API schema (pve-docs apidata): path/method lookup and a validator for
// PVE's JSON-schema dialect, used to check every request the client sends and every test-server reply.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CwError } from '../../../common/errors.js';

/** One schema node as PVE writes it (a loose JSON-schema draft 2 with PVE extensions). */
export interface PveSchema {
  type?: string | string[];
  optional?: number | boolean;
  description?: string;
  format?: string | Record<string, PveSchema>;
  properties?: Record<string, PveSchema>;
  additionalProperties?: number | boolean | PveSchema;
  items?: PveSchema;
  enum?: unknown[];
  pattern?: string;
  minimum?: number | string;
  maximum?: number | string;
  maxLength?: number;
  minLength?: number;
  requires?: string;
  alias?: string;
  keyAlias?: string;
  default_key?: number;
  oneOf?: PveSchema[];
  'type-property'?: string;
  'instance-types'?: string[];
  [key: string]: unknown;
}

/** One API method as the schema describes it. */
export interface ApiMethodInfo {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  name: string;
  description?: string;
  allowtoken?: number;
  protected?: number;
  proxyto?: string;
  permissions?: { check?: unknown[]; user?: string; description?: string };
  parameters: PveSchema;
  returns: PveSchema;
}

interface ApiTreeNode {
  path: string;
  text: string;
  leaf?: number;
  info?: Partial<Record<string, ApiMethodInfo>>;
  children?: ApiTreeNode[];
}

export interface SchemaIssue {
  /** Dotted location of the offending value, e.g. `link0.priority` or `[2].quorate`. */
  at: string;
  message: string;
}

export interface RouteMatch {
  /** The path template from the schema, e.g. `/nodes/{node}/qemu/{vmid}/migrate`. */
  template: string;
  info: ApiMethodInfo;
  /** Values of the `{…}` segments, URL-decoded. */
  pathParams: Record<string, string>;
}

export interface ValidationResult {
  ok: boolean;
  issues: SchemaIssue[];
  /** Named formats met during validation that this validator does not implement (value not checked). */
  uncheckedFormats: string[];
}

/** `form`: values as they arrive from an HTTP form or query (strings). `json`: values as parsed JSON. */
export type ValueEncoding = 'form' | 'json';

type Ctx = { issues: SchemaIssue[]; unchecked: Set<string>; encoding: ValueEncoding };

const truthy = (v: unknown): boolean => v === 1 || v === true || v === '1';

// ---------------------------------------------------------------------------------------------
// Named formats (a subset of PVE::JSONSchema's register_format calls and the stacks' own ones).

const namePart = '[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?';
const dnsNameRe = new RegExp(`^(?:${namePart}\\.)*${namePart}$`);
const nodeNameRe = new RegExp(`^${namePart}$`);
const configIdRe = /^[a-z][a-z0-9_-]+$/i;
const storageIdRe = /^[a-z][a-z0-9\-_.]*[a-z0-9]$/i;
const vmidRe = /^[1-9][0-9]{2,8}$/;
const realmRe = /^[A-Za-z][A-Za-z0-9.\-_]+$/;

function cidr(value: string, family: 4 | 6): boolean {
  const m = /^(.*)\/(\d+)$/.exec(value);
  if (!m) return false;
  const bits = Number(m[2]);
  const ok = family === 4 ? net.isIPv4(m[1]!) : net.isIPv6(m[1]!);
  return ok && bits > 7 && bits <= (family === 4 ? 32 : 128);
}

function idMap(value: string, idOk: (id: string) => boolean): string | undefined {
  let hasDefault = false;
  let identity = false;
  let entries = 0;
  for (const entry of splitList(value)) {
    if (entry === '1') identity = true;
    else if (/^[^:]+:[^:]+$/.test(entry)) {
      const [a, b] = entry.split(':') as [string, string];
      if (!idOk(a) || !idOk(b)) return `entry '${entry}' contains an invalid ID`;
      entries++;
    } else {
      if (!idOk(entry)) return `entry '${entry}' contains an invalid ID`;
      if (hasDefault) return 'default target ID can only be provided once';
      hasDefault = true;
    }
  }
  if (identity && (hasDefault || entries > 0)) return 'identity mapping cannot be combined with other mappings';
  return undefined;
}

/** A check returns an error text, or undefined when the value is fine. */
const namedFormats: Record<string, (v: string) => string | undefined> = {
  string: () => undefined,
  'pve-node': (v) => (nodeNameRe.test(v) ? undefined : 'value does not look like a valid node name'),
  'pve-vmid': (v) => (vmidRe.test(v) ? undefined : 'value does not look like a valid VM ID'),
  'pve-configid': (v) => (configIdRe.test(v) ? undefined : `invalid configuration ID '${v}'`),
  'pve-storage-id': (v) => (v.length >= 2 && storageIdRe.test(v) ? undefined : `storage ID '${v}' is invalid`),
  'pve-realm': (v) => (realmRe.test(v) ? undefined : `invalid realm '${v}'`),
  'pve-userid': (v) => {
    const m = /^([^\s:/]+)@([A-Za-z][A-Za-z0-9.\-_]+)$/.exec(v);
    return m && m[1]!.length < 64 && v.length < 128 ? undefined : `value '${v}' does not look like a valid user ID (user@realm)`;
  },
  'pve-poolid': (v) => (/^[A-Za-z0-9\-_]+(?:\/[A-Za-z0-9\-_]+){0,2}$/.test(v) ? undefined : `invalid pool ID '${v}'`),
  'pve-priv-list': (v) => (/^[A-Za-z.]+$/.test(v) ? undefined : `invalid privilege name '${v}'`),
  ipv4: (v) => (net.isIPv4(v) ? undefined : 'value does not look like a valid IPv4 address'),
  ipv6: (v) => (net.isIPv6(v) && !v.includes('%') ? undefined : 'value does not look like a valid IPv6 address'),
  ip: (v) => (net.isIP(v) !== 0 && !v.includes('%') ? undefined : 'value does not look like a valid IP address'),
  'dns-name': (v) => (dnsNameRe.test(v) ? undefined : 'value does not look like a valid DNS name'),
  address: (v) => ((net.isIP(v) !== 0 && !v.includes('%')) || dnsNameRe.test(v) ? undefined : `value does not look like a valid address: ${v}`),
  CIDRv4: (v) => (cidr(v, 4) ? undefined : 'value does not look like a valid IPv4 CIDR network'),
  CIDRv6: (v) => (cidr(v, 6) ? undefined : 'value does not look like a valid IPv6 CIDR network'),
  CIDR: (v) => (cidr(v, 4) || cidr(v, 6) ? undefined : 'value does not look like a valid CIDR network'),
  'mac-addr': (v) => (/^[a-f0-9][02468ace](?::[a-f0-9]{2}){5}$/i.test(v) ? undefined : 'value does not look like a valid unicast MAC address'),
  'pve-iface': (v) => (/^[a-z][a-z0-9_]{1,20}([:.]\d+)?$/i.test(v) ? undefined : `invalid network interface name '${v}'`),
  'pve-bridge-id': (v) => (/^[-_.\w\d]+$/.test(v) ? undefined : `invalid bridge ID '${v}'`),
  urlencoded: (v) => (/^[-%a-zA-Z0-9_.!~*'()]*$/.test(v) ? undefined : `invalid urlencoded string: ${v}`),
  'disk-size': (v) => (/^\d+(\.\d+)?([KMGT](?:iB)?)?$/.test(v) ? undefined : `value does not look like a valid disk size: ${v}`),
  'pve-tag': (v) => (/^[a-z0-9_][a-z0-9_\-+.]*$/i.test(v) ? undefined : 'invalid characters in tag'),
  'pve-ha-resource-or-vm-id': (v) => (/^(?:(?:vm|ct):)?[1-9][0-9]{2,8}$/.test(v) ? undefined : `'${v}' is not a valid HA resource ID (vm:ID, ct:ID or a VM ID)`),
  'pve-ha-resource-id': (v) => (/^(?:vm|ct):[1-9][0-9]{2,8}$/.test(v) ? undefined : `'${v}' is not a valid HA resource ID (vm:ID or ct:ID)`),
  'pve-ha-node': (v) => (/^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?::\d+)?$/.test(v) ? undefined : 'value does not look like a valid ha node (name[:priority])'),
  'pve-ha-group-node': (v) => (/^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?::\d+)?$/.test(v) ? undefined : 'value does not look like a valid ha group node'),
  'storage-pair': (v) => idMap(v, (id) => id.length >= 2 && storageIdRe.test(id)),
  'bridge-pair': (v) => idMap(v, (id) => /^[-_.\w\d]+$/.test(id)),
  'pem-certificate': (v) => (/^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\n?$/.test(v) ? undefined : 'value is not a PEM certificate'),
  'pve-startup-order': (v) =>
    v.split(',').every((p) => /^\s*$/.test(p) || /^(order=)?\d+$/.test(p) || /^(up|down)=\d+$/.test(p)) && v !== '' ? undefined : 'unable to parse startup options',
};

/** Formats that PVE validates as a whole list (storage-pair-list is parsed as one id map, not item by item). */
const wholeListFormats: Record<string, (v: string) => string | undefined> = {
  'storage-pair-list': (v) => idMap(v, (id) => id.length >= 2 && storageIdRe.test(id)),
  'bridge-pair-list': (v) => idMap(v, (id) => /^[-_.\w\d]+$/.test(id)),
  'pve-ha-node-list': (v) => listOf('pve-ha-node', v),
  'pve-ha-resource-id-list': (v) => listOf('pve-ha-resource-id', v),
};

function listOf(name: string, v: string): string | undefined {
  for (const item of splitList(v)) {
    const err = namedFormats[name]!(item);
    if (err) return `${item}: ${err}`;
  }
  return undefined;
}

/** PVE::Tools::split_list: separators are commas, semicolons, whitespace and NULs. */
export function splitList(value: string): string[] {
  return value
    .trim()
    .split(/[\0\s,;]+/)
    .filter((s) => s !== '');
}

// ---------------------------------------------------------------------------------------------
// Scalars the way PVE's check_type sees them: JSON numbers and strings are both Perl scalars.

const isNumberText = (v: string): boolean => /^[+-]?(\d+\.\d+|\d+\.|\.\d+|\d+)([eE][+-]?\d+)?$/.test(v);
const isIntegerText = (v: string): boolean => /^[+-]?\d+$/.test(v);

function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

const patternCache = new Map<string, RegExp | null>();

/** PVE anchors every pattern (`m/^$pattern$/`); Perl's `(?^:` / `(?^i:` / `(?>` are mapped to JS. */
export function compilePvePattern(pattern: string): RegExp | null {
  const cached = patternCache.get(pattern);
  if (cached !== undefined) return cached;
  const caseless = /\(\?\^i:/.test(pattern);
  const source = pattern.replace(/\(\?\^[a-z]*:/g, '(?:').replace(/\(\?>/g, '(?:');
  let re: RegExp | null;
  try {
    re = new RegExp(`^(?:${source})$`, caseless ? 'i' : '');
  } catch {
    re = null;
  }
  patternCache.set(pattern, re);
  return re;
}

function numberOf(limit: number | string | undefined): number | undefined {
  if (limit === undefined) return undefined;
  const n = typeof limit === 'number' ? limit : Number(limit);
  return Number.isFinite(n) ? n : undefined;
}

const join = (at: string, key: string): string => (at ? `${at}.${key}` : key);

function typeOk(type: string | string[] | undefined, value: unknown, at: string, ctx: Ctx): boolean {
  if (type === undefined) return true;
  if (Array.isArray(type)) {
    const ok = type.some((t) => typeOk(t, value, at, { ...ctx, issues: [] }));
    if (!ok) ctx.issues.push({ at, message: `type check ('${type.join('|')}') failed` });
    return ok;
  }
  const fail = (detail: string): boolean => {
    ctx.issues.push({ at, message: `type check ('${type}') failed - ${detail}` });
    return false;
  };
  switch (type) {
    case 'any':
      return true;
    case 'null':
      return value === null || value === undefined ? true : fail('value is not null');
    case 'array':
      return Array.isArray(value) ? true : fail(`got ${describe(value)}`);
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value) ? true : fail(`got ${describe(value)}`);
    case 'boolean': {
      if (typeof value === 'boolean' && ctx.encoding === 'json') return true;
      const text = scalarText(value);
      return text === '1' || text === '0' ? true : fail(`got '${String(value)}' (PVE takes 1 or 0)`);
    }
    case 'integer': {
      const text = scalarText(value);
      return text !== undefined && isIntegerText(text) ? true : fail(`got '${typeof value === 'object' ? describe(value) : String(value)}'`);
    }
    case 'number': {
      const text = scalarText(value);
      return text !== undefined && isNumberText(text) ? true : fail(`got '${typeof value === 'object' ? describe(value) : String(value)}'`);
    }
    case 'string':
      return scalarText(value) !== undefined ? true : fail(`got ${describe(value)}`);
    default:
      return true;
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

function checkFormat(format: string | Record<string, PveSchema>, value: string, at: string, ctx: Ctx): string | undefined {
  if (typeof format === 'object') return checkPropertyString(format, value, at, ctx);
  if (format === 'regex') return undefined;
  const whole = wholeListFormats[format];
  if (whole) return whole(value);
  const m = /^(.*?)(?:-(list|opt))?$/.exec(format)!;
  const name = m[1]!;
  const kind = m[2];
  const check = namedFormats[name];
  if (!check) {
    ctx.unchecked.add(format);
    return undefined;
  }
  if (kind === 'list') {
    for (const item of splitList(value)) {
      const err = check(item);
      if (err) return `${item}: ${err}`;
    }
    return undefined;
  }
  if (kind === 'opt') return value === '' ? undefined : check(value);
  return check(value);
}

/** A property string such as `address=10.0.0.1,priority=10` (or `10.0.0.1` for the default key). */
export function parsePropertyString(format: Record<string, PveSchema>, text: string): { value?: Record<string, string>; error?: string } {
  const res: Record<string, string> = {};
  let defaultKey: string | undefined;
  for (const part of text.split(',')) {
    if (/^\s*$/.test(part)) continue;
    const kv = /^([^=]+)=(.+)$/.exec(part);
    if (kv) {
      let key = kv[1]!;
      let schema = format[key];
      if (schema?.alias) {
        key = schema.alias;
        schema = format[key];
      }
      if (res[key] !== undefined) return { error: `duplicate key in comma-separated list property: ${key}` };
      if (!schema) return { error: `invalid key in comma-separated list property: ${kv[1]}` };
      res[key] = kv[2]!;
    } else if (!part.includes('=')) {
      if (defaultKey) return { error: `duplicate key in comma-separated list property: ${defaultKey}` };
      defaultKey = Object.keys(format).find((k) => truthy(format[k]!.default_key));
      if (!defaultKey) return { error: 'value without key, but schema does not define a default key' };
      if (res[defaultKey] !== undefined) return { error: `duplicate key in comma-separated list property: ${defaultKey}` };
      res[defaultKey] = part;
    } else {
      return { error: 'missing key in comma-separated list property' };
    }
  }
  return { value: res };
}

function checkPropertyString(format: Record<string, PveSchema>, text: string, at: string, ctx: Ctx): string | undefined {
  const parsed = parsePropertyString(format, text);
  if (parsed.error) return parsed.error;
  const inner: Ctx = { issues: [], unchecked: ctx.unchecked, encoding: 'form' };
  const value: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed.value!)) {
    const schema = format[k];
    // PVE runs parse_boolean on boolean keys inside property strings (on/yes/true → 1).
    if (schema?.type === 'boolean') value[k] = /^(1|on|yes|true)$/i.test(v) ? '1' : /^(0|off|no|false)$/i.test(v) ? '0' : v;
    else value[k] = v;
  }
  checkObject(format, value, false, '', inner);
  if (inner.issues.length === 0) return undefined;
  return inner.issues.map((i) => `${i.at}: ${i.message}`).join('; ');
}

/** Maps `link0`…`link7` onto the schema's `link[n]` entry, honouring the index range PVE documents. */
function indexedSchema(properties: Record<string, PveSchema>, key: string): PveSchema | undefined {
  const m = /^([a-z_-]+?)(\d+)$/i.exec(key);
  if (!m) return undefined;
  const schema = properties[`${m[1]}[n]`];
  if (!schema) return undefined;
  const index = Number(m[2]);
  if (m[2]!.length > 1 && m[2]!.startsWith('0')) return undefined;
  const max = indexLimit(schema.description ?? '', m[1]!);
  return max === undefined || index <= max ? schema : undefined;
}

function indexLimit(description: string, base: string): number | undefined {
  const range = new RegExp(`${base}0\\.\\.${base}(\\d+)`).exec(description) ?? /\(n is 0 to (\d+)/.exec(description);
  return range ? Number(range[1]) : undefined;
}

function checkObject(
  properties: Record<string, PveSchema>,
  value: Record<string, unknown>,
  additional: PveSchema['additionalProperties'] | undefined,
  at: string,
  ctx: Ctx,
): void {
  const resolved = new Map<string, PveSchema>();
  for (const key of Object.keys(value)) {
    const schema = properties[key] ?? indexedSchema(properties, key);
    if (schema) resolved.set(key, schema);
  }
  for (const [key, schema] of Object.entries(properties)) {
    if (key.endsWith('[n]')) continue;
    const instanceType = schema['type-property'] ? scalarText(value[schema['type-property']]) : undefined;
    checkProp(value[key], schema, join(at, key), ctx, instanceType);
  }
  for (const [key, v] of Object.entries(value)) {
    const schema = resolved.get(key);
    if (schema) {
      if (!(key in properties)) checkProp(v, schema, join(at, key), ctx);
      if (schema.requires && value[schema.requires] === undefined) {
        ctx.issues.push({ at: join(at, schema.requires), message: `missing property required by '${join(at, key)}'` });
      }
      continue;
    }
    if (additional !== undefined && (additional === 0 || additional === false)) {
      ctx.issues.push({ at: join(at, key), message: 'property is not defined in schema and the schema does not allow additional properties' });
    } else if (additional && typeof additional === 'object') {
      checkProp(v, additional, join(at, key), ctx);
    }
  }
}

function checkProp(value: unknown, schema: PveSchema, at: string, ctx: Ctx, instanceType?: string): void {
  let optionalForType = false;
  if (instanceType !== undefined && schema['instance-types'] && !schema['instance-types'].includes(instanceType)) optionalForType = true;
  if (schema.oneOf && schema['type-property']) {
    optionalForType = true;
    if (instanceType !== undefined) {
      for (const alt of schema.oneOf) {
        if (!alt['instance-types']?.includes(instanceType)) continue;
        optionalForType = truthy(alt.optional);
        checkProp(value, alt, at, ctx);
      }
    }
  }
  if (schema.alias) return;
  if (value === undefined || value === null) {
    if (schema.type === 'null') return;
    if (!truthy(schema.optional) && !optionalForType) ctx.issues.push({ at: at || '(root)', message: 'property is missing and it is not optional' });
    return;
  }
  if (!typeOk(schema.type, value, at || '(root)', ctx)) return;
  if (Array.isArray(value)) {
    if (schema.items) value.forEach((el, i) => checkProp(el, schema.items!, `${at}[${i}]`, ctx));
    return;
  }
  if (typeof value === 'object') {
    if (schema.properties || schema.additionalProperties !== undefined) {
      checkObject(schema.properties ?? {}, value as Record<string, unknown>, schema.additionalProperties, at, ctx);
    }
    return;
  }
  const text = scalarText(value) ?? String(value);
  const fail = (message: string): void => {
    ctx.issues.push({ at: at || '(root)', message });
  };
  if (schema.format !== undefined && (typeof value === 'string' || typeof value === 'number')) {
    const err = checkFormat(schema.format, text, at, ctx);
    if (err) return fail(`invalid format - ${err}`);
  }
  if (schema.pattern) {
    const re = compilePvePattern(schema.pattern);
    if (re && !re.test(text)) return fail(`value does not match the regex pattern ${schema.pattern}`);
  }
  if (schema.maxLength !== undefined && text.length > schema.maxLength) return fail(`value may only be ${schema.maxLength} characters long`);
  if (schema.minLength !== undefined && text.length < schema.minLength) return fail(`value must be at least ${schema.minLength} characters long`);
  if (isNumberText(text)) {
    const max = numberOf(schema.maximum);
    const min = numberOf(schema.minimum);
    if (max !== undefined && Number(text) > max) return fail(`value must have a maximum value of ${max}`);
    if (min !== undefined && Number(text) < min) return fail(`value must have a minimum value of ${min}`);
  }
  if (schema.enum && !schema.enum.some((e) => String(e) === text)) {
    fail(`value '${text}' does not have a value in the enumeration '${schema.enum.join(', ')}'`);
  }
}

/** Validates one value against one schema node; exported for tests and for the test server's replies. */
export function validateValue(value: unknown, schema: PveSchema, encoding: ValueEncoding = 'json'): ValidationResult {
  const ctx: Ctx = { issues: [], unchecked: new Set(), encoding };
  checkProp(value, schema, '', ctx);
  return { ok: ctx.issues.length === 0, issues: ctx.issues, uncheckedFormats: [...ctx.unchecked] };
}

/** One line for an error message: the first few issues, each with its location. */
export function summarizeIssues(issues: SchemaIssue[], max = 4): string {
  const shown = issues.slice(0, max).map((i) => `${i.at}: ${i.message}`);
  if (issues.length > max) shown.push(`… and ${issues.length - max} more`);
  return shown.join('; ');
}

// ---------------------------------------------------------------------------------------------
// The schema file: loaded once, lazily, indexed by path template.

interface TemplateNode {
  literal: Map<string, TemplateNode>;
  param?: { name: string; node: TemplateNode };
  api?: ApiTreeNode;
}

export interface SchemaStats {
  requests: number;
  responses: number;
  rejectedRequests: number;
  rejectedResponses: number;
}

export class PveApiSchema {
  readonly file: string;
  private root: TemplateNode | undefined;
  private byTemplate = new Map<string, ApiTreeNode>();
  /** Counts of validations done through this instance (the tests print them). */
  readonly stats: SchemaStats = { requests: 0, responses: 0, rejectedRequests: 0, rejectedResponses: 0 };

  constructor(file: string = defaultSchemaFile()) {
    this.file = file;
  }

  /** True once the file has been read (for the "loaded lazily, once" test). */
  get loaded(): boolean {
    return this.root !== undefined;
  }

  private index(): TemplateNode {
    if (this.root) return this.root;
    let tree: ApiTreeNode[];
    try {
      tree = JSON.parse(fs.readFileSync(this.file, 'utf8')) as ApiTreeNode[];
    } catch (err) {
      throw new CwError('MISSING_DEPENDENCY', `Cannot read the Proxmox VE API schema at ${this.file}: ${(err as Error).message}. Restore test/fixtures/proxmox/pve-apidata.json or set CLUSTERWRIGHT_PVE_APIDATA.`);
    }
    const root: TemplateNode = { literal: new Map() };
    const walk = (nodes: ApiTreeNode[]): void => {
      for (const node of nodes) {
        this.byTemplate.set(node.path, node);
        let cur = root;
        for (const seg of node.path.split('/').filter(Boolean)) {
          const p = /^\{(.+)\}$/.exec(seg);
          if (p) {
            cur.param ??= { name: p[1]!, node: { literal: new Map() } };
            cur = cur.param.node;
          } else {
            let next = cur.literal.get(seg);
            if (!next) cur.literal.set(seg, (next = { literal: new Map() }));
            cur = next;
          }
        }
        cur.api = node;
        if (node.children) walk(node.children);
      }
    };
    walk(tree);
    this.root = root;
    return root;
  }

  /** The method description for a path template, e.g. (`/cluster/config/join`, `POST`). */
  method(template: string, method: string): ApiMethodInfo | undefined {
    this.index();
    return this.byTemplate.get(template)?.info?.[method.toUpperCase()];
  }

  templates(): string[] {
    this.index();
    return [...this.byTemplate.keys()];
  }

  /** Finds the template for a concrete path (`/nodes/pve1/qemu/100/migrate`); literals win over `{params}`. */
  match(method: string, concretePath: string): RouteMatch | undefined {
    const segs = concretePath.replace(/^\/api2\/json/, '').split('/').filter(Boolean);
    const found = this.walkMatch(this.index(), segs, 0, {});
    if (!found?.node.api) return undefined;
    const info = found.node.api.info?.[method.toUpperCase()];
    if (!info) return undefined;
    return { template: found.node.api.path, info, pathParams: found.params };
  }

  /** True when the path exists but not with this method (a 501 in PVE), false when the path is unknown. */
  pathExists(concretePath: string): boolean {
    const segs = concretePath.replace(/^\/api2\/json/, '').split('/').filter(Boolean);
    return Boolean(this.walkMatch(this.index(), segs, 0, {})?.node.api);
  }

  private walkMatch(node: TemplateNode, segs: string[], i: number, params: Record<string, string>): { node: TemplateNode; params: Record<string, string> } | undefined {
    if (i === segs.length) return { node, params };
    const seg = segs[i]!;
    const lit = node.literal.get(seg);
    if (lit) {
      const r = this.walkMatch(lit, segs, i + 1, params);
      if (r?.node.api) return r;
    }
    if (node.param) {
      let decoded: string;
      try {
        decoded = decodeURIComponent(seg);
      } catch {
        return undefined;
      }
      return this.walkMatch(node.param.node, segs, i + 1, { ...params, [node.param.name]: decoded });
    }
    return undefined;
  }

  /**
   * Validates a request the way PVE's handler does: path parameters merged with the query/body
   * parameters, then checked against the method's `parameters` schema.
   */
  validateRequest(method: string, concretePath: string, params: Record<string, unknown>, encoding: ValueEncoding = 'form'): ValidationResult & { route?: RouteMatch } {
    this.stats.requests++;
    const route = this.match(method, concretePath);
    if (!route) {
      this.stats.rejectedRequests++;
      const message = this.pathExists(concretePath) ? `method ${method} is not implemented for this path` : 'no such path in the Proxmox VE API schema';
      return { ok: false, issues: [{ at: concretePath, message }], uncheckedFormats: [] };
    }
    const merged: Record<string, unknown> = { ...params };
    const issues: SchemaIssue[] = [];
    for (const [k, v] of Object.entries(route.pathParams)) {
      if (merged[k] !== undefined && String(merged[k]) !== v) issues.push({ at: k, message: `given both in the path ('${v}') and as a parameter ('${String(merged[k])}')` });
      merged[k] = v;
    }
    const res = validateValue(merged, { type: 'object', ...route.info.parameters }, encoding);
    const all = [...issues, ...res.issues];
    if (all.length) this.stats.rejectedRequests++;
    return { ok: all.length === 0, issues: all, uncheckedFormats: res.uncheckedFormats, route };
  }

  /** Validates a reply's `data` against the method's `returns` schema. */
  validateResponse(method: string, concretePath: string, data: unknown): ValidationResult {
    this.stats.responses++;
    const route = this.match(method, concretePath);
    if (!route) {
      this.stats.rejectedResponses++;
      return { ok: false, issues: [{ at: concretePath, message: 'no such path/method in the Proxmox VE API schema' }], uncheckedFormats: [] };
    }
    const res = validateValue(data, route.info.returns, 'json');
    if (!res.ok) this.stats.rejectedResponses++;
    return res;
  }

  /** PVE lets only root@pam call a method without a `permissions` block (cluster create, join, node delete…). */
  rootOnly(template: string, method: string): boolean {
    const info = this.method(template, method);
    return Boolean(info && !info.permissions);
  }
}

/** test/fixtures/proxmox/pve-apidata.json found above this module, or CLUSTERWRIGHT_PVE_APIDATA. */
export function defaultSchemaFile(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CLUSTERWRIGHT_PVE_APIDATA) return path.resolve(env.CLUSTERWRIGHT_PVE_APIDATA);
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'test', 'fixtures', 'proxmox', 'pve-apidata.json');
    if (fs.existsSync(candidate)) return candidate;
    const up = path.dirname(dir);
    if (up === dir) return path.join(process.cwd(), 'test', 'fixtures', 'proxmox', 'pve-apidata.json');
    dir = up;
  }
}

let shared: PveApiSchema | undefined;

/** The process-wide schema instance (the file is read on first use, once). */
export function pveApiSchema(): PveApiSchema {
  shared ??= new PveApiSchema();
  return shared;
}
