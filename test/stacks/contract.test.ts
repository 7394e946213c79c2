// The stack contract: what every stack must satisfy to plug into the core, the canvas and the engine. It runs
// over a stack that exists only in this folder (registered through the public interface, never in a registry
// list) and over every registered stack, where the part applies (a stack without moves skips the move checks).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MigrationTarget, VmRecord } from '../../main/common/contract/inventory.js';
import { composeContract } from '../../main/common/contract/index.js';
import { parsePlan } from '../../main/common/plan/dag.js';
import { networkRolesOf } from '../../main/common/stacks/compose.js';
import { stacks as registeredDefinitions } from '../../main/common/stacks/registry.js';
import type { AnyStackDefinition, StackWorkspace } from '../../main/common/stacks/types.js';
import { parseWorkspace } from '../../main/common/workspace/parse.js';
import { checkReferences } from '../../main/common/workspace/references.js';
import { rulesFor, validateWorkspace } from '../../main/common/workspace/rules/index.js';
import type { Workspace } from '../../main/common/workspace/schema.js';
import { createCore, type Core } from '../../main/node/core.js';
import { destructiveStepIds } from '../../main/node/engine/approvals.js';
import { MemorySecretStore } from '../../main/node/secrets/index.js';
import { stackModules } from '../../main/node/stacks/registry.js';
import type { StackModule, StackServices } from '../../main/node/stacks/types.js';
import { EventBus } from '../../main/node/events.js';
import { buildGraph } from '../../renderer/src/features/topology/from-workspace.js';
import { toyModule, toyStack } from './toy-stack.js';

/** A toy VM (the VM record's stack type lists the registered stacks; the toy one is composed only at run time). */
const toyVm = (id: number, node: string, name: string): VmRecord => ({ id: `toy:pair:${id}`, stack: 'toy' as VmRecord['stack'], cluster: 'pair', node, name, status: 'running' });
const toyVms = (): Map<string, VmRecord> =>
  new Map([
    ['toy:pair:1', toyVm(1, 't1', 'alpha')],
    ['toy:pair:2', toyVm(2, 't2', 'beta')],
  ]);

/** The example estate (every registered stack's section) plus three toy nodes: `pair` (t1, t2) and `solo` (t3, one node: a finding). */
const toySection = `
toy:
  clusters:
    - { name: pair, nodes: [t1, t2], network: toynet }
    - { name: solo, nodes: [t3], network: toynet }
`;
function estateText(): string {
  const example = fs.readFileSync(path.join(import.meta.dirname, '../fixtures/workspaces/example.yaml'), 'utf8');
  const withToy = example
    .replace(/^networks:\n/m, 'networks:\n  - name: toynet\n    roles: [toy-sync]\n    cidr: 10.99.0.0/24\n')
    // The app's login to the regions' shared Keystone (a move plan names its API); nothing is contacted here.
    .replace(/^openstack:\n/m, "openstack:\n  keystone: { authUrl: 'http://127.0.0.1:9/v3', passwordSecret: os-admin }\n")
    .replace(/^nodes:\n/m, ['nodes:', ...['t1', 't2', 't3'].map((n, i) => `  - name: ${n}\n    site: home\n    addresses: { mgmt: 192.168.10.${91 + i}, toynet: 10.99.0.${11 + i} }`), ''].join('\n'));
  return `${withToy}\n${toySection}`;
}

const list: readonly AnyStackDefinition[] = [...registeredDefinitions, toyStack];
const estate = (() => {
  const parsed = parseWorkspace(estateText(), { stacks: list });
  if (!parsed.workspace) throw new Error(`the test estate does not parse: ${JSON.stringify(parsed.issues)}`);
  return parsed.workspace as Workspace & StackWorkspace;
})();

/** Reads `proxmox.clusters[0]`-style paths. */
function at(root: unknown, dotted: string): unknown {
  return dotted
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .reduce<unknown>((v, key) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined), root);
}

