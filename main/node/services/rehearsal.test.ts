import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Plan, PlanInput } from '../../common/plan/schema.js';
import { parsePlan } from '../../common/plan/dag.js';
import { parseWorkspace } from '../../common/workspace/parse.js';
import type { Workspace } from '../../common/workspace/schema.js';
import type { PlanEngine } from '../engine/engine.js';
import { planHash } from '../engine/hash.js';
import type { StackRehearsal } from '../stacks/types.js';
import type { LabService } from './lab.js';
import { createRehearsalService, loadRehearsals, rehearsalPathFor, replayMatches, withinTolerance } from './rehearsal.js';

describe('the kept rehearsals', () => {
  it('sit beside the workspace file, and a damaged record or file counts as none (never an error in the wizard)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-rehearsal-'));
    try {
      const file = path.join(dir, 'estate.yaml');
      expect(rehearsalPathFor(file)).toBe(path.join(dir, 'estate.rehearsal.json'));
      expect(await loadRehearsals(file)).toEqual([]);
      fs.writeFileSync(rehearsalPathFor(file), '{ not json');
      expect(await loadRehearsals(file)).toEqual([]);
      const good = {
        version: 1,
        stack: 'proxmox',
        group: 'offices',
        workspacePath: file,
        ranAt: '2026-12-05T03:00:00.000Z',
        wallMs: 41000,
        planHash: 'a'.repeat(64),
        planId: 'pve-offices',
        planSteps: 12,
        labPlanHash: 'b'.repeat(64),
        labGroup: 'offices',
        status: 'succeeded',
        message: 'done',
        steps: [],
        notRehearsed: [],
        quorum: { quorate: true, members: [{ name: 'zh1', online: true }], source: 'test' },
        lab: { name: 'rehearse-x', hosts: 5, upMs: 9000, keptRunning: false },
        mapping: [],
        links: [],
        notes: [],
      };
      fs.writeFileSync(rehearsalPathFor(file), JSON.stringify({ version: 1, records: [good, { ...good, group: 'other', quorum: 'yes' }] }));
      const loaded = await loadRehearsals(file);
      expect(loaded.map((r) => r.group)).toEqual(['offices']);
      expect(loaded[0]!.quorum?.quorate).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('call a lab round trip faithful within ±10 % or ±0.3 ms, whichever is wider', () => {
    expect(withinTolerance(1.5, 1.8)).toBe(true);
    expect(withinTolerance(1.5, 1.81)).toBe(false);
    expect(withinTolerance(10, 10.99)).toBe(true);
    expect(withinTolerance(10, 8.9)).toBe(false);
    // A replay is judged against what the lab holds for the pair (its whole-millisecond step), not the recording.
    expect(replayMatches({ recordedMs: 2.3, holdsMs: 2.4 }, 2.65, 0)).toBe(true);
    expect(replayMatches({ recordedMs: 2.3 }, 2.65, 0)).toBe(false);
    expect(replayMatches({ recordedMs: 2.3, holdsMs: 2.4 }, 2.75, 0)).toBe(false);
    expect(replayMatches({ recordedMs: 2.3, holdsMs: 2.4 }, 2.4, 100)).toBe(false);
    expect(replayMatches({ recordedMs: 2.3, holdsMs: 2.4 }, undefined, undefined)).toBe(false);
    expect(replayMatches({ holdsMs: 2.4 }, 2.4, 0)).toBeUndefined();
  });
});

const yaml = `version: 1
name: two
sites: [{ name: a, kind: lan }]
networks: [{ name: n, roles: [corosync] }]
nodes: [{ name: x1, site: a, addresses: { n: 10.0.0.1 } }]
`;

const planOf = (id: string, steps: string[]): PlanInput => ({
  version: 1,
  id,
  title: id,
  nodes: { x1: { address: '198.18.0.1' } },
  steps: steps.map((step) => ({ id: step, title: step, target: { node: 'x1' }, action: { kind: 'exec', command: { argv: ['true'] } } })),
}) as PlanInput;

