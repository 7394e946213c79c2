// `clusterwright validate` reads a plain, clean file without building its YAML document (the store's readPlain: the
// plain-YAML reader, then parseCleanWorkspace); every other file takes the full read. Differential: on the
// repository's workspace files, those files rewritten in the yaml package's styles, edits that make them invalid in
// each way a file can be, and the injection suite's hostile values in every text field of a full workspace, the
// command's validation (validateTarget) gives exactly what the store gives without readPlain — the same result
// object, the same printed report, the same exit code — and the plain path is taken for many of them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseCleanWorkspace } from '../../main/common/workspace/parse.js';
import { formatValidation, validateTarget, validationExitCode } from '../../main/node/cli/commands/validate.js';
import { readPlainYaml } from '../../main/node/cli/plain-yaml.js';
import { evidenceFromFiles } from '../../main/node/services/scorecard.js';
import { WorkspaceStore } from '../../main/node/workspace/store.js';
import { fullWorkspace, generatedValues, nastyValues, textFields, withValue } from '../support/hostile.js';

const root = path.resolve(__dirname, '../..');
const fixtures = path.join(root, 'test', 'fixtures', 'workspaces');
let tmp: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-validate-plain-'));
  vi.stubEnv('CLUSTERWRIGHT_HOME', path.join(tmp, 'home'));
  // The scorecard reads the clock: both paths see the same instant.
  vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-12-05T10:00:00Z') });
});
afterAll(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** The store as validate used it before readPlain: every file read in full with the yaml package. */
function fullStore(): WorkspaceStore {
  return new WorkspaceStore({ workspaceDir: path.join(tmp, 'ws'), recentFile: path.join(tmp, 'recent.json'), scorecardEvidence: (file, workspace) => evidenceFromFiles(file, workspace) });
}

let cases = 0;
let plain = 0;

/** Validates `text` both ways and expects the same; true when the plain path took it. */
async function same(text: string, label: string): Promise<boolean> {
  const file = path.join(tmp, `case-${cases++}.yaml`);
  fs.writeFileSync(file, text);
  const full = await fullStore().validate({ path: file });
  const quick = await validateTarget(file);
  expect(quick, label).toStrictEqual(full);
  expect(formatValidation(file, quick), label).toEqual(formatValidation(file, full));
  expect(validationExitCode(quick), label).toBe(validationExitCode(full));
  const raw = readPlainYaml(text);
  const tookPlain = raw !== undefined && parseCleanWorkspace(raw) !== undefined;
  if (tookPlain) plain++;
  return tookPlain;
}

const repositoryFiles = fs.readdirSync(fixtures).filter((f) => f.endsWith('.yaml')).map((f) => path.join(fixtures, f));
const example = fs.readFileSync(path.join(fixtures, 'example.yaml'), 'utf8');

describe('validate: the plain path and the full read agree', () => {
  it("on the repository's workspace files, as written and in the yaml package's styles", async () => {
    expect(repositoryFiles.length).toBeGreaterThanOrEqual(4);
    for (const file of repositoryFiles) {
      const text = fs.readFileSync(file, 'utf8');
      const took = await same(text, file);
      const raw = (await import('yaml')).parse(text) as unknown;
      await same(stringify(raw), `${file} (block style)`);
      await same(stringify(raw, { lineWidth: 0, defaultStringType: 'QUOTE_DOUBLE' }), `${file} (double-quoted)`);
      await same(stringify(raw, { collectionStyle: 'flow' }), `${file} (flow style)`);
      if (path.basename(file) === 'example.yaml') expect(took, 'the example takes the plain path').toBe(true);
    }
  });

  it('on files made invalid in each way, which the plain path leaves to the full read', async () => {
    const edits: [string, string][] = [
      ['version: 1  ', 'version: 2  '],
      ['version: 1  ', 'version: 0  '],
      ['version: 1  ', 'version: "1"'],
      ['version: 1  ', '# no version'],
      ['name: Example estate', 'nmae: Example estate'],
      ['name: Example estate', 'name: Example estate\nnotAKey: 1'],
      ['    site: office', '    site: offcie'],
      ['migrationNetwork: san', 'migrationNetwork: sna'],
      ['{ link: 1, network: ring1, priority: 10 }', '{ link: 0, network: ring1, priority: 10 }'],
      ['cidr: 10.10.0.0/24', 'cidr: 10.10.0.0/33'],
      ['ssh: { user: root, identityFile: ~/.ssh/id_ed25519 }', 'ssh: { user: root, port: 70000 }'],
      ['kind: lan', 'kind: lan\n    kind: man'],
      ['    kind: lan', '\tkind: lan'],
      ['  - name: home', `  - name: home\n    ${'k'.repeat(1025)}: 1`],
      ['nodes: [pve1, pve2, pve3]', 'nodes: [pve1, pve2, pve3'],
      ['    pve1: { x: 120, y: 80 }', '    pve1: &p { x: 120, y: 80 }\n    pve2: *p'],
    ];
    for (const [from, to] of edits) {
      expect(example.includes(from), from).toBe(true);
      expect(await same(example.replace(from, to), `${from} → ${to}`), `${from} → ${to}`).toBe(false);
    }
    for (const text of ['', '# only a comment\n', '- a list\n', 'just text\n', 'version: 1\n', 'version: 1\nname: x\n']) await same(text, JSON.stringify(text));
  });

  it("on the injection suite's hostile values in every text field of a full workspace", async () => {
    const base = fullWorkspace('AB:'.repeat(31) + 'CD');
    const values = [...nastyValues(path.join(tmp, 'marker')), ...generatedValues(12)];
    const placeholder = 'cw0placeholder0value';
    const before = { cases, plain };
    const fields = textFields(base);
    for (const [f, field] of fields.entries()) {
      const template = stringify(withValue(base, field, placeholder), { lineWidth: 0 });
      // Each field gets a share of the values (all of them over the fields), as a double-quoted and as a plain scalar.
      for (const [v, value] of values.entries()) {
        if ((v + f) % 12 !== 0) continue;
        await same(template.replace(placeholder, () => JSON.stringify(value)), `${field.path.join('.')} = ${JSON.stringify(value)}`);
        if (/^[A-Za-z0-9][^:#\n]*$/.test(value)) await same(template.replace(placeholder, () => value), `${field.path.join('.')} = ${value} (plain)`);
      }
    }
    expect(cases - before.cases).toBeGreaterThan(fields.length * 4);
    // Not a property that holds because the plain path gave up everywhere: many hostile files are clean workspaces.
    expect(plain - before.plain).toBeGreaterThan(50);
  }, 120_000);
});
