// The plain-YAML reader of exec's first look never disagrees with the yaml package: on every document it either
// gives up (undefined) or gives exactly what the yaml package reads, without errors, with the options the
// workspace loader uses. Checked on the repository's workspace files, on hand-written edge cases, on random
// documents the yaml package writes in its several styles, and on random mutations of those.
import fs from 'node:fs';
import path from 'node:path';
import { Document, parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { readPlainYaml } from './plain-yaml.js';

const root = path.resolve(__dirname, '../../..');

/**
 * What the workspace loader reads (undefined when the yaml package reports an error, or a warning: validate takes a
 * file the reader accepts as having neither, so the workspace parser would report nothing about its YAML).
 */
function yamlReads(text: string): unknown {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, strict: true });
  if (doc.errors.length || doc.warnings.length) return undefined;
  return doc.toJS({ maxAliasCount: 100 });
}

/** The property: the reader gives up, or agrees with the yaml package (which then reads the text without errors or warnings). */
function agrees(text: string): boolean {
  const plain = readPlainYaml(text);
  if (plain === undefined) return true;
  const expected = yamlReads(text);
  expect(expected, `the yaml package refuses what the reader accepts:\n${text}`).not.toBeUndefined();
  expect(plain, text).toStrictEqual(expected);
  return true;
}

