import { describe, expect, it } from 'vitest';
import { canonicalJson, parsePlan, planIssues, topologicalOrder } from './dag.js';
import { planSchema, type PlanInput, type StepInput } from './schema.js';
import { collectSecretIds } from './secrets.js';

const step = (id: string, dependsOn: string[] = [], node = 'pve1'): StepInput => ({ id, title: id, target: { node }, action: { kind: 'exec', command: 'true' }, dependsOn });
const plan = (steps: StepInput[]): PlanInput => ({ id: 'p', title: 'p', nodes: { pve1: { address: '198.18.0.1' }, pve2: { local: true } }, steps });

describe('plan graph validation', () => {
  it('accepts a DAG and orders dependencies first, keeping plan order where free', () => {
    const parsed = parsePlan(plan([step('join', ['create']), step('create'), step('qdevice', ['join']), step('ha', ['create'])]));
    expect(topologicalOrder(parsed).map((s) => s.id)).toEqual(['create', 'join', 'qdevice', 'ha']);
  });

  it('refuses duplicate ids, unknown and self dependencies, cycles and undeclared nodes, naming each', () => {
    const issues = planIssues(planSchema.parse(plan([step('a', ['b']), step('b', ['c']), step('c', ['a']), step('a'), step('d', ['d']), step('e', ['ghost']), step('f', [], 'pve9')])));
    const messages = issues.map((i) => i.message);
    expect(messages).toContain('Two steps have the id "a"; step ids must be unique.');
    expect(messages).toContain('Step "d" depends on itself.');
    expect(messages).toContain('Step "e" depends on "ghost", which is not in the plan.');
    expect(messages).toContain(`Step "f" runs on node "pve9", which the plan's nodes do not list.`);
    const cycle = planIssues(planSchema.parse(plan([step('a', ['b']), step('b', ['c']), step('c', ['a']), step('d')]))).map((i) => i.message);
    expect(cycle).toEqual(['The steps depend on each other in a circle: a → b → c → a.']);
    expect(() => parsePlan(plan([step('a', ['b']), step('b', ['a'])]))).toThrowError(/cannot run:[\s\S]*circle/);
  });

  it('refuses actions that do not fit their target', () => {
    const bad: PlanInput = { ...plan([{ id: 'x', title: 'x', target: { api: 'pve' }, action: { kind: 'exec', command: 'true' } }]), apis: { pve: { baseUrl: 'https://198.18.0.1:8006/api2/json' } } };
    expect(() => parsePlan(bad)).toThrowError(/runs a exec on an API endpoint/);
    expect(() => parsePlan(plan([{ id: 'y', title: 'y', target: { node: 'pve1' }, action: { kind: 'exec', command: 'true' }, precheck: { kind: 'fileMatches' } }]))).toThrowError(/fileMatches precheck/);
  });

  it('reports schema errors with the path of the bad field', () => {
    expect(() => parsePlan({ id: 'p', title: 'p', steps: [{ id: 'Bad Id', title: 't', target: { node: 'n' }, action: { kind: 'exec', command: 'true' } }] })).toThrowError(/steps\.0\.id: a step id/);
    expect(() => parsePlan({ id: 'p', title: 'p', steps: [{ id: 'u', title: 't', target: { node: 'n' }, action: { kind: 'upload', path: 'relative', content: '' } }] })).toThrowError(/an absolute path/);
  });

  it('fills defaults: shorthand commands, retry once, idempotent, not destructive', () => {
    const parsed = parsePlan(plan([step('a')]));
    expect(parsed.steps[0]).toMatchObject({ action: { kind: 'exec', command: { sh: 'true' } }, retry: { attempts: 1 }, idempotent: true, destructive: false, dependsOn: [] });
    expect(parsed.limits).toEqual({ global: 8, perTarget: 2 });
  });
});

describe('canonical JSON (what the plan hash covers)', () => {
  it('is the same for the same plan whatever the key order, and differs when anything changes', () => {
    const a = parsePlan(plan([step('a'), step('b', ['a'])]));
    const b = parsePlan(JSON.parse(JSON.stringify({ steps: plan([step('a'), step('b', ['a'])]).steps, title: 'p', nodes: { pve2: { local: true }, pve1: { address: '198.18.0.1' } }, id: 'p' })));
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    const c = parsePlan(plan([step('a'), step('b')]));
    expect(canonicalJson(c)).not.toBe(canonicalJson(a));
  });
});

describe('secret references', () => {
  it('finds every secret id in commands, env, uploads, API bodies and headers', () => {
    const ids = collectSecretIds(
      parsePlan({
        id: 'p',
        title: 'p',
        apis: { pve: { baseUrl: 'https://198.18.0.1:8006', headers: { Authorization: ['PVEAPIToken=', { secretRef: 'token' }] } } },
        steps: [
          { id: 'a', title: 'a', target: { node: 'n' }, action: { kind: 'exec', command: { argv: ['x', { secretRef: 'arg' }, ['--pw=', { secretRef: 'joined' }]] } } },
          { id: 'b', title: 'b', target: { node: 'n' }, action: { kind: 'exec', command: { sh: 'x', env: { E: { secretRef: 'env' } } } } },
          { id: 'c', title: 'c', target: { node: 'n' }, action: { kind: 'upload', path: '/f', content: ['k=', { secretRef: 'file' }] } },
          { id: 'd', title: 'd', target: { api: 'pve' }, action: { kind: 'api', request: { method: 'POST', path: '/x', body: { deep: [{ password: { secretRef: 'body' } }] } } } },
        ],
      }),
    );
    expect([...ids].sort()).toEqual(['arg', 'body', 'env', 'file', 'joined', 'token']);
  });
});
