// clusterwright hostkeys: HOST[:PORT] as admins type it, and the exit codes scripts get.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../index.js';
import { UsageError } from '../types.js';
import { parseHostPort } from './hostkeys.js';
import { latencyExitCode } from './latency.js';

describe('HOST[:PORT]', () => {
  it('reads names, IPv4, bracketed IPv6 with a port and bare IPv6 (port 22 unless given)', () => {
    expect(parseHostPort('pve1')).toEqual({ host: 'pve1', port: 22 });
    expect(parseHostPort('198.18.1.11:2222')).toEqual({ host: '198.18.1.11', port: 2222 });
    expect(parseHostPort('[fd00::1]:22')).toEqual({ host: 'fd00::1', port: 22 });
    expect(parseHostPort('[fd00::1]')).toEqual({ host: 'fd00::1', port: 22 });
    expect(parseHostPort('fd00::1')).toEqual({ host: 'fd00::1', port: 22 });
  });

  it('refuses what is not a port or not a host, with the reason', () => {
    for (const bad of ['pve1:0', 'pve1:65536', 'pve1:ssh', 'pve1:', ':22', '[fd00::1]:x', 'a b']) expect(() => parseHostPort(bad), bad).toThrow(UsageError);
  });
});

describe('exit codes', () => {
  const sample = { network: 'm', from: 'a', to: 'b', toAddress: '10.0.0.2', sent: 2, received: 2, lossPercent: 0, measuredAt: '' };
  it('latency: 0 all measured, 3 when a pair could not be, 4 when a node refused us (as exec)', () => {
    expect(latencyExitCode([{ ...sample, avgMs: 1 }])).toBe(0);
    expect(latencyExitCode([{ ...sample, avgMs: 1 }, { ...sample, received: 0, lossPercent: 100, error: 'unreachable', errorCode: 'UNREACHABLE' }])).toBe(3);
    expect(latencyExitCode([{ ...sample, received: 0, lossPercent: 100, error: '100 % loss' }])).toBe(3);
    for (const code of ['HOST_KEY_CHANGED', 'HOST_KEY_UNKNOWN', 'AUTH_FAILED']) {
      expect(latencyExitCode([{ ...sample, error: 'x', errorCode: 'UNREACHABLE' }, { ...sample, error: 'y', errorCode: code }])).toBe(4);
    }
  });

  it('hostkeys: 0 listed or forgotten, 1 nothing pinned to forget, 64 a bad HOST:PORT or verb', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-hostkeys-'));
    const saved = process.env.CLUSTERWRIGHT_HOME;
    process.env.CLUSTERWRIGHT_HOME = home;
    try {
      const io = { out: () => undefined, err: () => undefined, isTTY: false, distDir: '/nonexistent', env: process.env };
      expect(await runCli(['hostkeys', 'list', '--json'], io)).toBe(0);
      expect(await runCli(['hostkeys', 'forget', '192.0.2.1'], io)).toBe(1);
      expect(await runCli(['hostkeys', 'forget', '192.0.2.1:99999'], io)).toBe(64);
      expect(await runCli(['hostkeys', 'remove', '192.0.2.1'], io)).toBe(64);
    } finally {
      if (saved === undefined) delete process.env.CLUSTERWRIGHT_HOME;
      else process.env.CLUSTERWRIGHT_HOME = saved;
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
