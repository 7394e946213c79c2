// Reads a workspace file: YAML syntax, version and migrations, the schema, unknown keys and
// cross-references, with the line, column and field path of every problem. A file that fails the
// schema still has its cross-references checked on what could be read, in the same pass.
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { workspaceMigrations, type WorkspaceMigration } from './migrations.js';
import { formatPath, type FieldPath } from './paths.js';
import { checkReferences, type ReferenceIssue } from './references.js';
import { salvageWorkspace } from './salvage.js';
import { WORKSPACE_VERSION, workspaceSchemaFor, type Workspace, type WorkspaceIssue } from './schema.js';
import type { StackList } from '../stacks/compose.js';

export interface ParsedWorkspace {
  /** The model, when the file passed the schema (it may still have reference errors: see ok). */
  workspace?: Workspace;
  /** The parsed YAML document: edits are applied onto it so comments and key order survive. */
  document: Document;
  issues: WorkspaceIssue[];
  /** True when there is a model and no issue of severity error. */
  ok: boolean;
  /** The version the file had when it needed an upgrade. */
  migratedFrom?: number;
}

export interface ParseOptions {
  migrations?: readonly WorkspaceMigration[];
  currentVersion?: number;
  /** The stacks whose sections the file may hold (default: the registered ones). */
  stacks?: StackList;
}

type Located = { line: number; column: number };

/** Finds the YAML node a field path points at (or the deepest one that exists) and its position. */
export function locatePath(doc: Document, lineCounter: LineCounter, path: FieldPath, at: 'key' | 'value' = 'value'): Located {
  let node: unknown = doc.contents;
  let offset = (doc.contents as YamlNode | null)?.range?.[0] ?? 0;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(segment));
      if (!pair) break;
      const keyNode = pair.key as YamlNode | null;
      const valueNode = pair.value as YamlNode | null;
      if (last && at === 'key' && keyNode?.range) {
        offset = keyNode.range[0];
        break;
      }
      if (valueNode?.range) offset = valueNode.range[0];
      else if (keyNode?.range) offset = keyNode.range[0];
      node = valueNode;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as YamlNode | undefined;
      if (!item) break;
      if (item.range) offset = item.range[0];
      node = item;
    } else break;
  }
  const pos = lineCounter.linePos(offset);
  return { line: pos.line, column: pos.col };
}

/** The field path of the deepest YAML node that contains `offset` (where a syntax error sits). */
export function pathAtOffset(doc: Document, offset: number): FieldPath {
  const path: (string | number)[] = [];
  let node: unknown = doc.contents;
  const within = (n: unknown) => {
    const range = (n as YamlNode | null)?.range;
    return !!range && range[0] <= offset && offset <= range[2];
  };
  for (let depth = 0; depth < 64; depth++) {
    if (isMap(node)) {
      const pair = node.items.find((p) => within(p.key) || within(p.value));
      if (!pair) break;
      path.push(isScalar(pair.key) ? String(pair.key.value) : String(pair.key));
      node = pair.value;
    } else if (isSeq(node)) {
      const index = node.items.findIndex((item) => within(item));
      if (index < 0) break;
      path.push(index);
      node = node.items[index];
    } else break;
  }
  return path;
}

