// A reader for the plain subset of YAML that workspace files are written in: block mappings and sequences,
// flow collections on one line, plain, quoted and literal (|) scalars, comments. exec's first look uses it to
// find where its first TCP connections go before the yaml package (and the whole workspace model) has even
// loaded. It never gives another value than the yaml package would: anything outside the subset (anchors,
// aliases, tags, folded scalars, multi-line flow collections, duplicate keys, tabs, several documents…)
// gives undefined, and exec then opens no connection early. The workspace is read in full, with the yaml
// package and every check, before anything is sent on a connection (cli/first-hops.ts).

export type PlainValue = null | boolean | number | string | PlainValue[] | { [key: string]: PlainValue };

/** Thrown inside the reader for anything outside the subset; never escapes readPlainYaml. */
class Unsupported extends Error {}
const unsupported = (): never => {
  throw new Unsupported();
};

interface Line {
  indent: number;
  /** The line without its indentation (never empty, never a comment line). */
  text: string;
}

/** Characters that may not start a plain scalar (YAML 1.2 indicators). */
const INDICATORS = '-?:,[]{}#&*!|>\'"%@`';
const isIndicator = (c: string | undefined): boolean => c !== undefined && c !== '' && INDICATORS.includes(c);
/** What a plain scalar that is not a string can start with (null, booleans, numbers): anything else is a string. */
const NOT_ONLY_STRING_START = '0123456789+-.~nNtTfF';
/**
 * Keys this reader accepts: what workspace keys look like, and nothing that resolves to another type. At most 1,024
 * characters: the yaml package refuses a longer implicit key in a block mapping (KEY_OVER_1024_CHARS).
 */
const KEY = /^[A-Za-z_][A-Za-z0-9_.-]{0,1023}$/;

/** A plain scalar's value by the YAML 1.2 core schema (the yaml package's default). */
function plainScalar(text: string): PlainValue {
  // Most values are names and addresses: a string is known from its first character, before any pattern is tried.
  if (text !== '' && !NOT_ONLY_STRING_START.includes(text[0]!)) return text;
  if (text === '' || text === '~' || /^(?:null|Null|NULL)$/.test(text)) return null;
  if (/^(?:true|True|TRUE)$/.test(text)) return true;
  if (/^(?:false|False|FALSE)$/.test(text)) return false;
  if (/^[-+]?[0-9]+$/.test(text)) return Number(text);
  if (/^0o[0-7]+$/.test(text)) return parseInt(text.slice(2), 8);
  if (/^0x[0-9a-fA-F]+$/.test(text)) return parseInt(text.slice(2), 16);
  if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/.test(text)) return Number(text);
  if (/^[-+]?\.(?:inf|Inf|INF)$/.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (/^\.(?:nan|NaN|NAN)$/.test(text)) return NaN;
  return text;
}

const ESCAPES: Record<string, string> = { '0': '\0', a: '\x07', b: '\b', t: '\t', n: '\n', v: '\v', f: '\f', r: '\r', e: '\x1b', ' ': ' ', '"': '"', '/': '/', '\\': '\\', N: '\x85', _: '\xa0', L: '\u2028', P: '\u2029' };
const HEX_ESCAPES: Record<string, number> = { x: 2, u: 4, U: 8 };

/** A quoted scalar starting at text[start] (a quote); its value and the index after the closing quote. */
function quoted(text: string, start: number): { value: string; end: number } {
  const quote = text[start]!;
  let value = '';
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i]!;
    if (quote === "'") {
      if (c !== "'") value += c;
      else if (text[i + 1] === "'") {
        value += "'";
        i++;
      } else return { value, end: i + 1 };
    } else if (c === '"') return { value, end: i + 1 };
    else if (c !== '\\') value += c;
    else {
      const e = text[++i];
      if (e === undefined) return unsupported();
      if (Object.hasOwn(ESCAPES, e)) value += ESCAPES[e];
      else if (Object.hasOwn(HEX_ESCAPES, e)) {
        const hex = text.slice(i + 1, i + 1 + HEX_ESCAPES[e]!);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== HEX_ESCAPES[e]) return unsupported();
        const code = parseInt(hex, 16);
        if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return unsupported();
        value += String.fromCodePoint(code);
        i += hex.length;
      } else return unsupported();
    }
  }
  return unsupported(); // not closed on this line
}

/** Only spaces and a comment may follow a value on its line. */
function restIsComment(rest: string): boolean {
  if (rest === '') return true;
  const trimmed = rest.trimStart();
  return trimmed.length < rest.length && (trimmed === '' || trimmed.startsWith('#'));
}

