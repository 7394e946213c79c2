// The built CLI's validate, as a script calls it: a file with schema errors and unknown names is
// reported in one run, and --json counts every error (the file's own and the rules' findings). Its
// bundle runs from V8's code cache after the first run, with the same report whatever the cache holds.
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

const root = path.resolve(__dirname, '../..');
const codeDir = path.join(home, 'cache', 'code');
function validateCache(): string | undefined {
  const name = fs.existsSync(codeDir) ? fs.readdirSync(codeDir).find((f) => /^cli-validate-[0-9a-f]{16}\.v8cache$/.test(f)) : undefined;
  return name && path.join(codeDir, name);
}

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

  it('runs from its code cache after the first run, and gives the same report whatever the cache file holds', () => {
    fs.rmSync(codeDir, { recursive: true, force: true });
    const first = cli('validate', file, '--json');
    expect(first.code, first.err).toBe(2);
    const cacheFile = validateCache()!;
    expect(cacheFile, 'the first run stores the compiled code').toBeDefined();
    expect(fs.statSync(cacheFile).mode & 0o777).toBe(0o600);
    expect(fs.statSync(codeDir).mode & 0o777).toBe(0o700);
    const stored = fs.readFileSync(cacheFile);

    // A run that uses the cache leaves it as it is.
    const cached = cli('validate', file, '--json');
    expect(cached).toEqual(first);
    expect(fs.readFileSync(cacheFile).equals(stored)).toBe(true);

    // Damaged (a flipped byte in V8's part), or writable by others: ignored, the same report, and replaced by a good one.
    const damaged = Buffer.from(stored);
    damaged[damaged.length - 64] = damaged[damaged.length - 64]! ^ 0xff;
    fs.writeFileSync(cacheFile, damaged);
    expect(cli('validate', file, '--json')).toEqual(first);
    expect(fs.readFileSync(cacheFile).equals(damaged)).toBe(false);
    fs.chmodSync(cacheFile, 0o666);
    expect(cli('validate', file, '--json')).toEqual(first);
    expect(fs.statSync(validateCache()!).mode & 0o777).toBe(0o600);
    // Whatever lies there, not a cache at all.
    fs.writeFileSync(cacheFile, 'module.exports = 1;\n');
    expect(cli('validate', file, '--json')).toEqual(first);
    expect(fs.readFileSync(cacheFile, 'utf8')).not.toBe('module.exports = 1;\n');
  });

  it('with measurements beside the file, loads the host-key check from its own bundle: the same verdict', () => {
    const dir = fs.mkdtempSync(path.join(home, 'measured-'));
    fs.copyFileSync(path.join(root, 'test/fixtures/workspaces/example.yaml'), path.join(dir, 'clusterwright.yaml'));
    const without = cli('validate', dir);
    fs.writeFileSync(path.join(dir, 'clusterwright.latency.json'), '{}');
    const withFacts = cli('validate', dir);
    expect(withFacts.err).toBe('');
    expect(withFacts).toEqual(without);
    expect(withFacts.code).toBe(0);
  });

  it("validate's bundle holds the workspace code only: no SSH service, no zod locale but English", () => {
    const bundle = fs.readFileSync(path.join(root, 'dist/node/cli-validate.cjs'), 'utf8');
    // ssh2 is required where the SSH code loads it (main/node/ssh/ssh2-module.ts: createRequire(…)("ssh2")).
    const loadsSsh2 = /createRequire\)?\([^)]*\)\("ssh2"\)|require\("ssh2"\)/;
    expect(bundle).not.toMatch(loadsSsh2);
    expect(bundle.match(/^\/\/ node_modules\/zod\/v4\/locales\/[a-zA-Z-]+\.js$/gm)).toEqual(['// node_modules/zod/v4/locales/en.js']);
    expect(fs.readFileSync(path.join(root, 'dist/node/cli-lazy-host-key-check.cjs'), 'utf8')).toMatch(loadsSsh2);
    // The stacks' workspace parts only: none of their contracts, nor the plan schema those hold.
    expect(bundle).toMatch(/^\/\/ main\/common\/stacks\/[a-z0-9]+\/workspace\.ts$/m);
    expect(bundle).not.toMatch(/^\/\/ main\/common\/(stacks\/[a-z0-9]+\/contract|plan\/schema)\.ts$/m);
  });

  it("gives what the full read gives on the repository's workspace files and hostile ones, plain path or not", async () => {
    // The in-process full read: the store without readPlain, as validate was before it read plain files itself.
    const { WorkspaceStore } = await import('../../main/node/workspace/store.js');
    const { evidenceFromFiles } = await import('../../main/node/services/scorecard.js');
    const { formatValidation, validationExitCode } = await import('../../main/node/cli/commands/validate.js');
    const fixtures = path.join(root, 'test/fixtures/workspaces');
    const files = fs.readdirSync(fixtures).filter((f) => f.endsWith('.yaml')).map((f) => path.join(fixtures, f));
    const example = fs.readFileSync(path.join(fixtures, 'example.yaml'), 'utf8');
    for (const [i, text] of [example.replace('location: Basement rack', 'location: "$(cwpwn) {{ lookup(\'pipe\', \'cwpwn\') }}"'), example.replace('name: pve3', 'name: "pve3;cwpwn"')].entries()) {
      const hostile = path.join(home, `hostile-${i}.yaml`);
      fs.writeFileSync(hostile, text);
      files.push(hostile);
    }
    for (const file of files) {
      const store = new WorkspaceStore({ workspaceDir: path.join(home, 'ws'), recentFile: path.join(home, 'recent.json'), scorecardEvidence: (f, w) => evidenceFromFiles(f, w) });
      const full = await store.validate({ path: file });
      const json = cli('validate', file, '--json');
      expect(json.code, `${file}: ${json.err}`).toBe(validationExitCode(full));
      expect(JSON.parse(json.out)).toEqual(JSON.parse(JSON.stringify({ file, exitCode: validationExitCode(full), ...full })));
      const text = cli('validate', file);
      expect(text.out).toBe(formatValidation(file, full).join('\n') + '\n');
    }
  });

  it('--version and --help load no command bundle, nor what the code cache needs (crypto, vm); validate loads its own only', () => {
    // The entry as bin/clusterwright.mjs runs it, in a script that then lists what was loaded.
    const probe = path.join(home, 'loaded.cjs');
    fs.writeFileSync(
      probe,
      [
        'const before = new Set(process.moduleLoadList);',
        `require(${JSON.stringify(path.join(root, 'dist/node/cli.cjs'))});`,
        'process.on("exit", () => {',
        '  const builtins = process.moduleLoadList.filter((m) => !before.has(m) && /^NativeModule (crypto|vm)$/.test(m)).map((m) => m.slice(13));',
        '  const bundles = Object.keys(require.cache).map((f) => require("node:path").basename(f)).filter((f) => f.startsWith("cli-"));',
        '  process.stderr.write("LOADED " + JSON.stringify({ builtins: builtins.sort(), bundles: bundles.sort() }) + "\\n");',
        '});',
        '',
      ].join('\n'),
    );
    const loaded = (...args: string[]) => {
      const run = spawnSync(process.execPath, [probe, ...args], { env: { ...process.env, CLUSTERWRIGHT_HOME: home }, encoding: 'utf8', timeout: 60_000 });
      return JSON.parse(/LOADED (.*)/.exec(run.stderr)![1]!) as { builtins: string[]; bundles: string[] };
    };
    // cli-shared.cjs: the error classes every bundle shares (3 KB).
    expect(loaded('--version')).toEqual({ builtins: [], bundles: ['cli-shared.cjs'] });
    expect(loaded('--help')).toEqual({ builtins: [], bundles: ['cli-shared.cjs'] });
    expect(loaded('validate', '--help')).toEqual({ builtins: [], bundles: ['cli-shared.cjs'] });
    expect(loaded('validate', file)).toEqual({ builtins: ['crypto', 'vm'], bundles: ['cli-shared.cjs', 'cli-validate.cjs'] });
  });
});
