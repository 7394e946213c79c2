// The kolla-ansible operation: its command as an argument vector (arguments from a plan file checked first), the
// output streamed line by line into the step's log with a progress line per play, and a failed run's error naming
// the failed task and its message; the plan exported as a script runs the same command.
import { describe, expect, it } from 'vitest';
import { CwError } from '../../../common/errors.js';
import { parsePlan } from '../../../common/plan/dag.js';
import { kollaDeployPlan } from '../../../common/stacks/openstack/deploy.js';
import { workspaceSchema } from '../../../common/workspace/schema.js';
import { exportShell } from '../../engine/export-shell.js';
import type { StackCall } from '../../../common/plan/schema.js';
import type { StackOpContext } from '../../engine/stack-ops.js';
import { createKollaExecutor } from './kolla-deploy.js';

const call = (args: Record<string, unknown>): StackCall => ({ stack: 'openstack', op: 'kolla-ansible', args: { region: 'RegionTwo', command: 'deploy', inventory: '/etc/kolla/multinode', configDir: '/etc/kolla', node: 'ctl-b', ...args } });

function context(output: string[], exitCode: number, errors: string[] = []) {
  const logs: [string, string][] = [];
  const ran: string[][] = [];
  const ctx: StackOpContext = {
    signal: new AbortController().signal,
    timeoutMs: 1000,
    runId: 'r',
    stepId: 's',
    log: (text, stream = 'info') => logs.push([stream, text]),
    exec: async (argv, options) => {
      ran.push(argv);
      for (const chunk of output) options?.onStdout?.(chunk);
      for (const chunk of errors) options?.onStderr?.(chunk);
      return { exitCode, stdout: output.join(''), stderr: errors.join('') };
    },
  };
  return { ctx, logs, ran };
}

describe('the kolla-ansible operation', () => {
  it('runs kolla-ansible as an argument vector and describes it quoted', () => {
    const kolla = createKollaExecutor();
    expect(kolla.describe(call({}))).toBe('kolla-ansible deploy -i /etc/kolla/multinode --configdir /etc/kolla --passwords /etc/kolla/passwords.yml');
    expect(kolla.command!(call({ command: 'prechecks' }))).toEqual({ node: 'ctl-b', argv: ['kolla-ansible', 'prechecks', '-i', '/etc/kolla/multinode', '--configdir', '/etc/kolla', '--passwords', '/etc/kolla/passwords.yml'] });
  });

  it('refuses arguments from a plan file that are not plain paths, names or known commands', () => {
    const kolla = createKollaExecutor();
    for (const args of [{ configDir: '/etc/kolla; reboot' }, { inventory: '/etc/../etc/shadow' }, { command: 'destroy' }, { region: '-x' }, { node: '--help' }, { extra: 1 }]) {
      const error = (() => {
        try {
          kolla.describe(call(args));
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error, JSON.stringify(args)).toBeInstanceOf(CwError);
      expect((error as CwError).code).toBe('INVALID_INPUT');
    }
  });

  it('streams every line into the log with a progress line per play, and ends with the recap', async () => {
    const { ctx, logs, ran } = context(['PLAY [Apply role nova] ***\n\nTASK [nova : Copy', 'ing over nova.conf] ***\nchanged: [cmp1]\n\nPLAY RECAP ***\ncmp1 : ok=1    changed=1    unreachable=0    failed=0    skipped=0\n'], 0);
    await createKollaExecutor().act(call({}), ctx);
    expect(ran).toEqual([['kolla-ansible', 'deploy', '-i', '/etc/kolla/multinode', '--configdir', '/etc/kolla', '--passwords', '/etc/kolla/passwords.yml']]);
    expect(logs).toEqual([
      ['stdout', 'PLAY [Apply role nova] ***'],
      ['info', 'progress: play 1 started (Apply role nova)'],
      ['stdout', ''],
      ['stdout', 'TASK [nova : Copying over nova.conf] ***'],
      ['stdout', 'changed: [cmp1]'],
      ['stdout', ''],
      ['stdout', 'PLAY RECAP ***'],
      ['info', 'progress: play 1 (Apply role nova): 1 task, 0 ok, 1 changed, 0 failed'],
      ['stdout', 'cmp1 : ok=1    changed=1    unreachable=0    failed=0    skipped=0'],
      ['info', 'kolla-ansible deploy finished for region RegionTwo: 1 plays; cmp1 ok=1 changed=1 failed=0'],
    ]);
  });

  it("fails with the failed task's message", async () => {
    const { ctx } = context(['PLAY [Apply role nova] ***\nTASK [nova : Copying over nova.conf] ***\nfatal: [cmp1]: FAILED! => {"changed": false, "msg": "nova_cell_name is undefined"}\n'], 2);
    await expect(createKollaExecutor().act(call({}), ctx)).rejects.toThrow(/^kolla-ansible deploy failed for region RegionTwo: task "nova : Copying over nova.conf" of play "Apply role nova" failed on cmp1: nova_cell_name is undefined\./);
  });

  it('fails with the last line of stderr when no task failed (a bad option, a missing tool), each stderr line logged whole', async () => {
    const { ctx, logs } = context([], 2, ['WARNING: a deprec', 'ated option\nkolla-ansible: unknown ', 'command\n']);
    await expect(createKollaExecutor().act(call({}), ctx)).rejects.toMatchObject({ code: 'REMOTE_FAILED', message: expect.stringContaining('exited with status 2 for region RegionTwo: kolla-ansible: unknown command') });
    expect(logs.filter(([stream]) => stream === 'stderr')).toEqual([
      ['stderr', 'WARNING: a deprecated option'],
      ['stderr', 'kolla-ansible: unknown command'],
    ]);
  });
});

describe('the deploy plan as a script an admin can run', () => {
  it('exports kolla-ansible as the same command line on the deploy host, the admin password read from the environment', () => {
    const workspace = workspaceSchema.parse({
      version: 1,
      name: 'one region',
      sites: [{ name: 'a', kind: 'lan' }],
      networks: [{ name: 'mgmt', roles: ['management'], cidr: '10.0.0.0/24' }],
      nodes: [{ name: 'ctl', site: 'a', addresses: { mgmt: '10.0.0.11' } }],
      openstack: { regions: [{ name: 'RegionOne', keystone: true, controllers: ['ctl'], networkNodes: ['ctl'], compute: ['ctl'] }], keystone: { authUrl: 'http://10.0.0.250:5000/v3', passwordSecret: 'ks-admin' } },
    });
    const { plan } = kollaDeployPlan(workspace, { release: '2026.1', regions: { RegionOne: { internalVip: '10.0.0.250', networkInterface: 'eth0', externalInterface: 'eth1' } } });
    const kolla = createKollaExecutor();
    const [script] = exportShell(parsePlan(plan), (id) => (id === 'openstack' ? kolla : undefined));
    expect(script!.content).toContain('kolla-ansible deploy -i /etc/kolla/multinode --configdir /etc/kolla --passwords /etc/kolla/passwords.yml');
    expect(script!.content).toContain('CW_SECRET_KS_ADMIN');
  });
});