// Every stack, with the fixtures its move checks need (a stack that moves VMs must have one here).
const moveFixtures: Record<string, { vm: VmRecord; target: string; verdict: MigrationTarget }> = {
  toy: { vm: toyVms().get('toy:pair:1')!, target: 't2', verdict: { node: 't2', allowed: true, reasons: [], kind: 'live', details: { stack: 'toy', note: '' } as never } },
  proxmox: {
    vm: { id: 'proxmox:homelab:101', stack: 'proxmox', cluster: 'homelab', node: 'pve1', name: 'db', status: 'running' } as VmRecord,
    target: 'pve2',
    verdict: { node: 'pve2', allowed: true, reasons: [], kind: 'live', details: { stack: 'proxmox', localDisks: [], targetStorages: [] } as never },
  },
  vsan: {
    vm: { id: 'vsan:stretch1:vm-42', stack: 'vsan', cluster: 'stretch1', node: 'esx-a1', name: 'app', status: 'running' } as VmRecord,
    target: 'esx-b1',
    verdict: { node: 'esx-b1', allowed: true, reasons: [], kind: 'live', details: { stack: 'vsan', crossSite: true, brokenRules: [] } as never },
  },
  openstack: {
    vm: { id: 'openstack:RegionEast:3f0c8a1e-1b2c-4d5e-8f90-0123456789ab', stack: 'openstack', cluster: 'RegionEast', node: 'os-cmp-east1', name: 'web', status: 'running' } as VmRecord,
    target: 'os-cmp-east2',
    verdict: { node: 'os-cmp-east2', allowed: true, reasons: [], kind: 'live', details: { stack: 'openstack', region: 'RegionEast', sourceHost: 'os-cmp-east1', targetHost: 'os-cmp-east2' } as never },
  },
};

const modules: StackModule[] = [...stackModules, toyModule(toyVms())];

function fakeDeps(): Parameters<StackModule['create']>[0] {
  return {
    events: new EventBus(),
    secrets: new MemorySecretStore(),
    workspaces: {
      current: async () => ({ workspace: estate, facts: {}, path: '/nonexistent/clusterwright.yaml' }),
      save: async () => undefined,
      storeFacts: async () => '',
    },
    options: {},
  };
}

