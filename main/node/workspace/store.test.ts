// The workspace store: default workspace on first start, opening files and folders, the recent
// list, saves that keep comments and a .bak, and every refusal that protects what is on disk.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { estateOf, parseWorkspace, WORKSPACE_FILE_NAME, type Facts } from '../../common/workspace/index.js';
import { WorkspaceStore } from './store.js';

const example = fs.readFileSync(path.resolve(__dirname, '../../../test/fixtures/workspaces/example.yaml'), 'utf8');
let tmp: string;
let changes: { reason: string; path: string }[];
let store: WorkspaceStore;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-store-'));
  changes = [];
  store = new WorkspaceStore({ workspaceDir: path.join(tmp, 'default'), recentFile: path.join(tmp, 'data', 'recent-workspaces.json'), onChanged: (c) => changes.push(c) });
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

function writeExample(dir = path.join(tmp, 'estate')): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, WORKSPACE_FILE_NAME);
  fs.writeFileSync(file, example);
  return file;
}

/** pve1 → pve3 on ring0 at 14.2 ms, measured on the example estate as it is in the file. */
function measuredFacts(): Facts {
  const workspace = parseWorkspace(example).workspace!;
  return {
    latency: {
      version: 1,
      measuredAt: '2026-01-01T00:00:00Z',
      runner: 'ssh',
      count: 10,
      warmupProbes: 1,
      intervalS: 0.2,
      samples: [{ network: 'ring0', from: 'pve1', to: 'pve3', toAddress: '10.10.0.13', sent: 10, received: 10, lossPercent: 0, avgMs: 14.3, medianMs: 14.2, minMs: 14, p95Ms: 14.9, measuredAt: '2026-01-01T00:00:00Z' }],
      estate: estateOf(workspace),
    },
  };
}

