// The workspace parser: positions of every problem, unknown keys, versions and migrations,
// cross-references, and a bounded fuzz run of mutated files that must never crash.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { emptyWorkspace, emptyWorkspaceText } from './empty.js';
import { parseWorkspace } from './parse.js';
import type { WorkspaceMigration } from './migrations.js';

const fixtures = path.resolve(__dirname, '../../../test/fixtures/workspaces');
const example = fs.readFileSync(path.join(fixtures, 'example.yaml'), 'utf8');

describe('parseWorkspace', () => {
  it('reads the documented example without a single issue', () => {
    const parsed = parseWorkspace(example);
    expect(parsed.issues).toEqual([]);
    expect(parsed.ok).toBe(true);
    expect(parsed.workspace!.nodes.map((n) => n.name)).toContain('pve3');
    expect(parsed.workspace!.proxmox!.clusters[0]!.links[1]).toEqual({ link: 1, network: 'ring1', priority: 10 });
  });

  it('reads the empty workspace it writes for a new folder', () => {
    const parsed = parseWorkspace(emptyWorkspaceText());
    expect(parsed.ok).toBe(true);
    expect(parsed.workspace).toEqual(emptyWorkspace());
  });

  it('gives line, column, field path and what was expected for a schema error', () => {
    const text = 'version: 1\nname: x\nsites:\n  - name: home\n    kind: lann\n';
    const [issue] = parseWorkspace(text).issues;
    expect(issue).toMatchObject({ severity: 'error', code: 'schema', path: 'sites[0].kind', line: 5, column: 11, expected: 'one of lan, man, wan, internet' });
    expect(issue!.message).toContain('found the text "lann"');
  });

  it('points a missing key at the object that lacks it', () => {
    const text = 'version: 1\nname: x\nsites:\n  - name: home\nnodes:\n  - name: n1\n    addresses: {}\n';
    const issues = parseWorkspace(text).issues;
    const kind = issues.find((i) => i.path === 'sites[0].kind')!;
    expect(kind).toMatchObject({ line: 4, column: 5 });
    expect(kind.message).toMatch(/sites\[0\]\.kind is missing: expected one of lan/);
    expect(issues.find((i) => i.path === 'nodes[0].site')).toMatchObject({ line: 6 });
  });

  it('reports YAML syntax errors with their position and no model', () => {
    const parsed = parseWorkspace('version: 1\nname: [unclosed\nsites: []\n');
    expect(parsed.workspace).toBeUndefined();
    expect(parsed.issues[0]).toMatchObject({ severity: 'error', code: 'yaml-syntax' });
    expect(parsed.issues[0]!.line).toBeGreaterThanOrEqual(2);
  });

  it('reports duplicate keys as syntax errors', () => {
    const parsed = parseWorkspace('version: 1\nname: a\nname: b\n');
    expect(parsed.issues[0]).toMatchObject({ code: 'yaml-syntax', line: 3 });
  });

  it('names the field a syntax error sits in', () => {
    const parsed = parseWorkspace('version: 1\nname: x\nnodes:\n  - name: a\n    site: s\n    addresses: { lan: 10.0.0.1, lan: 10.0.0.2 }\n');
    expect(parsed.issues[0]).toMatchObject({ code: 'yaml-syntax', line: 6, path: 'nodes[0].addresses.lan' });
    expect(parsed.issues[0]!.message).toContain('(in nodes[0].addresses.lan)');
  });

  it('warns about an unknown key at its position, suggests the near key, and still opens the file', () => {
    const text = 'version: 1\nname: x\nsites:\n  - name: home\n    kind: lan\n    locaton: cellar\n';
    const parsed = parseWorkspace(text);
    expect(parsed.ok).toBe(true);
    expect(parsed.issues).toEqual([expect.objectContaining({ severity: 'warning', code: 'unknown-key', path: 'sites[0].locaton', line: 6, column: 5 })]);
    expect(parsed.issues[0]!.message).toContain('Did you mean "location"?');
    expect(parsed.workspace!.sites[0]).toEqual({ name: 'home', kind: 'lan' });
  });

  it('refuses a file from a newer format version and leaves it alone', () => {
    const parsed = parseWorkspace('version: 7\nname: x\n');
    expect(parsed.workspace).toBeUndefined();
    expect(parsed.issues[0]).toMatchObject({ code: 'version', line: 1, column: 10 });
    expect(parsed.issues[0]!.message).toContain('newer Clusterwright (format version 7)');
  });

  it('asks for the version when it is missing', () => {
    const parsed = parseWorkspace('name: x\n');
    expect(parsed.issues[0]).toMatchObject({ code: 'version', path: 'version', line: 1, column: 1 });
  });

  it('upgrades an older version through the migrations, keeping comments', () => {
    // Pretend the current format is 2, where "title" became "name".
    const rename: WorkspaceMigration = {
      from: 1,
      describe: 'title is now name',
      apply(doc) {
        const title = doc.get('title');
        doc.delete('title');
        doc.set('name', title);
      },
    };
    const parsed = parseWorkspace('# my estate\nversion: 1\ntitle: Home\n', { migrations: [rename], currentVersion: 2 });
    expect(parsed.migratedFrom).toBe(1);
    expect(parsed.document.toString()).toContain('# my estate');
    // The real schema is version 1, so the upgraded document fails only on its version literal.
    expect(parsed.issues.map((i) => i.path)).toEqual(['version']);
    expect(parsed.document.get('name')).toBe('Home');
  });

  it('reports a version without an upgrade path', () => {
    const parsed = parseWorkspace('version: 1\nname: x\n', { migrations: [], currentVersion: 3 });
    expect(parsed.issues[0]!.message).toMatch(/No upgrade exists from workspace format version 1/);
  });

  it('checks cross-references and duplicate addresses, located at the offending field', () => {
    const text = [
      'version: 1',
      'name: x',
      'sites: [{ name: home, kind: lan }]',
      'networks: [{ name: lan, roles: [management] }]',
      'nodes:',
      '  - { name: a, site: home, addresses: { lan: 10.0.0.1 } }',
      '  - { name: b, site: cellar, addresses: { lan: 10.0.0.1, wan: 10.9.0.1 } }',
      'proxmox:',
      '  clusters:',
      '    - { name: c, nodes: [a, zz], links: [{ link: 0, network: lan }] }',
      '',
    ].join('\n');
    const parsed = parseWorkspace(text);
    expect(parsed.ok).toBe(false);
    expect(parsed.workspace).toBeDefined();
    const byPath = Object.fromEntries(parsed.issues.map((i) => [i.path, i]));
    expect(byPath['nodes[1].site']).toMatchObject({ code: 'reference', line: 7 });
    expect(byPath['nodes[1].site']!.expected).toBe('one of the sites: home');
    expect(byPath['nodes[1].addresses.lan']!.message).toMatch(/10\.0\.0\.1 on network lan is used by both a and b/);
    expect(byPath['nodes[1].addresses.wan']).toMatchObject({ code: 'reference' });
    expect(byPath['proxmox.clusters[0].nodes[1]']).toMatchObject({ line: 10 });
  });

  it('reports unknown sites and members in the same run as schema errors, at their place in the file', () => {
    const text = [
      'version: 1',
      'name: x',
      'sites: [{ name: home, kind: lan }]',
      'networks: [{ name: lan, roles: [management] }, { name: ring0, roles: [corosync], cidr: 10.0.0.0/33 }]',
      'nodes:',
      '  - { name: pve0, site: home, addresses: { lan: 10.0.0.300 } }',
      '  - { name: pve1, site: hom, addresses: { lan: 10.0.0.1 } }',
      '  - { name: pve2, site: home, addresses: { lan: 10.0.0.2 }, ssh: { port: 70000 } }',
      'proxmox:',
      '  clusters:',
      '    - { name: lab, nodes: [pve1, pve2, pve0, pve9], links: [{ link: 0, network: ring0 }, { link: 1, network: ring7 }] }',
      '',
    ].join('\n');
    const parsed = parseWorkspace(text);
    expect(parsed.ok).toBe(false);
    expect(parsed.workspace).toBeUndefined();
    const byPath = Object.fromEntries(parsed.issues.map((i) => [i.path, i]));
    // The schema errors…
    expect(byPath['networks[1].cidr']).toMatchObject({ code: 'schema', line: 4 });
    expect(byPath['nodes[0].addresses.lan']).toMatchObject({ code: 'schema', line: 6 });
    expect(byPath['nodes[2].ssh.port']).toMatchObject({ code: 'schema', line: 8 });
    // …and the references, with the file's own indices, in the same pass.
    expect(byPath['nodes[1].site']).toMatchObject({ code: 'reference', line: 7 });
    expect(byPath['nodes[1].site']!.message).toBe('Node pve1 is placed in site "hom", but this workspace has no site of that name. Add a site named "hom", or correct the name.');
    expect(byPath['proxmox.clusters[0].nodes[3]']).toMatchObject({ code: 'reference', line: 11 });
    expect(byPath['proxmox.clusters[0].nodes[3]']!.message).toMatch(/^Proxmox cluster lab lists member "pve9", but this workspace has no node of that name\./);
    expect(byPath['proxmox.clusters[0].links[1].network']!.message).toMatch(/^Corosync link1 of cluster lab uses network "ring7", but this workspace has no network of that name\./);
    // Entries that failed the schema still exist: naming them is not a second error.
    expect(parsed.issues.filter((i) => i.code === 'reference').map((i) => i.path).sort()).toEqual(['nodes[1].site', 'proxmox.clusters[0].links[1].network', 'proxmox.clusters[0].nodes[3]']);
  });

  it('rejects addresses and prefixes that are not IP', () => {
    const text = 'version: 1\nname: x\nsites: [{name: s, kind: lan}]\nnetworks: [{name: n, roles: [storage], cidr: 10.0.0.0/33}]\nnodes: [{name: a, site: s, addresses: {n: 10.0.0.256}}]\n';
    const paths = parseWorkspace(text).issues.map((i) => i.path);
    expect(paths).toEqual(['networks[0].cidr', 'nodes[0].addresses.n']);
  });

  it('never crashes and locates every problem across 2,000 random mutations of valid files', () => {
    const seeds = [example, emptyWorkspaceText(), fs.readFileSync(path.join(fixtures, 'loopback.yaml'), 'utf8')];
    let state = 0x2545f491;
    const random = (n: number) => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return Math.abs(state) % n;
    };
    const pieces = [':', '- ', '  ', '\n', '{', '}', '[', ']', '"', "'", '#', '&a ', '*a', '!!str ', '|', '>', '? ', ',', 'version', 'nodes', 'site', 'null', '~', '10.0.0.1', '-1', '1e999', '\t', '%YAML 1.2\n', '---\n', '...\n', '\u0000', 'é'];
    const mutate = (text: string): string => {
      const at = random(text.length + 1);
      switch (random(5)) {
        case 0:
          return text.slice(0, at) + text.slice(at + 1 + random(20));
        case 1:
          return text.slice(0, at) + pieces[random(pieces.length)] + text.slice(at);
        case 2: {
          const lines = text.split('\n');
          const i = random(lines.length);
          lines.splice(random(lines.length), 0, lines[i]!);
          return lines.join('\n');
        }
        case 3: {
          const lines = text.split('\n');
          const i = random(lines.length);
          lines[i] = ' '.repeat(random(6)) + lines[i]!.trimStart();
          return lines.join('\n');
        }
        default:
          return text.slice(0, at) + String.fromCharCode(32 + random(95)) + text.slice(at + 1);
      }
    };
    let withIssues = 0;
    for (let run = 0; run < 2000; run++) {
      let text = seeds[run % seeds.length]!;
      const steps = 1 + random(4);
      for (let k = 0; k < steps; k++) text = mutate(text);
      const parsed = parseWorkspace(text);
      const lines = text.split('\n').length;
      for (const issue of parsed.issues) {
        expect(issue.line, `${issue.message}\n---\n${text}`).toBeGreaterThanOrEqual(1);
        expect(issue.line!).toBeLessThanOrEqual(lines + 1);
        expect(issue.column).toBeGreaterThanOrEqual(1);
        expect(issue.path.length).toBeGreaterThan(0);
        expect(issue.message.length).toBeGreaterThan(10);
      }
      if (parsed.issues.length) withIssues++;
      if (!parsed.workspace) expect(parsed.issues.some((i) => i.severity === 'error')).toBe(true);
    }
    expect(withIssues).toBeGreaterThan(500);
  });
});