describe.each(modules.map((m) => [m.definition.id, m] as const))('the stack contract: %s', (id, module) => {
  const stack: AnyStackDefinition = module.definition;
  const services: StackServices = module.create(fakeDeps());

  it('keeps its names in its own namespace: section key, rules, contract methods and events, migration choices', () => {
    expect(stack.id).toMatch(/^[a-z][a-z0-9]*$/);
    expect(list.filter((s) => s.id === stack.id || s.section.key === stack.section.key)).toEqual([stack]);
    for (const name of [...Object.keys(stack.contract.methods), ...Object.keys(stack.contract.events)]) expect(name.startsWith(`${stack.id}.`)).toBe(true);
    expect(stack.rules.length).toBeGreaterThan(0);
    for (const rule of stack.rules) {
      expect(rule.id.startsWith(`${stack.id}.`), rule.id).toBe(true);
      expect(rule.stack).toBe(stack.id);
    }
    if (stack.migration) {
      expect(stack.migration.choices.shape.stack.parse(stack.id)).toBe(stack.id);
      expect(stack.migration.details.shape.stack.parse(stack.id)).toBe(stack.id);
      expect(() => stack.migration!.choices.shape.stack.parse('another')).toThrow();
    }
    // Its network roles are offered by the composed schema.
    for (const role of Object.keys(stack.networkRoles)) expect(networkRolesOf(list)).toContain(role);
  });

  it('describes its groups and links in terms of the workspace: members that exist, paths that point at them, networks that exist', () => {
    const groups = stack.groups(estate);
    expect(groups.length).toBeGreaterThan(0);
    const nodes = new Set(estate.nodes.map((n) => n.name));
    const networks = new Set(estate.networks.map((n) => n.name));
    for (const g of groups) {
      expect(g).toMatchObject({ stack: stack.id, kind: stack.groupKind });
      expect(g.path.startsWith(`${stack.section.key}.`)).toBe(true);
      expect((at(estate, g.path) as { name?: string }).name).toBe(g.name);
      for (const m of g.members) expect(nodes.has(m.node), `${g.name}: ${m.node}`).toBe(true);
    }
    for (const l of stack.links(estate)) {
      expect(nodes.has(l.a) && nodes.has(l.b), `${l.a}–${l.b}`).toBe(true);
      expect(networks.has(l.network)).toBe(true);
      expect(networkRolesOf(list)).toContain(l.role);
      expect(groups.map((g) => g.name)).toContain(l.group);
    }
  });

  it('reports a member that does not exist as a reference error located in its own section', () => {
    const member = stack.groups(estate).flatMap((g) => g.members)[0]!.node;
    const section = JSON.parse(JSON.stringify((estate as Record<string, unknown>)[stack.section.key]).replaceAll(`"${member}"`, '"ghost-node"')) as unknown;
    const broken = { ...estate, [stack.section.key]: section } as Workspace;
    const issues = checkReferences(broken, list).filter((i) => i.code === 'reference' && i.message.includes('ghost-node'));
    expect(issues.length).toBeGreaterThan(0);
    for (const issue of issues) expect(issue.path[0]).toBe(stack.section.key);
    expect(checkReferences(estate, list).filter((i) => i.severity === 'error')).toEqual([]);
  });

  it('its rules run on the estate without failing (no "could not run" findings)', () => {
    const findings = validateWorkspace(estate, {}, stack.rules);
    expect(findings.filter((f) => /could not run/.test(f.message))).toEqual([]);
  });

  it('appears on the canvas: member nodes carry its tag and group, its links are drawn with their roles', () => {
    const graph = buildGraph(estate, {}, [], [], list);
    for (const g of stack.groups(estate)) {
      for (const m of g.members.filter((x) => x.member)) expect(graph.nodes.find((n) => n.id === m.node)?.roles).toContain(m.role);
    }
    const tagged = graph.nodes.filter((n) => n.stack?.startsWith(`${stack.shortTitle} `));
    expect(tagged.length).toBeGreaterThan(0);
    for (const l of stack.links(estate)) {
      expect(graph.links.some((gl) => gl.role === l.role && gl.network === l.network && [gl.source, gl.target].sort().join() === [l.a, l.b].sort().join()), `${l.role} ${l.a}–${l.b}`).toBe(true);
    }
  });

  it('its services match its definition: handlers for exactly its methods, an executor and inventory when it moves VMs', () => {
    expect(Object.keys(services.handlers ?? {}).sort()).toEqual(Object.keys(stack.contract.methods).sort());
    expect(Boolean(services.migration)).toBe(Boolean(stack.migration));
    if (services.migration) {
      expect(services.executor).toBeDefined();
      expect(services.inventory).toBeDefined();
      expect(moveFixtures[stack.id], `a stack that moves VMs needs a fixture in ${path.basename(import.meta.filename)}`).toBeDefined();
    }
  });

  it.runIf(Boolean(services.migration))('plans a move the engine can run: its own operations, a precheck on the move, the source deleted only when asked and as a destructive step', () => {
    const { vm, target, verdict } = moveFixtures[stack.id]!;
    const kept = services.migration!.plan(estate, vm, { target, online: true }, verdict);
    const plan = parsePlan(kept.plan);
    expect(destructiveStepIds(plan)).toEqual([]);
    expect(kept.plan.touches).toContainEqual({ stack: stack.id, cluster: vm.cluster });
    const calls = plan.steps.flatMap((s) => [s.action, s.precheck, s.verify]).filter((c): c is Extract<typeof c, { kind: 'stack' }> => c?.kind === 'stack');
    expect(calls.length).toBeGreaterThan(0);
    for (const c of calls) {
      expect(c.stack).toBe(stack.id);
      expect(services.executor!.describe(c).length).toBeGreaterThan(0);
    }
    // Resuming never moves twice: every step that moves checks first whether it is done.
    for (const s of plan.steps.filter((x) => x.action.kind === 'stack')) expect(s.precheck, s.id).toBeDefined();
    // The summary says what happened in words.
    expect(kept.summary({ status: 'succeeded', runId: 'r', durationMs: 1200, nothingChanged: false } as never)).toMatch(new RegExp(vm.name));
  });
});