/** A small deterministic random source (the same documents on every run). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    s ^= s >>> 13;
    return (s >>> 0) / 2 ** 32;
  };
}

const WORDS = ['pve1', 'root', 'home', '10.0.0.1', 'fe80::1', '-oProxyCommand=x', 'a b', "it's", 'say "hi"', 'x: y', 'a #b', '#c', 'null', 'true', 'False', '~', '', '12', '0x1F', '0o17', '1e3', '.inf', '-.5', '.nan', '192.168.10.0/24', '~/.ssh/id_ed25519', 'é ü', 'tab\there', 'line\nbreak', '[x]', '{y}', 'a,b', '*alias', '&anchor', '!tag', '@at', '`tick', '%pct', '|pipe', '>gt', '?q', ':colon', '- dash', 'trailing ', ' leading', 'a'.repeat(90), 'word '.repeat(25).trim(), '"' + 'w '.repeat(50)];
const KEYS = ['name', 'site', 'ssh', 'host', 'port', 'user', 'jump', 'notes', 'addresses', 'mgmt', 'roles', 'kind', 'a.b', 'with-dash', 'x_1', 'true', '1', 'a b', '__proto__', 'key:colon'];

function value(rand: () => number, depth: number): unknown {
  const r = rand();
  if (depth > 3 || r < 0.45) {
    const s = rand();
    if (s < 0.6) return WORDS[Math.floor(rand() * WORDS.length)];
    if (s < 0.75) return Math.floor(rand() * 70000) - 100;
    if (s < 0.8) return rand() < 0.5;
    if (s < 0.85) return null;
    if (s < 0.9) return 'line one\nline two\n';
    return rand() * 100;
  }
  if (r < 0.7) return Array.from({ length: Math.floor(rand() * 4) }, () => value(rand, depth + 1));
  const object: Record<string, unknown> = {};
  for (let i = Math.floor(rand() * 5); i > 0; i--) object[KEYS[Math.floor(rand() * KEYS.length)]!] = value(rand, depth + 1);
  return object;
}

function written(rand: () => number, data: unknown): string {
  const doc = new Document(data);
  const style = rand();
  return doc.toString({
    ...(style < 0.3 ? { flowCollectionPadding: true, collectionStyle: 'block' } : style < 0.5 ? { collectionStyle: 'flow' } : {}),
    ...(rand() < 0.3 ? { indentSeq: false } : {}),
    ...(rand() < 0.3 ? { indent: 4 } : {}),
    ...(rand() < 0.5 ? { lineWidth: 40 } : {}),
    ...(rand() < 0.3 ? { defaultStringType: 'QUOTE_SINGLE' } : rand() < 0.2 ? { defaultStringType: 'QUOTE_DOUBLE' } : {}),
  } as Parameters<Document['toString']>[0]);
}

const MUTATIONS = [' ', '  ', '\n', ':', ': ', '- ', '#', ' #', '"', "'", '[', ']', '{', '}', ',', '|', '|-', '>', '&a ', '*a', '!', '---\n', '\t', '\\', '? ', 'x'];

function mutated(rand: () => number, text: string): string {
  let out = text;
  for (let n = 1 + Math.floor(rand() * 3); n > 0; n--) {
    const at = Math.floor(rand() * (out.length + 1));
    const what = rand();
    if (what < 0.6) out = out.slice(0, at) + MUTATIONS[Math.floor(rand() * MUTATIONS.length)] + out.slice(at);
    else if (what < 0.9) out = out.slice(0, at) + out.slice(at + 1 + Math.floor(rand() * 3));
    else {
      // Re-indent a line by one space either way.
      const lines = out.split('\n');
      const i = Math.floor(rand() * lines.length);
      lines[i] = rand() < 0.5 ? ' ' + lines[i] : lines[i]!.replace(/^ /, '');
      out = lines.join('\n');
    }
  }
  return out;
}

describe('readPlainYaml', () => {
  it("reads the repository's workspace files exactly as the yaml package does", () => {
    const files = [
      ...fs.readdirSync(path.join(root, 'test/fixtures/workspaces')).map((f) => path.join(root, 'test/fixtures/workspaces', f)),
      ...fs.readdirSync(path.join(root, 'assets/labs')).map((f) => path.join(root, 'assets/labs', f)),
    ].filter((f) => /\.ya?ml$/.test(f));
    let read = 0;
    for (const file of files) {
      const text = fs.readFileSync(file, 'utf8');
      agrees(text);
      if (readPlainYaml(text) !== undefined) read++;
    }
    // The subset is what these files are written in: most of them are read, not given up on.
    expect(read, `read ${read} of ${files.length}`).toBeGreaterThanOrEqual(Math.ceil(files.length * 0.75));
  });

  it('reads the forms workspace files use, and gives up on the rest of YAML', () => {
    const cases: [string, unknown][] = [
      ['version: 1\nnodes:\n  - name: a\n    ssh: { host: 10.0.0.1, port: 2222, jump: [gw, "x y"] }\n', { version: 1, nodes: [{ name: 'a', ssh: { host: '10.0.0.1', port: 2222, jump: ['gw', 'x y'] } }] }],
      ['a:\n- 1\n- two\nb: ~\n', { a: [1, 'two'], b: null }],
      ["a: 'it''s' # note\nb: \"tab\\tx\\u00e9\"\n", { a: "it's", b: 'tab\txé' }],
      ['notes: |\n  # kept\n  two\n\n  three\nnext: 1\n', { notes: '# kept\ntwo\n\nthree\n', next: 1 }],
      ['notes: |-\n  a\n  b\n', { notes: 'a\nb' }],
      ['description: a long\n  folded value\nx: fe80::1\n', { description: 'a long folded value', x: 'fe80::1' }],
      ['- - a\n  - b\n- c: 1\n  d: [ ]\n', [['a', 'b'], { c: 1, d: [] }]],
      ['n: 0x1F\nf: -.5\ni: .inf\nt: True\n', { n: 31, f: -0.5, i: Infinity, t: true }],
      [`${'k'.repeat(1024)}: 1\n`, { ['k'.repeat(1024)]: 1 }],
    ];
    for (const [text, expected] of cases) {
      expect(readPlainYaml(text), text).toStrictEqual(expected);
      agrees(text);
    }
    const outside = [
      'a: &x 1\nb: *x\n',
      'a: !!str 1\n',
      'a: >\n  folded\n',
      'a: |+\n  keep\n\n',
      'a: |2\n   x\n',
      'a: [1,\n  2]\n',
      'a: "multi\n  line"\n',
      '---\na: 1\n',
      'a: 1\n---\nb: 2\n',
      'a: 1\na: 2\n',
      '? a\n: 1\n',
      'a:\n\tb: 1\n',
      '"quoted key": 1\n',
      'a: b: c\n',
      'a: [x: 1]\n',
      '<<: { a: 1 }\n',
      '__proto__: { polluted: 1 }\n',
      // The yaml package refuses an implicit block-mapping key over 1,024 characters (KEY_OVER_1024_CHARS).
      `${'k'.repeat(1025)}: 1\n`,
      `a:\n  ${'k'.repeat(1025)}: 1\n`,
      '\uFEFFa: 1\n',
      'a: x\n  # comment\n  y\n',
      'a: x\n\n  y\n',
      'a: 1\n b: 2\n',
      '  a: 1\n',
      'scalar only\n',
      '',
      '[' .repeat(100_000),
    ];
    for (const text of outside) expect(readPlainYaml(text), JSON.stringify(text.slice(0, 40))).toBeUndefined();
  });

  it('never disagrees with the yaml package on random documents in its writing styles, nor on mutations of them', () => {
    const rand = random(20);
    let read = 0;
    for (let n = 0; n < 1500; n++) {
      const text = written(rand, { version: 1, nodes: value(rand, 0), other: value(rand, 0) });
      agrees(text);
      if (readPlainYaml(text) !== undefined) read++;
      for (let m = 0; m < 4; m++) agrees(mutated(rand, text));
    }
    // Not a property that holds by giving up on everything.
    expect(read).toBeGreaterThan(300);
  });
});
