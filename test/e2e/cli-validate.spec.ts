// The built CLI's validate, as a script calls it: a file with schema errors and unknown names is
// reported in one run, and --json counts every error (the file's own and the rules' findings).
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-cli-validate-'));
const file = path.join(home, 'broken.yaml');
fs.writeFileSync(
  file,
  [
    'version: 1',
    'name: Broken on two counts',
    'sites: [{ name: home, kind: lan }]',
    'networks: [{ name: ring0, roles: [corosync], cidr: 10.0.0.0/33 }]',
    'nodes:',
    '  - { name: pve1, site: hom, addresses: { ring0: 10.0.0.1 } }',
    '  - { name: pve2, site: home, addresses: { ring0: 10.0.0.2 }, ssh: { port: 70000 } }',
    '',
  ].join('\n'),
);

function cli(...args: string[]) {
  const run = spawnSync(process.execPath, ['bin/clusterwright.mjs', ...args], { env: { ...process.env, CLUSTERWRIGHT_HOME: home }, encoding: 'utf8', timeout: 60_000 });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

describe('clusterwright validate (built CLI)', () => {
  it('counts schema errors in --json and reports the unknown site in the same run', () => {
    const r = cli('validate', file, '--json');
    expect(r.code, r.err).toBe(2);
    const json = JSON.parse(r.out) as { counts: { error: number }; issues: { code: string; path: string; severity: string; message: string }[]; ok: boolean };
    const errors = json.issues.filter((i) => i.severity === 'error');
    expect(errors.map((i) => `${i.code} ${i.path}`).sort()).toEqual(['reference nodes[0].site', 'schema networks[0].cidr', 'schema nodes[1].ssh.port']);
    expect(json.counts.error).toBe(3);
    expect(json.ok).toBe(false);
    expect(errors.find((i) => i.code === 'reference')!.message).toBe('Node pve1 is placed in site "hom", but this workspace has no site of that name. Add a site named "hom", or correct the name.');
    const text = cli('validate', file);
    expect(text.code).toBe(2);
    expect(text.out.split('\n')[0]).toBe(`${file}: 3 errors, 0 warnings, 0 notes`);
  });
});
