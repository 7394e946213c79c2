// The vim25 and vSAN WSDL element order, read from the Go type definitions in Debian's govmomi source
// (generated from VMware's WSDL with fields in sequence order; govmomi's encoder writes them in that order
// and real vCenter accepts it), and a checker that walks a SOAP request and refuses any element out of
// order, unknown, or missing where the WSDL requires it. vCenter validates this; the simulator does not.
import fs from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';

export interface GoField {
  name: string;
  /** The Go type without pointer/slice/package (`ClusterDasConfigInfo`, `string`, `ManagedObjectReference`). */
  type: string;
  array: boolean;
  required: boolean;
}

export interface GoType {
  base?: string;
  fields: GoField[];
}

export interface WsdlOrder {
  source: string;
  /** Method element name (`AddHost_Task`) → its request type (`AddHostRequestType`). */
  methods: Record<string, string>;
  types: Record<string, GoType>;
}

const STRUCT = /^type (\w+) struct \{\n([\s\S]*?)^\}/gm;
const ALIAS = /^type (\w+) (\w+RequestType)$/gm;

/** Parses govmomi's generated types.go files into struct definitions and method → request type aliases. */
export function parseGoTypes(files: string[]): { types: Record<string, GoType>; methods: Record<string, string> } {
  const types: Record<string, GoType> = {};
  const methods: Record<string, string> = {};
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(ALIAS)) methods[m[1]!] = m[2]!;
    for (const m of text.matchAll(STRUCT)) {
      const def: GoType = { fields: [] };
      for (const raw of m[2]!.split('\n')) {
        const line = raw.trim();
        if (!line || line.startsWith('//')) continue;
        const embedded = /^(?:types\.)?(\w+)$/.exec(line);
        if (embedded) {
          def.base = embedded[1];
          continue;
        }
        const field = /^\w+\s+(\S+)\s+`xml:"([^"]*)"`/.exec(line);
        if (!field) continue;
        const [tag, ...opts] = field[2]!.split(',');
        if (!tag || tag === '-') continue;
        const goType = field[1]!;
        const array = goType.startsWith('[]') && goType !== '[]byte';
        const pointer = goType.startsWith('*');
        const bare = goType.replace(/^(\[\]|\*)+/, '').replace(/^types\./, '');
        def.fields.push({ name: tag.replace(/^.* /, ''), type: bare, array, required: !pointer && !opts.includes('omitempty') && goType !== 'AnyType' });
      }
      types[m[1]!] = def;
    }
  }
  // A polymorphic field is typed by its Go interface (BaseClusterRuleInfo for ClusterRuleInfo).
  for (const def of Object.values(types)) {
    for (const f of def.fields) if (f.type.startsWith('Base') && !types[f.type] && types[f.type.slice(4)]) f.type = f.type.slice(4);
  }
  return { types, methods };
}

/** The request types of `methods` and every type they reach, plus the subtypes named in `extra`. */
export function closure(all: { types: Record<string, GoType>; methods: Record<string, string> }, methods: string[], extra: string[]): WsdlOrder {
  const out: WsdlOrder = { source: '', methods: {}, types: {} };
  const visit = (name: string): void => {
    const def = all.types[name];
    if (!def || out.types[name]) return;
    out.types[name] = def;
    if (def.base) visit(def.base);
    for (const f of def.fields) visit(f.type);
  };
  for (const m of methods) {
    const req = all.methods[m];
    if (!req) throw new Error(`govmomi has no request type for ${m}`);
    out.methods[m] = req;
    visit(req);
  }
  for (const t of extra) visit(t);
  return out;
}

export const GOVMOMI = '/usr/share/gocode/src/github.com/vmware/govmomi';

export function readWsdlOrder(methods: string[], extra: string[], root = GOVMOMI): WsdlOrder {
  const all = parseGoTypes([path.join(root, 'vim25/types/types.go'), path.join(root, 'vsan/types/types.go')]);
  return { ...closure(all, methods, extra), source: 'Go type definitions of Debian golang-github-vmware-govmomi-dev (govmomi 0.24.2): vim25/types and vsan/types' };
}

// ---------------------------------------------------------------------------------------------

interface El {
  name: string;
  attrs: Record<string, string>;
  children: El[];
}

function toEls(raw: Record<string, unknown>[]): El[] {
  const out: El[] = [];
  for (const item of raw) {
    const tag = Object.keys(item).find((k) => k !== ':@');
    if (!tag || tag === '#text' || tag.startsWith('?')) continue;
    out.push({ name: tag.includes(':') ? tag.slice(tag.indexOf(':') + 1) : tag, attrs: (item[':@'] as Record<string, string>) ?? {}, children: toEls(item[tag] as Record<string, unknown>[]) });
  }
  return out;
}

const LEAVES = new Set(['string', 'bool', 'int32', 'int64', 'int16', 'int8', 'byte', 'float32', 'float64', 'AnyType', 'Time', '[]byte']);

function fieldsOf(order: WsdlOrder, type: string): GoField[] {
  const def = order.types[type];
  if (!def) return [];
  return [...(def.base ? fieldsOf(order, def.base) : []), ...def.fields];
}

function isSubtype(order: WsdlOrder, type: string, of: string): boolean {
  for (let t: string | undefined = type; t; t = order.types[t]?.base) if (t === of) return true;
  return false;
}

/** Every violation of the WSDL order in a SOAP request envelope (empty when it conforms). */
export function checkRequest(xml: string, order: WsdlOrder): string[] {
  const parser = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '' });
  const [envelope] = toEls(parser.parse(xml) as Record<string, unknown>[]);
  const call = envelope?.children.find((c) => c.name === 'Body')?.children[0];
  if (!call) return ['no method element in the SOAP body'];
  const request = order.methods[call.name];
  if (!request) return [`${call.name}: no such method in the WSDL order table`];
  const problems: string[] = [];
  const walk = (el: El, type: string, where: string): void => {
    const xsi = Object.entries(el.attrs).find(([k]) => k.endsWith(':type'))?.[1];
    if (xsi && !xsi.startsWith('xsd:')) {
      if (!order.types[xsi]) problems.push(`${where}: xsi:type ${xsi} is not in the table`);
      else if (!isSubtype(order, xsi, type)) problems.push(`${where}: xsi:type ${xsi} is not a ${type}`);
      else type = xsi;
    }
    if (type === 'ManagedObjectReference') {
      if (!el.attrs.type) problems.push(`${where}: a managed object reference without its type attribute`);
      return;
    }
    if (LEAVES.has(type) || !order.types[type]) {
      if (el.children.length && type !== 'AnyType') problems.push(`${where}: ${type} is a simple value but has child elements`);
      return;
    }
    const fields = fieldsOf(order, type);
    let at = 0;
    const seen = new Set<string>();
    for (const child of el.children) {
      const idx = fields.findIndex((f) => f.name === child.name);
      if (idx < 0) {
        problems.push(`${where}: ${type} has no element <${child.name}>`);
        continue;
      }
      if (idx < at) problems.push(`${where}: <${child.name}> comes after <${fields[at]!.name}>, but ${type} orders ${child.name} first`);
      if (idx === at && seen.has(child.name) && !fields[idx]!.array) problems.push(`${where}: <${child.name}> repeated, but ${type}.${child.name} is not a list`);
      at = Math.max(at, idx);
      seen.add(child.name);
      walk(child, fields[idx]!.type, `${where}.${child.name}`);
    }
    for (const f of fields) if (f.required && !seen.has(f.name)) problems.push(`${where}: ${type} requires <${f.name}>`);
  };
  walk(call, request, call.name);
  return problems;
}
