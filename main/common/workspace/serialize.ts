// Writes a workspace back to YAML. An edit is applied onto the parsed document as a diff of the
// previous and the next model, so comments, key order, unknown keys and untouched values stay.
import { Document, isMap, isScalar, isSeq, type Node as YamlNode, type Pair, YAMLMap, type YAMLSeq } from 'yaml';
import type { Workspace } from './schema.js';
import { defaultStacks } from '../stacks/compose.js';

type Plain = null | boolean | number | string | Plain[] | { [key: string]: Plain };

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Deep equality of plain data, ignoring key order and undefined values. */
export function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (isRecord(a) && isRecord(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => equal(a[k], b[k]));
  }
  return false;
}

/** Small mappings of scalars ({x, y}, addresses) and lists of names are written on one line. */
function compact(doc: Document, value: unknown): YamlNode {
  const node = doc.createNode(value) as YamlNode;
  const visit = (n: unknown) => {
    if (isMap(n)) {
      const scalars = n.items.every((p) => isScalar(p.value));
      if (scalars && n.items.length > 0 && n.items.length <= 4) n.flow = true;
      else n.items.forEach((p) => visit(p.value));
    } else if (isSeq(n)) {
      if (n.items.length > 0 && n.items.every((i) => isScalar(i))) n.flow = true;
      else n.items.forEach(visit);
    }
  };
  visit(node);
  return node;
}

/** What identifies a list item across an edit: its name, id or network, else its value. */
function identity(value: unknown): string {
  if (isRecord(value)) {
    for (const key of ['name', 'id', 'link', 'site', 'host']) {
      if (typeof value[key] === 'string' || typeof value[key] === 'number') return `${key}=${String(value[key])}`;
    }
    return JSON.stringify(value);
  }
  return JSON.stringify(value);
}

function patchNode(doc: Document, node: unknown, prev: unknown, next: unknown): YamlNode | undefined {
  // Returns a replacement node, or undefined when the node was patched in place.
  if (equal(prev, next)) return undefined;
  if (isScalar(node) && (next === null || typeof next !== 'object')) {
    node.value = next;
    return undefined;
  }
  const emptied = (Array.isArray(next) && next.length === 0) || (isRecord(next) && Object.keys(next).length === 0);
  if (emptied) {
    // A fresh [] or {}: yaml cannot print a comment before an empty flow collection, so only the
    // trailing comment is kept.
    const replacement = compact(doc, next);
    const old = node as YamlNode | null;
    if (old && typeof old === 'object' && old.comment) replacement.comment = old.comment;
    return replacement;
  }
  if (isMap(node) && isRecord(next) && isRecord(prev)) {
    patchMap(doc, node, prev, next);
    return undefined;
  }
  if (isSeq(node) && Array.isArray(next) && Array.isArray(prev)) {
    patchSeq(doc, node, prev, next);
    return undefined;
  }
  const replacement = compact(doc, next);
  if (node && typeof node === 'object') {
    const old = node as YamlNode;
    if (old.commentBefore) replacement.commentBefore = old.commentBefore;
    if (old.comment) replacement.comment = old.comment;
  }
  return replacement;
}

function patchMap(doc: Document, map: YAMLMap, prev: Record<string, unknown>, next: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(next)) {
    if (value === undefined) continue;
    if (!map.has(key)) {
      map.set(key, compact(doc, value));
      continue;
    }
    const child = map.get(key, true);
    const replacement = patchNode(doc, child, prev[key], value);
    if (replacement) map.set(key, replacement);
  }
  // Delete only what the previous model had: keys the model never knew (unknown keys) stay.
  for (const key of Object.keys(prev)) {
    if (prev[key] !== undefined && (next[key] === undefined || !(key in next))) map.delete(key);
  }
}

function patchSeq(doc: Document, seq: YAMLSeq, prev: unknown[], next: unknown[]): void {
  const oldItems = [...seq.items];
  const used = new Set<number>();
  const byIdentity = new Map<string, number[]>();
  prev.forEach((value, i) => {
    const key = identity(value);
    byIdentity.set(key, [...(byIdentity.get(key) ?? []), i]);
  });
  const items: unknown[] = next.map((value, i) => {
    const candidates = byIdentity.get(identity(value)) ?? [];
    let index = candidates.find((c) => !used.has(c));
    if (index === undefined && i < prev.length && !used.has(i) && !next.some((v) => identity(v) === identity(prev[i]))) index = i;
    if (index === undefined || index >= oldItems.length) return compact(doc, value);
    used.add(index);
    const node = oldItems[index];
    return patchNode(doc, node, prev[index], value) ?? node;
  });
  seq.items = items;
}

/** Applies the change from `prev` to `next` onto `doc` (a copy is returned; `doc` is not touched). */
export function applyWorkspaceEdit(doc: Document, prev: Workspace, next: Workspace): Document {
  const copy = doc.clone();
  if (!isMap(copy.contents)) {
    copy.contents = compact(copy, toPlain(next)) as typeof copy.contents;
    return copy;
  }
  patchMap(copy, copy.contents, toPlain(prev) as Record<string, unknown>, toPlain(next) as Record<string, unknown>);
  return copy;
}

