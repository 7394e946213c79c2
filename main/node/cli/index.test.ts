import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from './index.js';
import type { CliIO } from './types.js';

function capture(env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (t) => out.push(t), err: (t) => err.push(t), isTTY: false, distDir: '/nonexistent', env: { PATH: process.env.PATH, ...env } };
  return { io, out, err };
}

describe('clusterwright CLI', () => {
  it('info --json prints app.info and the Electron detection as JSON', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-cli-'));
    const { io, out } = capture();
    const code = await runCli(['info', '--json', '--workspace', path.join(home, 'ws')], io);
    expect(code).toBe(0);
    const parsed = JSON.parse(out.join('\n')) as { hostKind: string; workspaceDir: string; electron: { available: boolean } };
    expect(parsed.hostKind).toBe('cli');
    expect(parsed.workspaceDir).toBe(path.join(home, 'ws'));
    expect(typeof parsed.electron.available).toBe('boolean');
  });

  it('exits 64 with the command list for an unknown command', async () => {
    const { io, err } = capture();
    expect(await runCli(['frobnicate'], io)).toBe(64);
    expect(err.join('\n')).toContain('Unknown command "frobnicate"');
    expect(err.join('\n')).toContain('serve');
  });

  it('exits 64 with the usage line for an unknown option', async () => {
    const { io, err } = capture();
    expect(await runCli(['info', '--colour'], io)).toBe(64);
    expect(err.join('\n')).toContain('Usage: clusterwright info');
  });

  it('serve refuses a bad port and a missing renderer build with clear messages', async () => {
    const bad = capture();
    expect(await runCli(['serve', '--port', '99999'], bad.io)).toBe(64);
    expect(bad.err.join('\n')).toContain('--port must be a TCP port');
    const missing = capture();
    expect(await runCli(['serve'], missing.io)).toBe(69);
    expect(missing.err.join('\n')).toContain('npm run build');
  });
});