describe('the common registry composes the toy stack like any other', () => {
  it('its section parses, and an unknown section of a stack not in the list is only a warning', () => {
    expect((estate as { toy?: unknown }).toy).toMatchObject({ clusters: [{ name: 'pair' }, { name: 'solo' }] });
    const without = parseWorkspace(estateText());
    expect(without.issues.find((i) => i.path === 'toy')).toMatchObject({ severity: 'warning', code: 'unknown-key' });
  });

  it('its contract methods join the composed contract; one outside its namespace is refused', () => {
    expect(Object.keys(composeContract(list).methods)).toContain('toy.ping');
    const rogue = { ...toyStack, contract: { methods: { 'proxy.ping': toyStack.contract.methods['toy.ping'] }, events: {} } };
    expect(() => composeContract([rogue])).toThrow(/outside its namespace \(toy\.\*\)/);
  });

  it('its rule joins the rule runner and points at its cluster', () => {
    const findings = validateWorkspace(estate, {}, rulesFor(list)).filter((f) => f.ruleId === 'toy.two-nodes');
    expect(findings).toEqual([expect.objectContaining({ severity: 'warning', message: 'Toy cluster solo has one node.', elements: [{ kind: 'cluster', stack: 'toy', name: 'solo' }] })]);
    expect(validateWorkspace(estate).some((f) => f.ruleId.startsWith('toy.'))).toBe(false);
  });
});