describe('WorkspaceStore', () => {
  it('creates the default folder with an empty workspace on first start and opens it', async () => {
    const state = await store.currentState();
    expect(state.path).toBe(path.join(tmp, 'default', WORKSPACE_FILE_NAME));
    expect(fs.readFileSync(state.path, 'utf8')).toContain('# Clusterwright workspace');
    expect(state.workspace).toMatchObject({ version: 1, sites: [], nodes: [] });
    expect(state.ok).toBe(true);
  });

  it('never overwrites an existing default workspace', async () => {
    fs.mkdirSync(path.join(tmp, 'default'));
    fs.writeFileSync(path.join(tmp, 'default', WORKSPACE_FILE_NAME), example);
    store.ensureDefault();
    expect((await store.currentState()).workspace!.name).toBe('Example estate');
  });

  it('opens a folder or a file, validates it, remembers it and says so', async () => {
    const file = writeExample();
    const state = await store.open(path.dirname(file));
    expect(state.path).toBe(file);
    expect(state.issues).toEqual([]);
    expect(state.findings.some((f) => f.ruleId === 'proxmox.corosync-latency')).toBe(true);
    expect(changes).toEqual([expect.objectContaining({ reason: 'opened', path: file })]);
    expect((await store.recentEntries())[0]).toMatchObject({ path: file, name: 'Example estate', exists: true });
  });

  it('keeps at most ten recent workspaces, newest first, without duplicates', async () => {
    const files = Array.from({ length: 12 }, (_, i) => writeExample(path.join(tmp, `w${i}`)));
    for (const file of files) await store.open(file);
    await store.open(files[3]!);
    const recent = await store.recentEntries();
    expect(recent).toHaveLength(10);
    expect(recent[0]!.path).toBe(files[3]);
    expect(new Set(recent.map((r) => r.path)).size).toBe(10);
  });

  it('opens only YAML files', async () => {
    const other = path.join(tmp, 'notes.txt');
    fs.writeFileSync(other, 'secret: 1\n');
    await expect(store.open(other)).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('end in .yaml or .yml') });
  });

  it('says what to do when there is no workspace, and creates one only when asked', async () => {
    await expect(store.open(path.join(tmp, 'nowhere'))).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('create') });
    const state = await store.open(path.join(tmp, 'nowhere'), { create: true });
    expect(state.path).toBe(path.join(tmp, 'nowhere', WORKSPACE_FILE_NAME));
    expect(changes.at(-1)!.reason).toBe('created');
  });

  it('saves an edit keeping comments, writes the previous file as .bak, and reads back the model', async () => {
    const file = writeExample();
    const opened = await store.open(file);
    const next = structuredClone(opened.workspace!);
    next.nodes[0]!.labels = ['rack A'];
    const saved = await store.save(next, { revision: opened.revision });
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toContain('# Every key is documented here');
    expect(text).toContain('labels: [ rack A ]'); // in the file's own flow style
    expect(fs.readFileSync(`${file}.bak`, 'utf8')).toBe(example);
    expect(saved.revision).not.toBe(opened.revision);
    expect(saved.workspace).toEqual(next);
    expect(changes.at(-1)).toMatchObject({ reason: 'saved' });
  });

  it('refuses (autosave too) to write a model that fails its references, and leaves the file alone', async () => {
    const file = writeExample();
    const opened = await store.open(file);
    const next = structuredClone(opened.workspace!);
    next.nodes[0]!.site = 'atlantis';
    await expect(store.save(next, { autosave: true })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/^Autosave refused: .*nodes\[0\]\.site: Node pve1 is placed in site "atlantis"/) });
    expect(fs.readFileSync(file, 'utf8')).toBe(example);
    expect(fs.existsSync(`${file}.bak`)).toBe(false);
  });

  it('refuses to save over a file another program changed since it was read', async () => {
    const file = writeExample();
    const opened = await store.open(file);
    fs.appendFileSync(file, '# edited in vim\n');
    await expect(store.save(opened.workspace!)).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(fs.readFileSync(file, 'utf8')).toContain('# edited in vim');
  });

  it('refuses to replace a file with errors unless asked, and then keeps its text as .bak', async () => {
    const file = writeExample();
    fs.writeFileSync(file, 'version: 1\nname: broken\nsites: [{ name: a, kind: lann }]\n');
    const opened = await store.open(file);
    expect(opened.workspace).toBeNull();
    expect(opened.issues[0]).toMatchObject({ line: 3, path: 'sites[0].kind' });
    const fixed = { version: 1 as const, name: 'fixed', sites: [], networks: [], nodes: [] };
    await expect(store.save(fixed)).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('line 3') });
    await store.save(fixed, { replaceInvalid: true });
    expect(fs.readFileSync(`${file}.bak`, 'utf8')).toContain('lann');
    expect(fs.readFileSync(file, 'utf8')).toContain('name: fixed');
  });

  it('validates a file by path with the measurements stored beside it', async () => {
    const file = writeExample();
    fs.writeFileSync(path.join(path.dirname(file), 'clusterwright.latency.json'), JSON.stringify(measuredFacts()));
    const result = await store.validate({ path: file });
    expect(result.ok).toBe(false);
    expect(result.findings[0]!.message).toContain('14.2 ms median');
  });

  describe('facts belong to the estate they were measured on', () => {
    const factsFile = (file: string) => path.join(path.dirname(file), 'clusterwright.latency.json');

    it('shows figures measured on this estate', async () => {
      const file = writeExample();
      fs.writeFileSync(factsFile(file), JSON.stringify(measuredFacts()));
      const state = await store.open(file);
      expect(state.latency).toMatchObject({ pairs: 1 });
      expect(state.latency!.problem).toBeUndefined();
      expect((await store.facts()).facts.latency!.samples).toHaveLength(1);
    });

    it('sets aside figures stored without a record of their estate (earlier versions), leaving the file as it is', async () => {
      const file = writeExample();
      const { estate: _estate, ...legacy } = measuredFacts().latency!;
      fs.writeFileSync(factsFile(file), JSON.stringify({ latency: legacy }));
      const state = await store.open(file);
      expect(state.latency).toMatchObject({ pairs: 0 });
      expect(state.latency!.problem).toMatch(/earlier version .* Measure again/);
      expect((await store.facts()).facts).toEqual({});
      expect(state.findings.some((f) => /14\.2/.test(f.message))).toBe(false);
      expect(JSON.parse(fs.readFileSync(factsFile(file), 'utf8')).latency.samples).toHaveLength(1);
    });

    it('sets aside figures of another workspace', async () => {
      const file = writeExample();
      const facts = measuredFacts();
      facts.latency!.estate!.workspace = 'Another estate';
      fs.writeFileSync(factsFile(file), JSON.stringify(facts));
      const state = await store.open(file);
      expect(state.latency).toMatchObject({ pairs: 0 });
      expect(state.latency!.problem).toContain('belong to the workspace "Another estate", not "Example estate"');
    });

    it('sets aside figures of a node that has moved to another address, also after an edit in the app', async () => {
      const file = writeExample();
      const facts = measuredFacts();
      facts.latency!.estate!.nodes.pve3!.addresses.ring0 = '10.10.0.99';
      fs.writeFileSync(factsFile(file), JSON.stringify(facts));
      const moved = await store.open(file);
      expect(moved.latency).toMatchObject({ pairs: 0 });
      expect(moved.latency!.problem).toContain('pve3 was measured at 10.10.0.99 on ring0 and is now at 10.10.0.13');

      fs.writeFileSync(factsFile(file), JSON.stringify(measuredFacts()));
      const opened = await store.open(file);
      expect(opened.latency).toMatchObject({ pairs: 1 });
      const edited = structuredClone(opened.workspace!);
      edited.nodes.find((n) => n.name === 'pve3')!.addresses.ring0 = '10.10.0.33';
      const saved = await store.save(edited, { revision: opened.revision });
      expect(saved.latency).toMatchObject({ pairs: 0 });
      expect(saved.findings.some((f) => /14\.2/.test(f.message))).toBe(false);
    });

    it('sets aside figures of a node whose host key this machine now trusts differently (another machine at the same address)', async () => {
      const verdicts: Record<string, 'trusted' | 'changed' | 'unknown'> = { pve1: 'trusted', pve3: 'trusted' };
      const keyed = new WorkspaceStore({ workspaceDir: path.join(tmp, 'default'), recentFile: path.join(tmp, 'data', 'recent.json'), hostKeyCheck: () => (node) => verdicts[node] ?? 'unknown' });
      const file = writeExample();
      const facts = measuredFacts();
      facts.latency!.estate!.nodes.pve1!.hostKey = { type: 'ssh-ed25519', fingerprint: 'SHA256:pve1-then' };
      facts.latency!.estate!.nodes.pve3!.hostKey = { type: 'ssh-ed25519', fingerprint: 'SHA256:pve3-then' };
      fs.writeFileSync(factsFile(file), JSON.stringify(facts));
      expect((await keyed.open(file)).latency).toMatchObject({ pairs: 1 });
      verdicts.pve3 = 'changed';
      const state = await keyed.open(file);
      expect(state.latency).toMatchObject({ pairs: 0 });
      expect(state.latency!.problem).toContain('pve3 now has another host key than the SHA256:pve3-then');
    });

    it('drops another estate\'s figures from the file when new ones are stored', async () => {
      const file = writeExample();
      const facts = measuredFacts();
      facts.latency!.estate!.workspace = 'Another estate';
      fs.writeFileSync(factsFile(file), JSON.stringify({ ...facts, knet: [{ cluster: 'old', readAt: '2026-01-01T00:00:00Z', links: [] }] }));
      await store.open(file);
      await store.storeFacts({ knet: [{ cluster: 'homelab', readAt: '2026-02-01T00:00:00Z', links: [], estate: measuredFacts().latency!.estate! }] });
      const stored = JSON.parse(fs.readFileSync(factsFile(file), 'utf8')) as Facts;
      expect(stored.latency).toBeUndefined();
      expect(stored.knet!.map((k) => k.cluster)).toEqual(['homelab']);
    });
  });

  it('ignores damaged measurements with a clear note, without touching them', async () => {
    const file = writeExample();
    const facts = path.join(path.dirname(file), 'clusterwright.latency.json');
    fs.writeFileSync(facts, '{ not json');
    const state = await store.open(file);
    expect(state.latency!.problem).toMatch(/is not valid JSON.*measure again/);
    expect(fs.readFileSync(facts, 'utf8')).toBe('{ not json');
  });
});