/** The service with a fake lab (its start and teardown counted), a fake engine and a stack hook given by the test. */
function setUp(hook: StackRehearsal | undefined) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-rehearsal-svc-'));
  const file = path.join(dir, 'estate.yaml');
  fs.writeFileSync(file, yaml);
  const labFile = path.join(dir, 'lab.yaml');
  fs.writeFileSync(labFile, yaml);
  const workspace = parseWorkspace(yaml).workspace!;
  const calls: string[] = [];
  const planWorkspaces = new Map<string, Workspace>();
  const lab = {
    handlers: {
      'lab.rehearse': async () => (calls.push('up'), { name: 'rehearse-two', workspacePath: labFile, upMs: 5, hosts: 1, stackServices: [], mapping: [{ node: 'x1', host: 'x1', site: 'a' }], links: [], notes: ['from the lab'] }),
      'lab.down': async () => (calls.push('down'), { namespaces: 2, processes: 3 }),
    },
  } as unknown as LabService;
  let ran: Plan | undefined;
  const engine = {
    approvals: { approve: () => null },
    apply: (plan: Plan) => {
      ran = plan;
      calls.push(`apply ${plan.id} with ${planWorkspaces.has(plan.id) ? 'the lab workspace' : 'no workspace'}`);
      return { runId: 'r1', done: Promise.resolve({ status: 'succeeded', message: 'done' }) };
    },
    status: () => ({ steps: ran!.steps.map((st) => ({ id: st.id, title: st.title, target: 'node x1', state: 'succeeded', attempts: 1 })) }),
    cancel: () => true,
  } as unknown as PlanEngine;
  const service = createRehearsalService({
    lab,
    labStateDir: dir,
    engine,
    stacks: [{ id: 'toy', ...(hook ? { rehearsal: hook } : {}) }],
    workspaces: { current: async () => ({ workspace, facts: {}, path: file }), save: async () => undefined, storeFacts: async () => '' },
    planWorkspaces,
  });
  const ctx = { signal: new AbortController().signal } as Parameters<typeof service.handlers['lab.rehearsePlan']>[1];
  return { dir, file, calls, planWorkspaces, service, ctx, workspace };
}

describe('rehearsing a plan', () => {
  const real = planOf('pve-c', ['check', 'create', 'manual-join']);

  it('runs the stack\'s lab plan with the lab\'s workspace, reads quorum, takes the lab down and keeps the result for the wizard', async () => {
    const t = setUp({
      plan: async ({ lab }) => ({ plan: planOf('rehearsal-pve-c', ['check', 'create']), labGroup: 'c', labWorkspace: lab, notes: ['from the stack'] }),
      verify: async () => ({ quorate: true, members: [{ name: 'x1', online: true }], source: 'fake' }),
    });
    try {
      const record = await t.service.handlers['lab.rehearsePlan']({ stack: 'toy', group: 'c', plan: real as Plan }, t.ctx);
      expect(t.calls).toEqual(['up', 'apply rehearsal-pve-c with the lab workspace', 'down']);
      expect(t.planWorkspaces.size).toBe(0);
      expect(record).toMatchObject({ planHash: planHash(parsePlan(real)), planSteps: 3, status: 'succeeded', quorum: { quorate: true }, notRehearsed: ['manual-join'] });
      expect(record.labPlanHash).not.toBe(record.planHash);
      expect(record.steps.map((st) => [st.id, st.inRealPlan])).toEqual([
        ['check', true],
        ['create', true],
      ]);
      expect(record.notes).toEqual(['from the lab', 'from the stack', 'The rehearsal lab was taken down (2 namespaces, 3 processes).']);
      expect(await t.service.handlers['lab.rehearsal']({ stack: 'toy', group: 'c' }, t.ctx)).toEqual(record);
      expect(await t.service.handlers['lab.rehearsal']({ stack: 'toy', group: 'other' }, t.ctx)).toBeNull();
    } finally {
      fs.rmSync(t.dir, { recursive: true, force: true });
    }
  });

  it('takes the lab down when the stack cannot make the plan, keeps nothing, and refuses a stack without a rehearsal before any lab starts', async () => {
    const t = setUp({
      plan: async () => {
        throw new Error('no cluster c');
      },
      verify: async () => ({ quorate: false, members: [], source: 'fake' }),
    });
    try {
      await expect(t.service.handlers['lab.rehearsePlan']({ stack: 'toy', group: 'c', plan: real as Plan }, t.ctx)).rejects.toThrow('no cluster c');
      expect(t.calls).toEqual(['up', 'down']);
      expect(fs.existsSync(rehearsalPathFor(t.file))).toBe(false);
    } finally {
      fs.rmSync(t.dir, { recursive: true, force: true });
    }
    const bare = setUp(undefined);
    try {
      await expect(bare.service.handlers['lab.rehearsePlan']({ stack: 'toy', group: 'c', plan: real as Plan }, bare.ctx)).rejects.toThrow('The toy stack cannot rehearse its plans in the lab yet.');
      expect(bare.calls).toEqual([]);
    } finally {
      fs.rmSync(bare.dir, { recursive: true, force: true });
    }
  });
});
