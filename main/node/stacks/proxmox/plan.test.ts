// Proxmox cluster plans: valid engine plans, joins in order, secrets only by reference, QDevice only
// for an even count, HA by release, the same link count everywhere.
import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../../common/plan/dag.js';
import { proxmoxClusterPlan, type ProxmoxClusterPlanInput } from './plan.js';

const fp = 'AB:'.repeat(31) + 'CD';
const node = (name: string, i: number) => ({ name, ssh: { address: `198.18.1.${i}` }, links: [`198.18.1.${i}`, `198.19.1.${i}`] });
const base: ProxmoxClusterPlanInput = { clusterName: 'homelab', nodes: [node('a1', 11), node('a2', 12), node('b1', 13)], linkPriorities: [20, 10], fingerprint: fp, rootPasswordSecret: 'pve-root' };

describe('the Proxmox cluster plan', () => {
  it('is a valid engine plan: checks, create with both links, joins one after another, then quorum', () => {
    const plan = parsePlan(proxmoxClusterPlan(base));
    expect(plan.steps.map((s) => s.id)).toEqual(['check-a1', 'check-a2', 'check-b1', 'create', 'join-a2', 'join-b1', 'quorate', 'membership-stable']);
    const create = plan.steps.find((s) => s.id === 'create')!;
    expect(create.action).toEqual({ kind: 'exec', command: { argv: ['pvesh', 'create', '/cluster/config', '--clustername=homelab', '--link0=address=198.18.1.11,priority=20', '--link1=address=198.19.1.11,priority=10'] } });
    expect(create.dependsOn).toEqual(['check-a1', 'check-a2', 'check-b1']);
    expect(plan.steps.find((s) => s.id === 'join-b1')!.dependsOn).toEqual(['join-a2']);
    expect(plan.steps.every((s) => s.precheck !== undefined || s.action.kind === 'wait')).toBe(true);
    expect(plan.steps.filter((s) => !s.idempotent).map((s) => s.id)).toEqual(['create', 'join-a2', 'join-b1']);
  });

  it('passes the root password to joins only as a secret reference in the environment', () => {
    const plan = proxmoxClusterPlan(base);
    const join = plan.steps.find((s) => s.id === 'join-a2')!;
    expect(join.action).toMatchObject({ kind: 'exec', command: { env: { PVE_ROOT_PASSWORD: { secretRef: 'pve-root' } } } });
    const text = (join.action as { command: { sh: string } }).command.sh;
    expect(text).toContain(`--fingerprint=${fp}`);
    expect(text).toContain('--password="$PVE_ROOT_PASSWORD"');
  });

  it('adds the QDevice only for an even node count, and HA rules or groups by release', () => {
    const two = proxmoxClusterPlan({ ...base, nodes: base.nodes.slice(0, 2), qdevice: { address: '198.18.3.11' }, ha: { release: '9.1', name: 'site-a', resources: ['vm:100'], nodes: ['a1', 'a2'] } });
    expect(two.steps.map((s) => s.id).slice(-3)).toEqual(['qdevice', 'qdevice-vote', 'ha']);
    expect(two.steps.find((s) => s.id === 'ha')!.action).toMatchObject({ command: { argv: ['pvesh', 'create', '/cluster/ha/rules', '--rule=site-a', '--type=node-affinity', '--nodes=a1,a2', '--resources=vm:100'] } });
    const three = proxmoxClusterPlan({ ...base, qdevice: { address: '198.18.3.11' }, ha: { release: '8.4', name: 'site-a', resources: [], nodes: ['a1'] } });
    expect(three.steps.some((s) => s.id === 'qdevice')).toBe(false);
    expect(three.steps.find((s) => s.id === 'ha')!.action).toMatchObject({ command: { argv: ['pvesh', 'create', '/cluster/ha/groups', '--group=site-a', '--nodes=a1'] } });
  });

  it('writes WAN totem timing before the first join', () => {
    const plan = parsePlan(proxmoxClusterPlan({ ...base, totem: { join: 90, token: 4000 } }));
    expect(plan.steps.map((s) => s.id)).toEqual(expect.arrayContaining(['wan-tuning', 'wan-tuning-active']));
    expect(plan.steps.find((s) => s.id === 'join-a2')!.dependsOn).toEqual(['wan-tuning-active']);
  });

  it('refuses nodes whose link counts differ, saying what Proxmox would do', () => {
    expect(() => proxmoxClusterPlan({ ...base, nodes: [node('a1', 11), { ...node('a2', 12), links: ['198.18.1.12'] }] })).toThrow(/Proxmox refuses a join whose links differ/);
  });

  it('leaves nodes the app cannot reach to the admin and waits for them to join before counting votes', () => {
    const plan = parsePlan(proxmoxClusterPlan({ ...base, nodes: [node('a1', 11), node('a2', 12), { ...node('b1', 13), manual: true }] }));
    expect(plan.steps.map((s) => s.id)).toEqual(['check-a1', 'check-a2', 'create', 'join-a2', 'await-join-b1', 'quorate', 'membership-stable']);
    // No SSH target for b1: the engine never tries to reach it.
    expect(Object.keys(plan.nodes)).toEqual(['a1', 'a2']);
    const wait = plan.steps.find((s) => s.id === 'await-join-b1')!;
    expect(wait).toMatchObject({ target: { node: 'a1' }, dependsOn: ['join-a2'], action: { kind: 'wait', deadlineMs: 3_600_000 } });
    expect(JSON.stringify(wait.precheck)).toContain('nodelist.node');
    expect(plan.steps.find((s) => s.id === 'quorate')!.title).toMatch(/3 votes/);
    expect(() => proxmoxClusterPlan({ ...base, nodes: [{ ...node('a1', 11), manual: true }, node('a2', 12)] })).toThrow(/creates the cluster/);
  });

  it('sets the cluster-wide migration network once, checked by its own precheck', () => {
    const plan = parsePlan(proxmoxClusterPlan({ ...base, migrationNetwork: '198.19.1.0/24' }));
    const step = plan.steps.find((s) => s.id === 'migration-network')!;
    expect(step.action).toEqual({ kind: 'exec', command: { argv: ['pvesh', 'set', '/cluster/options', '--migration=type=secure,network=198.19.1.0/24'] } });
    expect(step.dependsOn).toEqual(['membership-stable']);
    expect(JSON.stringify(step.precheck)).toMatch(/pvesh get \/cluster\/options.*network.*198\.19\.1\.0\/24/);
  });

  it('hands addresses to the reachability check as arguments, never as script text', () => {
    const plan = proxmoxClusterPlan({ ...base, nodes: base.nodes.slice(0, 2), qdevice: { address: '198.18.3.11' } });
    const checks = JSON.stringify(plan.steps.find((s) => s.id === 'check-a2')!.action);
    // The script is a constant; the address and the port follow it as bash's positional parameters.
    expect(checks).toContain(`timeout 5 bash -c 'exec 3<>\\"/dev/tcp/$1/$2\\"' cw-tcp-check 198.18.1.11 22`);
    expect(checks).toContain(`cw-tcp-check 198.18.3.11 5403`);
    expect(checks).not.toContain('/dev/tcp/198');
  });

  it('refuses values the workspace validation would refuse, before any step exists', () => {
    const hostile = '$(touch /tmp/cw-pwned)';
    const cases: [string, Partial<ProxmoxClusterPlanInput>][] = [
      ['the cluster name', { clusterName: `x;${hostile}` }],
      ['the cluster name', { clusterName: 'a-cluster-name-too-long' }],
      ['every corosync link address of a1', { nodes: [{ ...node('a1', 11), links: [`fe80::1%${hostile}`, '198.19.1.11'] }, node('a2', 12)] }],
      ['every corosync link address of a1', { nodes: [{ ...node('a1', 11), links: ['fe80::1%eth0', '198.19.1.11'] }, node('a2', 12)] }],
      ['every node name', { nodes: [{ ...node('a1', 11), name: '-a1' }, node('a2', 12)] }],
      ['the SSH user of a1', { nodes: [{ ...node('a1', 11), ssh: { address: '198.18.1.11', user: '-oProxyCommand=x' } }, node('a2', 12)] }],
      ['the SSH address of a1', { nodes: [{ ...node('a1', 11), ssh: { address: '-oProxyCommand=x' } }, node('a2', 12)] }],
      ['the QDevice address', { nodes: base.nodes.slice(0, 2), qdevice: { address: `198.18.3.11 ${hostile}` } }],
      ['the migration network', { migrationNetwork: `198.19.1.0/24,${hostile}` }],
      ['the certificate fingerprint', { fingerprint: `${fp}
${hostile}` }],
      ['the root password secret id', { rootPasswordSecret: `x'${hostile}` }],
    ];
    for (const [what, change] of cases) {
      expect(() => proxmoxClusterPlan({ ...base, ...change }), what).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringContaining(what) }));
    }
  });

  it('names steps after nodes in lower case, so a host name in capitals still makes a valid plan', () => {
    const plan = parsePlan(proxmoxClusterPlan({ ...base, nodes: [node('PVE1', 11), node('Pve2', 12), node('b1', 13)] }));
    expect(plan.steps.map((s) => s.id).slice(0, 5)).toEqual(['check-pve1', 'check-pve2', 'check-b1', 'create', 'join-pve2']);
    expect(plan.steps.find((s) => s.id === 'join-pve2')!.target).toEqual({ node: 'Pve2' });
  });
});