function nounFor(expected: string): string {
  switch (expected) {
    case 'object':
    case 'record':
      return 'a mapping (key: value lines)';
    case 'array':
    case 'tuple':
      return 'a list';
    case 'string':
      return 'text';
    case 'number':
      return 'a number';
    case 'int':
      return 'a whole number';
    case 'boolean':
      return 'true or false';
    default:
      return expected;
  }
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the text "${value.length > 40 ? value.slice(0, 40) + '…' : value}"`;
  return `${typeof value === 'number' ? 'the number' : typeof value} ${String(value)}`;
}

function valueAt(raw: unknown, path: FieldPath): unknown {
  let value = raw;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string | number, unknown>)[segment as string];
  }
  return value;
}

function explainIssue(issue: z.core.$ZodIssue, raw: unknown): { message: string; expected: string } {
  const path = issue.path as FieldPath;
  switch (issue.code) {
    case 'invalid_type': {
      const expected = nounFor(issue.expected);
      const found = valueAt(raw, path);
      return found === undefined
        ? { message: `${formatPath(path)} is missing: expected ${expected}.`, expected }
        : { message: `${formatPath(path)}: expected ${expected}, found ${describeValue(found)}.`, expected };
    }
    case 'invalid_value': {
      const expected = issue.values.length === 1 ? String(issue.values[0]) : `one of ${issue.values.map(String).join(', ')}`;
      const found = valueAt(raw, path);
      return found === undefined
        ? { message: `${formatPath(path)} is missing: expected ${expected}.`, expected }
        : { message: `${formatPath(path)}: expected ${expected}, found ${describeValue(found)}.`, expected };
    }
    default: {
      const text = issue.message.replace(/^Invalid input: /, '');
      return { message: `${formatPath(path)}: ${text}${/[.!]$/.test(text) ? '' : '.'}`, expected: text.replace(/^expected /, '') };
    }
  }
}

function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = current;
    }
  }
  return row[b.length]!;
}

type SchemaDef = { type: string; shape?: Record<string, unknown>; element?: unknown; innerType?: unknown; valueType?: unknown; items?: unknown[] };

function defOf(schema: unknown): SchemaDef | undefined {
  return (schema as { _zod?: { def?: SchemaDef } } | undefined)?._zod?.def;
}

/** The keys the schema allows for the object at `path` (for "did you mean"). */
function schemaKeysAt(path: FieldPath, root: unknown): string[] {
  let schema: unknown = root;
  const unwrap = () => {
    for (let def = defOf(schema); def && ['optional', 'default', 'nullable', 'prefault'].includes(def.type); def = defOf(schema)) schema = def.innerType;
  };
  for (const segment of path) {
    unwrap();
    const def = defOf(schema);
    if (!def) return [];
    if (def.type === 'object') schema = def.shape?.[String(segment)];
    else if (def.type === 'array') schema = def.element;
    else if (def.type === 'record') schema = def.valueType;
    else if (def.type === 'tuple') schema = def.items?.[Number(segment)];
    else return [];
  }
  unwrap();
  const def = defOf(schema);
  return def?.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

function sortByPosition(issues: WorkspaceIssue[]): void {
  issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}

/**
 * Parses workspace YAML text. Never throws: every problem is an issue with a line and column.
 * Unknown keys are warnings (the file still opens, the key is kept on save, and the nearest known
 * key is suggested), so a typo never loses data and a file from a newer minor release still opens.
 */
export function parseWorkspace(text: string, options: ParseOptions = {}): ParsedWorkspace {
  const migrations = options.migrations ?? workspaceMigrations;
  const currentVersion = options.currentVersion ?? WORKSPACE_VERSION;
  const lineCounter = new LineCounter();
  let doc: Document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true });
  const issues: WorkspaceIssue[] = [];
  const at = (path: FieldPath, where: 'key' | 'value' = 'value') => locatePath(doc, lineCounter, path, where);
  const fail = (): ParsedWorkspace => ({ document: doc, issues, ok: false });
  const referenceIssue = (issue: ReferenceIssue): WorkspaceIssue => ({ severity: issue.severity, code: issue.code, message: issue.message, path: formatPath(issue.path), ...(issue.expected ? { expected: issue.expected } : {}), ...at(issue.path) });

  const syntax = (severity: 'error' | 'warning', list: typeof doc.errors) => {
    for (const error of list) {
      const pos = lineCounter.linePos(error.pos[0]);
      const where = formatPath(pathAtOffset(doc, error.pos[0]));
      issues.push({ severity, code: 'yaml-syntax', message: `YAML ${severity === 'error' ? 'syntax error' : 'warning'} at line ${pos.line}, column ${pos.col}${where === '(root)' ? '' : ` (in ${where})`}: ${error.message}`, path: where, expected: 'valid YAML', line: pos.line, column: pos.col });
    }
  };
  syntax('error', doc.errors);
  syntax('warning', doc.warnings);
  if (doc.errors.length > 0) return fail();

  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    issues.push({ severity: 'error', code: 'yaml-syntax', message: `The YAML could not be read: ${error instanceof Error ? error.message : String(error)}.`, path: '(root)', expected: 'valid YAML without excessive aliases', line: 1, column: 1 });
    return fail();
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    issues.push({ severity: 'error', code: 'schema', message: `A workspace file is a mapping with version, name, sites, networks and nodes; found ${describeValue(raw)}.`, path: '(root)', expected: 'a mapping (key: value lines)', ...at([]) });
    return fail();
  }

  const version = (raw as Record<string, unknown>).version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    issues.push({ severity: 'error', code: 'version', message: `version: expected the format version (${currentVersion}), found ${describeValue(version)}. Add "version: ${currentVersion}" at the top of the file.`, path: 'version', expected: String(currentVersion), ...at(['version']) });
    return fail();
  }
  if (version > currentVersion) {
    issues.push({ severity: 'error', code: 'version', message: `This workspace was written by a newer Clusterwright (format version ${version}); this one reads up to version ${currentVersion}. Upgrade Clusterwright to open it; the file is left untouched.`, path: 'version', expected: `at most ${currentVersion}`, ...at(['version']) });
    return fail();
  }
  let migratedFrom: number | undefined;
  if (version < currentVersion) {
    const upgraded = doc.clone();
    for (let v = version; v < currentVersion; v++) {
      const step = migrations.find((m) => m.from === v);
      if (!step) {
        issues.push({ severity: 'error', code: 'version', message: `No upgrade exists from workspace format version ${v}; this Clusterwright reads version ${currentVersion}.`, path: 'version', expected: String(currentVersion), ...at(['version']) });
        return fail();
      }
      step.apply(upgraded);
      upgraded.set('version', v + 1);
    }
    migratedFrom = version;
    doc = upgraded;
    // Positions of the upgraded document refer to the original text only where nodes were kept.
    raw = doc.toJS({ maxAliasCount: 100 });
  }

  const workspaceSchema = workspaceSchemaFor(options.stacks);
  let result = workspaceSchema.safeParse(raw);
  if (!result.success) {
    const unknownKeys = result.error.issues.filter((i) => i.code === 'unrecognized_keys');
    const others = result.error.issues.filter((i) => i.code !== 'unrecognized_keys');
    for (const issue of unknownKeys) {
      const parent = issue.path as FieldPath;
      const known = schemaKeysAt(parent, workspaceSchema);
      for (const key of issue.keys) {
        const suggestion = nearest(key, known);
        const path = [...parent, key];
        issues.push({
          severity: 'warning',
          code: 'unknown-key',
          message: `${formatPath(path)} is not a key Clusterwright knows; it is ignored and kept as written.${suggestion ? ` Did you mean "${suggestion}"?` : ''}`,
          path: formatPath(path),
          expected: suggestion ? `"${suggestion}"` : 'a known key',
          ...at(path, 'key'),
        });
      }
    }
    for (const issue of others) {
      const { message, expected } = explainIssue(issue, raw);
      issues.push({ severity: 'error', code: 'schema', message, path: formatPath(issue.path as FieldPath), expected, ...at(issue.path as FieldPath) });
    }
    if (others.length > 0) {
      // The references of what could be read, so the admin sees every problem at once.
      const salvaged = salvageWorkspace(raw, workspaceSchema);
      if (salvaged) {
        const schemaPaths = new Set(issues.map((i) => i.path));
        for (const issue of checkReferences(salvaged.workspace, options.stacks, salvaged.unread)) {
          const located = { ...issue, path: salvaged.toFilePath(issue.path) };
          if (!schemaPaths.has(formatPath(located.path))) issues.push(referenceIssue(located));
        }
      }
      sortByPosition(issues);
      return { ...fail(), ...(migratedFrom !== undefined ? { migratedFrom } : {}) };
    }
    sortByPosition(issues);
    const stripped = JSON.parse(JSON.stringify(raw)) as unknown;
    for (const issue of unknownKeys) {
      const parent = valueAt(stripped, issue.path as FieldPath) as Record<string, unknown>;
      for (const key of issue.keys) delete parent[key];
    }
    result = workspaceSchema.safeParse(stripped);
    if (!result.success) {
      // Cannot happen: only unknown keys were wrong. Report rather than throw.
      issues.push({ severity: 'error', code: 'schema', message: 'The workspace could not be read after ignoring unknown keys.', path: '(root)', expected: 'a valid workspace', line: 1, column: 1 });
      return fail();
    }
  }

  const workspace = result.data;
  for (const issue of checkReferences(workspace, options.stacks)) issues.push(referenceIssue(issue));
  sortByPosition(issues);
  return {
    workspace,
    document: doc,
    issues,
    ok: !issues.some((i) => i.severity === 'error'),
    ...(migratedFrom !== undefined ? { migratedFrom } : {}),
  };
}

/**
 * What parseWorkspace gives for a file that needs nothing from its YAML document, from the file's value read
 * without one (`raw`: exactly what the yaml package reads, without errors or warnings): the current format version,
 * the schema passed with no unknown key, every reference resolved — so no issue, and no position to locate.
 * undefined for anything else: parseWorkspace then reads the file and reports each problem where it is.
 */
export function parseCleanWorkspace(raw: unknown, options: Pick<ParseOptions, 'stacks'> = {}): Pick<ParsedWorkspace, 'workspace' | 'issues' | 'ok'> | undefined {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw) || (raw as Record<string, unknown>).version !== WORKSPACE_VERSION) return undefined;
  const result = workspaceSchemaFor(options.stacks).safeParse(raw);
  if (!result.success || checkReferences(result.data, options.stacks).length > 0) return undefined;
  return { workspace: result.data, issues: [], ok: true };
}

/** Checks a model that did not come from a file (an edit from the canvas): schema and references. */
export function checkWorkspaceModel(input: unknown, stacks?: StackList): { workspace?: Workspace; issues: WorkspaceIssue[] } {
  const result = workspaceSchemaFor(stacks).safeParse(input);
  if (!result.success) {
    return {
      issues: result.error.issues.map((issue) => {
        const { message, expected } = issue.code === 'unrecognized_keys' ? { message: `${formatPath(issue.path as FieldPath)}: unknown keys ${issue.keys.join(', ')}.`, expected: 'known keys only' } : explainIssue(issue, input);
        return { severity: 'error' as const, code: 'schema', message, path: formatPath(issue.path as FieldPath), expected };
      }),
    };
  }
  const issues: WorkspaceIssue[] = checkReferences(result.data, stacks).map((issue) => ({
    severity: issue.severity,
    code: issue.code,
    message: issue.message,
    path: formatPath(issue.path),
    ...(issue.expected ? { expected: issue.expected } : {}),
  }));
  return { workspace: result.data, issues };
}
