import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../index.js';
import type { CliIO } from '../types.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (t) => out.push(t), err: (t) => err.push(t), isTTY: false, distDir: '/nonexistent', env: { PATH: process.env.PATH } };
  return { io, out, err };
}

const workspace = `version: 1
name: two-sites
sites:
  - { name: a, kind: lan }
  - { name: b, kind: wan }
networks:
  - { name: mgmt, cidr: 10.0.0.0/24, roles: [management] }
nodes:
  - { name: a1, site: a, addresses: { mgmt: 10.0.0.1 } }
  - { name: b1, site: b, addresses: { mgmt: 10.0.0.2 } }
`;

describe('clusterwright drill', () => {
  it('asks for exactly one of --site and --link, and a link of two sites', async () => {
    for (const args of [[], ['--site', 'a', '--link', 'a,b'], ['--link', 'a']]) {
      const { io, err } = capture();
      expect(await runCli(['drill', ...args], io)).toBe(64);
      expect(err.join('\n')).toMatch(/--site|--link/);
    }
  });

  it('refuses a site the workspace does not have, and a workspace without a cluster it could drill', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-drill-cli-'));
    fs.writeFileSync(path.join(dir, 'clusterwright.yaml'), workspace);
    try {
      const unknown = capture();
      expect(await runCli(['drill', '--site', 'z', '--workspace', dir], unknown.io)).toBe(64);
      expect(unknown.err.join('\n')).toMatch(/no site "z"; the sites are a, b/);
      const none = capture();
      expect(await runCli(['drill', '--site', 'a', '--workspace', dir], none.io)).not.toBe(0);
      expect(none.err.join('\n')).toMatch(/No cluster of this workspace can be drilled/);
      const reports = capture();
      expect(await runCli(['drill', '--reports', '--workspace', dir], reports.io)).toBe(0);
      expect(reports.out.join('\n')).toMatch(/No drill has been run/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