/** A model as plain JSON-like data (drops undefined). */
function toPlain(value: unknown): Plain {
  return JSON.parse(JSON.stringify(value)) as Plain;
}

const stringifyOptions = { lineWidth: 0, flowCollectionPadding: false } as const;

/** The order of a new file's top-level keys: the base, each registered stack's section, the layout. */
const topLevelOrder = ['version', 'name', 'description', 'sites', 'networks', 'nodes', ...defaultStacks.map((s) => s.section.key), 'layout'];

/** Writes a model as a new YAML text (for a new file); prefer applyWorkspaceEdit for an existing one. */
export function serializeWorkspace(ws: Workspace, header?: string): string {
  const doc = new Document();
  const plain = toPlain(ws) as Record<string, unknown>;
  const ordered: Record<string, unknown> = {};
  for (const key of topLevelOrder) if (plain[key] !== undefined) ordered[key] = plain[key];
  for (const key of Object.keys(plain)) if (!(key in ordered)) ordered[key] = plain[key];
  doc.contents = compact(doc, ordered) as typeof doc.contents;
  if (header) doc.commentBefore = header;
  return doc.toString(stringifyOptions);
}

/** Text of an edited document, in the same style serializeWorkspace uses. */
export function documentText(doc: Document): string {
  return doc.toString(stringifyOptions);
}