/** A one-line flow collection or flow scalar at text[i]; the value and the index after it. */
function flowNode(text: string, i: number): { value: PlainValue; end: number } {
  const c = text[i];
  if (c === '[' || c === '{') {
    const seq = c === '[';
    const items: PlainValue[] = [];
    const map: { [key: string]: PlainValue } = {};
    i = skipSpaces(text, i + 1);
    if (text[i] === (seq ? ']' : '}')) return { value: seq ? items : map, end: i + 1 };
    for (;;) {
      if (seq) {
        const item = flowNode(text, i);
        items.push(item.value);
        i = skipSpaces(text, item.end);
        // `[a: b]` (a one-pair mapping in a sequence) is outside the subset.
        if (text[i] === ':') return unsupported();
      } else {
        const key = flowKey(text, i);
        i = skipSpaces(text, key.end);
        if (text[i] !== ':' || text[i + 1] !== ' ') return unsupported();
        if (Object.hasOwn(map, key.value)) return unsupported();
        const value = flowNode(text, skipSpaces(text, i + 1));
        map[key.value] = value.value;
        i = skipSpaces(text, value.end);
      }
      if (text[i] === ',') {
        i = skipSpaces(text, i + 1);
        if (text[i] === ']' || text[i] === '}') return unsupported(); // a trailing comma
        continue;
      }
      if (text[i] === (seq ? ']' : '}')) return { value: seq ? items : map, end: i + 1 };
      return unsupported();
    }
  }
  if (c === '"' || c === "'") {
    const q = quoted(text, i);
    return { value: q.value, end: q.end };
  }
  // A plain scalar in a flow collection: up to `,`, `]`, `}` or `: `; none of the flow indicators inside.
  FLOW_PLAIN.lastIndex = i;
  const match = FLOW_PLAIN.exec(text);
  if (!match || isIndicator(text[i])) return unsupported();
  const raw = match[0].trimEnd();
  const after = i + match[0].length;
  if (text[after] === ':' && !text.startsWith(': ', after)) return unsupported(); // a colon inside (fe80::1): quote it
  if (text[after] === '#') return unsupported();
  return { value: plainScalar(raw), end: i + raw.length };
}

