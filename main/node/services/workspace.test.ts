// workspace.* and latency.* through the core's dispatcher: default workspace, open, save, validate,
// recent, and a latency run on loopback addresses with its progress events.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createCore, type Core } from '../core.js';

const fixtures = path.resolve(__dirname, '../../../test/fixtures/workspaces');
let tmp: string;
let core: Core;
const events: { name: string; payload: unknown }[] = [];

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-wsvc-'));
  vi.stubEnv('CLUSTERWRIGHT_HOME', path.join(tmp, 'data'));
  core = createCore({ hostKind: 'test', workspaceDir: path.join(tmp, 'default'), nodeCommands: 'local' });
  core.events.subscribe((name, payload) => events.push({ name, payload }));
});
afterAll(async () => {
  await core.close();
  vi.unstubAllEnvs();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('workspace service', () => {
  it('has created the default workspace file at start', () => {
    expect(fs.existsSync(path.join(tmp, 'default', 'clusterwright.yaml'))).toBe(true);
  });

  it('returns the default workspace as the current one', async () => {
    const state = await core.call('workspace.current', {});
    expect(state.workspace!.nodes).toEqual([]);
    expect(state.counts).toEqual({ error: 0, warning: 0, info: 0, accepted: 0 });
  });

  it('opens a workspace, measures its latency matrix on loopback and stores it beside the file', async () => {
    const dir = path.join(tmp, 'lab');
    fs.mkdirSync(dir);
    fs.copyFileSync(path.join(fixtures, 'loopback.yaml'), path.join(dir, 'clusterwright.yaml'));
    const opened = await core.call('workspace.open', { path: dir });
    expect(opened.workspace!.name).toBe('Loopback lab');
    events.length = 0;
    const result = await core.call('latency.measure', { count: 2 });
    expect(result.runsOnNodes).toBe(false);
    expect(result.unreachable).toBe(0);
    expect(result.file).toBe(path.join(dir, 'clusterwright.latency.json'));
    expect(JSON.parse(fs.readFileSync(result.file, 'utf8')).latency.samples).toHaveLength(8);
    expect(events.filter((e) => e.name === 'latency.progress')).toHaveLength(8);
    expect(events.at(-1)).toMatchObject({ name: 'latency.measured', payload: { pairs: 8, unreachable: 0, runner: 'local' } });
    // The YAML is untouched by measuring.
    expect(fs.readFileSync(path.join(dir, 'clusterwright.yaml'), 'utf8')).toBe(fs.readFileSync(path.join(fixtures, 'loopback.yaml'), 'utf8'));
    const current = await core.call('workspace.current', {});
    expect(current.latency).toMatchObject({ pairs: 8, runner: 'local' });
    expect((await core.call('latency.current', {})).facts.latency!.samples).toHaveLength(8);
  });

  it('saves through the contract and announces it', async () => {
    const state = await core.call('workspace.current', {});
    const next = structuredClone(state.workspace!);
    next.layout = { nodes: { n1: { x: 10, y: 20 } } };
    events.length = 0;
    const saved = await core.call('workspace.save', { workspace: next, revision: state.revision });
    expect(saved.workspace!.layout).toEqual({ nodes: { n1: { x: 10, y: 20 } } });
    expect(events).toEqual([expect.objectContaining({ name: 'workspace.changed', payload: expect.objectContaining({ reason: 'saved' }) })]);
    expect(fs.readFileSync(saved.path, 'utf8')).toContain('# Three nodes on loopback addresses');
  });

  it('rejects a model that fails the schema before it reaches the disk', async () => {
    const state = await core.call('workspace.current', {});
    const bad = { ...state.workspace!, sites: [{ name: 'here', kind: 'moon' }] };
    await expect(core.call('workspace.save', { workspace: bad as never })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('validates a file by path, and lists the recent workspaces', async () => {
    const result = await core.call('workspace.validate', { path: path.join(fixtures, 'errors.yaml') });
    expect(result.ok).toBe(false);
    expect(result.findings.map((f) => f.ruleId)).toEqual(expect.arrayContaining(['proxmox.quorum-votes', 'proxmox.cluster-name']));
    const recent = await core.call('workspace.recent', {});
    expect(recent.entries[0]).toMatchObject({ path: path.join(tmp, 'lab', 'clusterwright.yaml'), exists: true });
    expect(fs.existsSync(path.join(tmp, 'data', 'recent-workspaces.json'))).toBe(true);
  });
});