const blankOrComment = /^\s*(#.*)?$/;

function keyName(pair: Pair): string {
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}

/** Splits text into lines that keep their line ends. */
function linesOf(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

function trailingCommentLines(segment: string): string[] {
  const lines = linesOf(segment);
  let i = lines.length;
  while (i > 0 && blankOrComment.test(lines[i - 1]!.replace(/\n$/, ''))) i--;
  return lines.slice(i);
}

function stripCommentEdges(text: string): string {
  const lines = linesOf(text);
  let start = 0;
  let end = lines.length;
  while (start < end && blankOrComment.test(lines[start]!.replace(/\n$/, ''))) start++;
  while (end > start && blankOrComment.test(lines[end - 1]!.replace(/\n$/, ''))) end--;
  const body = lines.slice(start, end).join('');
  return body.endsWith('\n') ? body : body + '\n';
}

function indentLines(text: string, indent: number): string {
  if (indent === 0) return text;
  const pad = ' '.repeat(indent);
  return linesOf(text)
    .map((line) => (line.trim() === '' ? line : pad + line))
    .join('');
}

function prefixLines(text: string, first: string, indent: number): string {
  const rest = indentLines(text, indent);
  return first + rest.slice(indent);
}

function pairText(s: Splice, pair: Pair, first: string, indent: number): string {
  const single = new Document();
  const map = new YAMLMap();
  map.items.push(pair);
  single.contents = map as typeof single.contents;
  return prefixLines(stripCommentEdges(single.toString({ ...stringifyOptions, flowCollectionPadding: s.flowPadding })), first, indent);
}

function seqItemText(s: Splice, item: unknown, indent: number): string {
  const single = new Document();
  single.contents = single.createNode([]) as typeof single.contents;
  (single.contents as unknown as YAMLSeq).items.push(item);
  return indentLines(stripCommentEdges(single.toString({ ...stringifyOptions, flowCollectionPadding: s.flowPadding })), indent);
}

interface Splice {
  text: string;
  lineStart(offset: number): number;
  /** The file writes flow collections as { a: 1 } rather than {a: 1}. */
  flowPadding: boolean;
}

/** Line starts of a block collection's items, or undefined when its layout is not the plain one. */
function itemStarts(s: Splice, node: YAMLMap | YAMLSeq): number[] | undefined {
  const starts: number[] = [];
  for (const item of node.items) {
    const anchor = (isMap(node) ? (item as Pair).key : item) as YamlNode | null;
    if (!anchor?.range) return undefined;
    const start = s.lineStart(anchor.range[0]);
    const prefix = s.text.slice(start, anchor.range[0]);
    // A map that is a list item starts on the "- " line.
    const allowed = isMap(node) ? (starts.length === 0 ? /^ *(- +)?$/ : /^ *$/) : /^ *- +$/;
    if (!allowed.test(prefix)) return undefined;
    if (starts.length && start <= starts[starts.length - 1]!) return undefined;
    starts.push(start);
  }
  return starts;
}

function leadingSpaces(s: Splice, offset: number): number {
  return /^ */.exec(s.text.slice(offset))![0].length;
}

/**
 * Text for [from, end) of the original holding block collection `orig`, after the edit prev → next.
 * Unchanged items keep their original text; changed ones are written from `edited`.
 * Returns undefined when the original layout is unusual (the caller then rewrites the whole value).
 */
function spliceCollection(s: Splice, orig: YAMLMap | YAMLSeq, edited: unknown, prev: unknown, next: unknown, end: number): string | undefined {
  if (orig.flow || orig.items.length === 0) return undefined;
  // An emptied collection is written as [] or {} by the caller.
  if ((isMap(edited) || isSeq(edited)) && edited.items.length === 0) return undefined;
  const starts = itemStarts(s, orig);
  if (!starts) return undefined;
  const firstAnchor = (isMap(orig) ? (orig.items[0] as Pair).key : orig.items[0]) as YamlNode;
  const firstPrefix = s.text.slice(starts[0]!, firstAnchor.range![0]);
  const indent = isMap(orig) ? firstPrefix.length : leadingSpaces(s, starts[0]!);
  const lead = (i: number) => (i === 0 && isMap(orig) ? firstPrefix : ' '.repeat(indent));
  const segment = (i: number) => s.text.slice(starts[i]!, i + 1 < starts.length ? starts[i + 1]! : end);
  const pieces: string[] = [];
  const body = (i: number) => {
    const seg = segment(i);
    return seg.slice(0, seg.length - trailingCommentLines(seg).join('').length);
  };
  const trailing = (i: number) => trailingCommentLines(segment(i)).join('');
  const last = orig.items.length - 1;

  if (isMap(orig)) {
    if (!isMap(edited) || !isRecord(prev) || !isRecord(next)) return undefined;
    const editedPairs = new Map(edited.items.map((pair) => [keyName(pair), pair]));
    const origKeys = orig.items.map((pair) => keyName(pair));
    orig.items.forEach((pair, i) => {
      const key = origKeys[i]!;
      const replacement = editedPairs.get(key);
      const tail = i === last ? '' : trailing(i);
      if (!replacement) {
        pieces.push(tail);
        return;
      }
      if (equal(prev[key], next[key])) {
        pieces.push(body(i) + tail);
        return;
      }
      const value = pair.value as YamlNode | null;
      const keyNode = pair.key as YamlNode;
      if ((isMap(value) || isSeq(value)) && !value.flow && value.items.length > 0 && value.range) {
        const valueStarts = itemStarts(s, value);
        const firstLine = valueStarts?.[0];
        const segEnd = i + 1 < starts.length ? starts[i + 1]! : end;
        const bodyEnd = starts[i]! + body(i).length;
        if (firstLine !== undefined && firstLine > s.lineStart(keyNode.range![0])) {
          const inner = spliceCollection(s, value, replacement.value, prev[key], next[key], Math.min(segEnd, bodyEnd));
          if (inner !== undefined) {
            pieces.push(s.text.slice(starts[i]!, firstLine) + inner + tail);
            return;
          }
        }
      }
      pieces.push(pairText(s, replacement, lead(i), indent) + tail);
    });
    for (const [key, pair] of editedPairs) if (!origKeys.includes(key)) pieces.push(pairText(s, pair, ' '.repeat(indent), indent));
  } else {
    if (!isSeq(edited) || !Array.isArray(prev) || !Array.isArray(next) || prev.length !== orig.items.length) return undefined;
    const used = new Set<number>();
    const emitted = new Set<number>();
    next.forEach((value, i) => {
      const j = prev.findIndex((p, k) => !used.has(k) && identity(p) === identity(value));
      if (j >= 0) used.add(j);
      if (j >= 0 && equal(prev[j], value)) {
        emitted.add(j);
        pieces.push(body(j) + (j === last ? '' : trailing(j)));
      } else {
        if (j >= 0) emitted.add(j);
        const tail = j >= 0 && j !== last ? trailing(j) : '';
        const origItem = j >= 0 ? orig.items[j] : undefined;
        const editedItem = edited.items[i];
        if (j >= 0 && isMap(origItem) && isMap(editedItem)) {
          const inner = spliceCollection(s, origItem, editedItem, prev[j], value, starts[j]! + body(j).length);
          if (inner !== undefined) {
            pieces.push(inner + tail);
            return;
          }
        }
        pieces.push(seqItemText(s, editedItem, indent) + tail);
      }
    });
    orig.items.forEach((_, j) => {
      if (!emitted.has(j) && j !== last) pieces.push(trailing(j));
    });
  }
  return pieces.join('') + trailing(last);
}

/**
 * The file text after an edit from `prev` to `next`. Parts the edit did not touch are kept byte for
 * byte (down to single list items and keys); touched parts are written from the edited document with
 * their comments, and comment lines between items stay where they were. `text` must be what `doc`
 * was parsed from.
 */
export function editWorkspaceText(text: string, doc: Document, prev: Workspace, next: Workspace): string {
  const edited = applyWorkspaceEdit(doc, prev, next);
  const original = doc.contents;
  if (doc.errors.length > 0 || !isMap(original)) return documentText(edited);
  const s: Splice = { text, lineStart: (offset) => text.lastIndexOf('\n', offset - 1) + 1, flowPadding: /[{[] [^\s#]/.test(text) };
  const starts = itemStarts(s, original);
  if (!starts || starts.length === 0 || leadingSpaces(s, starts[0]!) !== 0) return documentText(edited);
  const body = spliceCollection(s, original, edited.contents, toPlain(prev), toPlain(next), text.length);
  if (body === undefined) return documentText(edited);
  const out = text.slice(0, starts[0]) + body;
  return out.endsWith('\n') ? out : out + '\n';
}
