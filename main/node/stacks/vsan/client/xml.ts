// XML for the vSphere SOAP client: text escaping (every value is data, never markup), and a small
// ordered element tree over fast-xml-parser with the readers the client needs (child, text, MoRef, xsi:type).
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { CwError } from '../../../../common/errors.js';

/** Characters XML 1.0 cannot carry at all: a value holding one is refused, not silently altered. */
const INVALID_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Escapes a value as XML text or attribute content. */
export function escapeXml(value: string, what = 'A value'): string {
  if (INVALID_XML_CHARS.test(value)) {
    throw new CwError('INVALID_INPUT', `${what} contains a control character XML cannot carry; vCenter would refuse it.`);
  }
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** A managed object reference: the type and id vCenter gives an object (`HostSystem` / `host-12`). */
export interface MoRef {
  type: string;
  value: string;
}

export function isMoRef(v: unknown): v is MoRef {
  return typeof v === 'object' && v !== null && typeof (v as MoRef).type === 'string' && typeof (v as MoRef).value === 'string' && Object.keys(v).length === 2;
}

/** One element of a parsed reply, children in document order. */
export class XNode {
  constructor(
    readonly name: string,
    readonly attrs: Record<string, string>,
    readonly children: XNode[],
    readonly textContent: string,
  ) {}

  /** The first child element with this local name. */
  child(name: string): XNode | undefined {
    return this.children.find((c) => c.name === name);
  }

  /** Every child element with this local name, in order. */
  all(name: string): XNode[] {
    return this.children.filter((c) => c.name === name);
  }

  /** The xsi:type of this element (local part), when it has one. */
  get xsiType(): string | undefined {
    for (const [k, v] of Object.entries(this.attrs)) if (k.endsWith(':type')) return v.includes(':') ? v.slice(v.indexOf(':') + 1) : v;
    return undefined;
  }

  text(name?: string): string | undefined {
    if (name === undefined) return this.textContent;
    return this.child(name)?.textContent;
  }

  texts(name: string): string[] {
    return this.all(name).map((c) => c.textContent);
  }

  bool(name: string): boolean | undefined {
    const t = this.text(name);
    return t === undefined ? undefined : t === 'true' || t === '1';
  }

  int(name: string): number | undefined {
    const t = this.text(name);
    return t === undefined || t === '' ? undefined : Number(t);
  }

  /** This element read as a managed object reference. */
  asMoRef(): MoRef {
    const type = this.attrs.type;
    if (!type) throw new CwError('INVALID_OUTPUT', `vCenter sent <${this.name}> without the type of the object it refers to.`);
    return { type, value: this.textContent };
  }

  moref(name: string): MoRef | undefined {
    return this.child(name)?.asMoRef();
  }

  morefs(name: string): MoRef[] {
    return this.all(name).map((c) => c.asMoRef());
  }

  /** A path of child names (`config.vsanHostConfig.faultDomainInfo`), first match at each level. */
  at(path: string): XNode | undefined {
    return path.split('.').reduce<XNode | undefined>((node, part) => node?.child(part), this);
  }
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  // Entities are decoded below in one pass: the five XML entities and character references (Go's
  // encoder, which vcsim uses, writes ' and " as &#39; and &#34;), nothing else, nothing twice.
  processEntities: false,
});

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (whole, ref: string) => {
    if (ref[0] !== '#') return NAMED[ref]!;
    const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

type Raw = Record<string, unknown>;

function localName(tag: string): string {
  const i = tag.indexOf(':');
  return i < 0 ? tag : tag.slice(i + 1);
}

function build(raw: Raw[]): XNode[] {
  const out: XNode[] = [];
  for (const item of raw) {
    const tag = Object.keys(item).find((k) => k !== ':@');
    if (!tag || tag === '#text' || tag.startsWith('?')) continue;
    const kids = (item[tag] as Raw[]) ?? [];
    const text = decodeEntities(kids.filter((k) => '#text' in k).map((k) => String(k['#text'])).join(''));
    const attrs = Object.fromEntries(Object.entries((item[':@'] as Record<string, string>) ?? {}).map(([k, v]) => [k, decodeEntities(String(v))]));
    out.push(new XNode(localName(tag), attrs, build(kids), text));
  }
  return out;
}

/** Parses a SOAP reply into its root element; a document type declaration is refused (SOAP never has one). */
export function parseXml(text: string, where: string): XNode {
  if (/<!DOCTYPE/i.test(text)) throw new CwError('INVALID_OUTPUT', `${where} answered with an XML document type declaration, which SOAP never uses; not parsing it.`);
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new CwError('INVALID_OUTPUT', `${where} answered with XML that does not parse: ${valid.err.msg} (line ${valid.err.line}).`);
  let roots: XNode[];
  try {
    roots = build(parser.parse(text) as Raw[]);
  } catch (err) {
    throw new CwError('INVALID_OUTPUT', `${where} answered with XML that does not parse: ${(err as Error).message}`);
  }
  if (roots.length !== 1) throw new CwError('INVALID_OUTPUT', `${where} answered with ${roots.length} root elements instead of one SOAP envelope.`);
  return roots[0]!;
}
