import { describe, expect, it } from 'vitest';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { createCore } from './core.js';
import { CwError } from '../common/errors.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-dispatch-'));
const core = createCore({ hostKind: 'test', workspaceDir: path.join(tmp, 'ws') });
const ctx = { signal: new AbortController().signal, session: { openStream: () => 0 } };

describe('dispatcher', () => {
  it('answers app.info with the real version, host kind and workspace folder', async () => {
    const result = await core.dispatch(ctx, 'app.info', {});
    expect(result.ok).toBe(true);
    const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(result.ok && result.value).toMatchObject({ name: 'Clusterwright', version: pkg.version, hostKind: 'test', workspaceDir: path.join(tmp, 'ws') });
    expect(fs.statSync(path.join(tmp, 'ws')).isDirectory()).toBe(true);
  });

  it('rejects unknown input keys with INVALID_INPUT and the offending path', async () => {
    const result = await core.dispatch(ctx, 'app.info', { surprise: 1 });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('INVALID_INPUT');
      expect(JSON.stringify(result.error.detail)).toContain('surprise');
    }
  });

  it('reports a method that does not exist as UNKNOWN_METHOD', async () => {
    const result = await core.dispatch(ctx, 'cluster.explode', {});
    expect(result).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
  });

  it('core.call throws a CwError carrying the code', async () => {
    await expect(core.call('app.info', { nope: true } as never)).rejects.toSatisfy((e: unknown) => e instanceof CwError && e.code === 'INVALID_INPUT');
  });
});