describe('the toy stack through the core (createCore({ stacks }))', () => {
  let dir: string;
  let core: Core;
  const vms = toyVms();
  const moves: string[] = [];
  let release: (() => void) | undefined;
  let holding: Promise<void> | undefined;
  let hold = false;
  const events: { name: string; payload: Record<string, unknown> }[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-toy-'));
    const toy = toyModule(vms, moves, {
      hold: (signal) => {
        if (!hold) return Promise.resolve();
        holding = new Promise<void>((resolve, reject) => {
          release = resolve;
          signal.addEventListener('abort', () => reject(Object.assign(new Error('stopped'), { code: 'CANCELLED' })), { once: true });
        });
        return holding;
      },
    });
    core = createCore({ hostKind: 'test', workspaceDir: path.join(dir, 'data'), nodeCommands: 'local', stacks: [...stackModules, toy], ssh: { secrets: new MemorySecretStore(), sshConfigFile: null, interactive: false } });
    core.events.subscribe((name, payload) => events.push({ name, payload: payload as Record<string, unknown> }));
    fs.mkdirSync(path.join(dir, 'ws'));
    fs.writeFileSync(path.join(dir, 'ws', 'clusterwright.yaml'), estateText());
    await core.call('workspace.open', { path: path.join(dir, 'ws'), remember: false });
  });
  afterAll(async () => {
    await core.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const call = (method: string, input: unknown, signal?: AbortSignal) => core.call(method as never, input as never, signal) as Promise<Record<string, unknown> & { [k: string]: never }>;

  it('its findings are in the workspace validation, and its own method answers', async () => {
    const result = (await call('workspace.validate', {})) as unknown as { findings: { ruleId: string; elements: unknown[] }[] };
    expect(result.findings.filter((f) => f.ruleId === 'toy.two-nodes').map((f) => f.elements)).toEqual([[{ kind: 'cluster', stack: 'toy', name: 'solo' }]]);
    expect(await call('toy.ping', {})).toEqual({ pong: true });
  });

  it('its VMs are in the inventory, with their cluster as a source', async () => {
    const { vms: listed, sources } = (await call('inventory.list', {})) as unknown as { vms: VmRecord[]; sources: { stack: string; cluster: string; ok: boolean }[] };
    expect(listed.filter((v) => v.id.startsWith('toy:')).map((v) => [v.name, v.node])).toEqual([
      ['alpha', 't1'],
      ['beta', 't2'],
    ]);
    expect(sources.filter((s) => s.stack === 'toy')).toEqual(expect.arrayContaining([{ stack: 'toy', cluster: 'pair', ok: true, vms: 2 }]));
  });

  it('a move is a plan: prechecked with its own details, journalled, audited, and the touched cluster read again', async () => {
    const pre = (await call('vm.migratePrecheck', { vm: 'toy:pair:1', targets: ['t2'] })) as unknown as { targets: MigrationTarget[] };
    expect(pre.targets).toEqual([{ node: 't2', allowed: true, reasons: [], kind: 'live', details: { stack: 'toy', note: 'toy move to t2' } }]);
    events.length = 0;
    const result = (await call('vm.migrate', { vm: 'toy:pair:1', target: 't2', online: true, choices: { stack: 'toy', fast: true } })) as unknown as { runId: string; status: string; from: string; to: string; message: string };
    expect(result).toMatchObject({ status: 'succeeded', from: 't1', to: 't2', message: 'alpha: succeeded' });
    expect(moves).toEqual(['toy:pair:1→t2']);
    const journal = fs.readFileSync(path.join(dir, 'data', 'runs', result.runId, 'journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; status?: string; planId?: string });
    expect(journal[0]).toMatchObject({ type: 'run', planId: 'toy-move-1' });
    expect(journal.at(-1)).toMatchObject({ type: 'finished', status: 'succeeded' });
    const audit = fs.readFileSync(path.join(dir, 'data', 'audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { runId?: string; stepId?: string; purpose?: string; what?: string; outcome?: string });
    expect(audit.filter((a) => a.runId === result.runId).map((a) => [a.stepId, a.purpose, a.what, a.outcome])).toEqual([
      ['move', 'precheck', 'toy: on {"vm":"toy:pair:1","node":"t2"}', 'does not hold'],
      ['move', 'action', 'toy: move {"vm":"toy:pair:1","to":"t2"}', 'done'],
    ]);
    expect(events.filter((e) => e.name === 'job.log' && e.payload.runId === result.runId).map((e) => e.payload.text)).toContain('moved alpha to t2');
    expect(events.filter((e) => e.name === 'inventory.changed').map((e) => [e.payload.stack, e.payload.cluster])).toEqual([['toy', 'pair']]);
  });

  it('deleting the source is a destructive step: refused without the typed name, approved against the plan and audited with it', async () => {
    await expect(call('vm.migrate', { vm: 'toy:pair:2', target: 't1', online: true, deleteSource: true })).rejects.toThrow(/Confirm it by giving the VM's name \(beta\)/);
    expect(moves).toEqual(['toy:pair:1→t2']);
    const result = (await call('vm.migrate', { vm: 'toy:pair:2', target: 't1', online: true, deleteSource: true, confirmDeleteSource: 'beta' })) as unknown as { runId: string; status: string };
    expect(result.status).toBe('succeeded');
    expect(moves.slice(1)).toEqual(['toy:pair:2→t1', 'forget toy:pair:2@t2']);
    const audit = fs.readFileSync(path.join(dir, 'data', 'audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { runId?: string; stepId?: string; operation?: string; what?: string; outcome?: string });
    expect(audit.find((a) => a.operation === 'approve')).toMatchObject({ outcome: 'approved', what: expect.stringMatching(/^plan toy-move-2 \(\w{12}…\): delete-source — the VM's name beta typed to confirm$/) });
    expect(audit.filter((a) => a.runId === result.runId && a.stepId === 'delete-source').map((a) => a.outcome)).toContain('done');
  });

  it('a move stopped after the stack moved the VM is resumed without moving it again', async () => {
    hold = true;
    const controller = new AbortController();
    const running = call('vm.migrate', { vm: 'toy:pair:1', target: 't1', online: true }, controller.signal);
    // (A flag, not the promise: expect.poll would wait for it.)
    await expect.poll(() => release !== undefined).toBe(true);
    controller.abort();
    const stopped = (await running) as unknown as { runId: string; status: string };
    expect(stopped.status).toBe('cancelled');
    hold = false;
    release?.();
    expect(moves.filter((m) => m.startsWith('toy:pair:1'))).toEqual(['toy:pair:1→t2', 'toy:pair:1→t1']);
    const resumed = (await call('plan.resume', { runId: stopped.runId, wait: true })) as unknown as { result: { status: string; nothingChanged: boolean } };
    expect(resumed.result).toMatchObject({ status: 'succeeded', nothingChanged: true });
    // The step's precheck found alpha on t1: nothing moved a second time.
    expect(moves.filter((m) => m.startsWith('toy:pair:1'))).toEqual(['toy:pair:1→t2', 'toy:pair:1→t1']);
  });
});