// Sticky patterns (matched where a token starts, without copying the rest of the line).
const FLOW_PLAIN = /[^,[\]{}#:]+/y;
const FLOW_KEY = /[A-Za-z_][A-Za-z0-9_.-]*/y;

function flowKey(text: string, i: number): { value: string; end: number } {
  FLOW_KEY.lastIndex = i;
  const match = FLOW_KEY.exec(text);
  if (!match || plainScalar(match[0]) !== match[0] || match[0] === '__proto__') return unsupported();
  return { value: match[0], end: i + match[0].length };
}

function skipSpaces(text: string, i: number): number {
  while (text[i] === ' ') i++;
  return i;
}

class Reader {
  private pos = 0;
  constructor(
    private readonly lines: Line[],
    /** The document's raw lines (literal scalars are read from them). */
    private readonly raw: string[],
    /** For each of `lines`, its index in `raw`. */
    private readonly rawIndex: number[],
  ) {}

  read(): PlainValue {
    if (!this.lines.length) return unsupported();
    if (this.lines[0]!.indent !== 0) return unsupported();
    const value = this.block(0);
    if (this.pos !== this.lines.length) return unsupported();
    return value;
  }

  private get line(): Line | undefined {
    return this.lines[this.pos];
  }

  /** A block node whose first line is the current one, at `indent`. */
  private block(indent: number): PlainValue {
    const line = this.line!;
    if (line.text === '-' || line.text.startsWith('- ')) return this.sequence(indent);
    return this.mapping(indent);
  }

  /** `underKey`: the sequence stands at the indentation of the key it belongs to (`key:\n- a`). */
  private sequence(indent: number, underKey = false): PlainValue[] {
    const items: PlainValue[] = [];
    for (let line = this.line; line && line.indent === indent && (line.text === '-' || line.text.startsWith('- ')); line = this.line) {
      const rest = line.text.slice(1);
      const inline = skipSpaces(rest, 0);
      if (inline === rest.length) {
        this.pos++;
        items.push(this.nested(indent));
        continue;
      }
      // `- key: value` or `- - x`: the rest of the line is a node at its own column.
      const column = indent + 1 + inline;
      const text = rest.slice(inline);
      if (text === '-' || text.startsWith('- ') || keyOf(text) !== undefined) {
        this.lines[this.pos] = { indent: column, text };
        items.push(this.block(column));
      } else {
        items.push(this.value(text, indent));
      }
    }
    const next = this.line;
    if (next && (underKey ? next.indent > indent : next.indent >= indent)) unsupported();
    return items;
  }

  private mapping(indent: number): { [key: string]: PlainValue } {
    const map: { [key: string]: PlainValue } = {};
    for (let line = this.line; line && line.indent === indent; line = this.line) {
      const key = keyOf(line.text);
      if (key === undefined || Object.hasOwn(map, key)) return unsupported();
      const rest = line.text.slice(key.length + 1);
      if (restIsComment(rest)) {
        this.pos++;
        // A sequence may stand at the key's own indentation (`key:\n- a`).
        const next = this.line;
        map[key] = next && next.indent === indent && (next.text === '-' || next.text.startsWith('- ')) ? this.sequence(indent, true) : this.nested(indent);
      } else {
        map[key] = this.value(rest.slice(1).trimStart(), indent);
      }
    }
    // The next line belongs to a parent (less indented), or there is none.
    const next = this.line;
    if (next && next.indent >= indent) unsupported();
    return map;
  }

  /** The value on the lines after `key:` or `-` (null when none is more indented). */
  private nested(indent: number): PlainValue {
    const next = this.line;
    if (!next || next.indent <= indent) return null;
    return this.block(next.indent);
  }

  /** A value that starts on the current line (`text`, after `key: ` or `- `); its parent node is at `indent`. */
  private value(text: string, indent: number): PlainValue {
    const first = text[0]!;
    if (first === '[' || first === '{') {
      const flow = flowNode(text, 0);
      if (!restIsComment(text.slice(flow.end))) return unsupported();
      this.pos++;
      return flow.value;
    }
    if (first === '"' || first === "'") {
      const q = quoted(text, 0); // one line only
      if (!restIsComment(text.slice(q.end))) return unsupported();
      this.pos++;
      return q.value;
    }
    if (first === '|') return this.literal(text, indent);
    if (isIndicator(first) && !(first === '-' && /^-[^\s,[\]{}#]/.test(text))) return unsupported();
    // A plain scalar: up to a comment; `: ` would make it a mapping, which is outside the subset here.
    const comment = text.search(/ #/);
    const raw = (comment < 0 ? text : text.slice(0, comment)).trimEnd();
    if (/: |:$/.test(raw) || raw.includes('\t')) return unsupported();
    this.pos++;
    // Continuation lines (a long value folded by the writer): joined with spaces.
    let value = raw;
    while (this.line && this.line.indent > indent) {
      // A comment or an empty line ends a plain scalar (an empty line inside one is a line break): outside the subset.
      if (comment >= 0 || this.rawIndex[this.pos] !== this.rawIndex[this.pos - 1]! + 1) return unsupported();
      const more = this.line.text;
      if (isIndicator(more[0]) || / #|: |:$/.test(more)) return unsupported();
      value += ' ' + more.trimEnd();
      this.pos++;
    }
    return value === raw ? plainScalar(raw) : value;
  }

  /** A literal block scalar (`|` or `|-`, indentation detected): its lines as they are. */
  private literal(text: string, indent: number): string {
    const header = /^\|(-?)(?: +#.*)?$/.exec(text.trimEnd());
    if (!header) return unsupported();
    const raw = this.raw;
    const start = this.rawIndex[this.pos]! + 1;
    this.pos++;
    // The content: the raw lines up to the next non-empty line at `indent` or less.
    let end = start;
    let contentIndent = -1;
    const content: string[] = [];
    for (; end < raw.length; end++) {
      const line = raw[end]!;
      if (line.trim() === '') {
        content.push(line);
        continue;
      }
      const lineIndent = line.length - line.trimStart().length;
      if (lineIndent <= indent) break;
      if (contentIndent < 0) {
        // Leading empty lines longer than the content's indentation are an error in YAML: outside the subset.
        if (content.some((l) => l.length > lineIndent)) return unsupported();
        contentIndent = lineIndent;
      } else if (lineIndent < contentIndent) return unsupported();
      content.push(line);
    }
    // Skip the structural lines that were the content.
    while (this.pos < this.lines.length && this.rawIndex[this.pos]! < end) this.pos++;
    if (contentIndent < 0) return unsupported();
    while (content.length && content[content.length - 1]!.trim() === '') content.pop();
    if (content.some((l) => l.trim() === '' && l.length > contentIndent)) return unsupported();
    const body = content.map((l) => (l.trim() === '' ? '' : l.slice(contentIndent))).join('\n');
    return header[1] === '-' ? body : body + '\n';
  }
}

/** `key` when the text is `key:` or `key: …`, the key being a plain word; undefined otherwise. */
function keyOf(text: string): string | undefined {
  const colon = text.indexOf(':');
  if (colon <= 0 || /^["'[{]/.test(text)) return undefined;
  const key = text.slice(0, colon);
  if (text.length > colon + 1 && text[colon + 1] !== ' ') return undefined;
  if (!KEY.test(key) || plainScalar(key) !== key || key === '__proto__') return unsupported();
  return key;
}

/** The document's value, or undefined when it is not written in the plain subset (or is not YAML). */
export function readPlainYaml(source: string): PlainValue | undefined {
  try {
    // Tabs, carriage returns, a byte-order mark and other control characters: outside the subset.
    if (/[\u0000-\u0009\u000b-\u001f\u007f\uFEFF]/.test(source)) return undefined;
    const raw = source.split('\n');
    const lines: Line[] = [];
    const rawIndex: number[] = [];
    raw.forEach((text, index) => {
      const trimmed = text.trimStart();
      if (trimmed === '' || trimmed.startsWith('#')) return;
      if (text.startsWith('---') || text.startsWith('...') || text.startsWith('%')) unsupported();
      lines.push({ indent: text.length - trimmed.length, text: trimmed.trimEnd() });
      rawIndex.push(index);
    });
    return new Reader(lines, raw, rawIndex).read();
  } catch {
    // Outside the subset, or nested too deep for the stack: no early look at this file.
    return undefined;
  }
}
