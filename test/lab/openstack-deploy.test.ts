// The Kolla-Ansible deploy of two OpenStack regions through the app's core, over SSH to lab hosts that run the
// deploy-host fixture (kolla-ansible / kolla-genpwd stand-ins that record and check what they receive; Kolla-Ansible
// itself cannot run here): the Keystone region first, the files on each deploy host with the generator's content and
// their modes, the one admin password in both regions' passwords.yml but nowhere in the plan, its preview, the journal,
// the logs or the events; a second run changes no file; a failing task fails its step with the task's message, and a
// resume once the fault is gone finishes the deploy.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { Core } from '../../main/node/core.js';
import { installKollaStandIns, kollaStandInDir, type KollaStandInCall } from '../../main/node/stacks/openstack/lab/kolla-stand-in.js';
import { describeLab, labWorkspaceCore, useLab } from '../support/lab.js';
import { twoRegionDeployLayout } from '../support/openstack/deploy-layout.js';

const SPEC = `
name: kolla-deploy
sites:
  - name: one
    hosts: [r1a]
  - name: two
    hosts: [r2a]
    link: man
`;

// A password a shell would run if it ever reached a command line unquoted.
const ADMIN_PASSWORD = `Adm1n "pw" $(touch /tmp/cwkd-pwned) ';x`;

const choices = {
  release: '2026.1' as const,
  regions: {
    RegionOne: { internalVip: '198.18.1.250', networkInterface: 'eth0', externalInterface: 'eth1' },
    RegionTwo: { internalVip: '198.18.2.250', networkInterface: 'eth0', externalInterface: 'eth1' },
  },
};

describeLab('the Kolla-Ansible deploy of two regions over SSH (deploy-host fixture on lab hosts)', () => {
  const handle = useLab(SPEC, 'cwkd');
  let core: Core | undefined;
  let home = '';
  const events: { name: string; payload: unknown }[] = [];
  const shown: string[] = [];
  const app = () => core!;

  beforeAll(async () => {
    const lab = handle.lab;
    installKollaStandIns(lab.binDir, '2026.1');
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-kd-app-'));
    core = labWorkspaceCore(lab, home);
    core.events.subscribe((name, payload) => events.push({ name, payload }));
    const opened = await core.call('workspace.open', { path: lab.workspacePath, remember: false });
    const { id } = await core.call('secrets.put', { label: 'admin on the shared Keystone', kind: 'password', value: ADMIN_PASSWORD });
    const workspace = structuredClone(opened.workspace!);
    workspace.openstack = twoRegionDeployLayout(id);
    await core.call('workspace.save', { workspace, ...(opened.revision ? { revision: opened.revision } : {}) });
  }, 60_000);

  afterAll(async () => {
    await core?.close();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  const calls = async (host: string): Promise<KollaStandInCall[]> => {
    const r = await handle.lab.exec(host, ['cat', `${kollaStandInDir}/calls.jsonl`], { timeoutMs: 10_000 });
    return r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as KollaStandInCall);
  };
  const read = async (host: string, file: string) => (await handle.lab.exec(host, ['cat', '--', file], { timeoutMs: 10_000 })).stdout;
  const stat = async (host: string, files: string[]) => (await handle.lab.exec(host, ['stat', '-c', '%n %a %Y.%y', '--', ...files], { timeoutMs: 10_000 })).stdout;
  const deployPlan = async () => {
    const answer = await app().call('openstack.deployPlan', choices);
    shown.push(JSON.stringify(answer));
    return answer;
  };
  const apply = async (plan: Awaited<ReturnType<typeof deployPlan>>['plan']) => {
    const preview = await app().call('plan.preview', { plan });
    shown.push(JSON.stringify(preview));
    await app().call('plan.approve', { plan, planHash: preview.planHash, acknowledgeDestructive: preview.destructiveSteps });
    return { preview, applied: await app().call('plan.apply', { plan, planHash: preview.planHash, wait: true }) };
  };
  const filesOf = (answer: Awaited<ReturnType<typeof deployPlan>>, region: string) => answer.regions.find((r) => r.region === region)!.files;

  it('deploys the Keystone region first, writes the generated files with their modes and sets the one admin password in both regions', async () => {
    const t0 = Date.now();
    const answer = await deployPlan();
    expect(answer.regions.map((r) => [r.region, r.deployHost, r.keystone])).toEqual([
      ['RegionOne', 'r1a', true],
      ['RegionTwo', 'r2a', false],
    ]);
    const { preview, applied } = await apply(answer.plan);
    // Every command and file diff is in the preview; the destructive steps are bootstrap-servers and deploy.
    expect(preview.destructiveSteps).toEqual(['deploy-regionone-bootstrap-servers', 'deploy-regionone-deploy', 'deploy-regiontwo-bootstrap-servers', 'deploy-regiontwo-deploy']);
    const globalsStep = preview.steps.find((s) => s.id === 'deploy-regiontwo-globals')!;
    expect(globalsStep.upload?.diff).toContain('+openstack_region_name: !unsafe "RegionTwo"');
    expect(preview.steps.find((s) => s.id === 'deploy-regionone-deploy')!.operation?.text).toBe('kolla-ansible deploy -i /etc/kolla/multinode --configdir /etc/kolla --passwords /etc/kolla/passwords.yml');
    expect(applied.result?.status, applied.result?.message).toBe('succeeded');
    console.log(`deploy of 2 regions through the engine (fixture, ${answer.plan.steps.length} steps): ${Date.now() - t0} ms`);

    const one = await calls('r1a');
    const two = await calls('r2a');
    const commands = (list: KollaStandInCall[]) => list.map((c) => (c.tool === 'kolla-genpwd' ? 'genpwd' : (c.command ?? c.argv.join(' '))));
    expect(commands(one)).toEqual(['--version', 'genpwd', 'bootstrap-servers', 'prechecks', 'deploy', 'post-deploy']);
    expect(commands(two)).toEqual(['--version', 'genpwd', 'bootstrap-servers', 'prechecks', 'deploy', 'post-deploy']);
    // The Keystone region's post-deploy ended before the other region's first call.
    expect(BigInt(one.at(-1)!.atNs)).toBeLessThan(BigInt(two[0]!.atNs));
    const wantedSha = createHash('sha256').update(ADMIN_PASSWORD).digest('hex');
    for (const [list, region] of [
      [one, 'RegionOne'],
      [two, 'RegionTwo'],
    ] as const) {
      for (const c of list.filter((x) => x.command && x.command !== '--version')) {
        expect(c.problems, `${region} ${c.command}`).toEqual([]);
        expect(c.region).toBe(region);
        expect(c.keystoneAdminPasswordSha256).toBe(wantedSha);
        expect(c.argv).toEqual([c.command, '-i', '/etc/kolla/multinode', '--configdir', '/etc/kolla', '--passwords', '/etc/kolla/passwords.yml']);
      }
    }
    expect(one.find((c) => c.command === 'deploy')!.enableKeystone).toBe('yes');
    expect(two.find((c) => c.command === 'deploy')!.enableKeystone).toBe('no');

    // The files hold what the generator wrote, with mode 0640 (the password file 0600).
    const generated = await app().call('openstack.planRegions', choices);
    for (const [host, region] of [
      ['r1a', 'RegionOne'],
      ['r2a', 'RegionTwo'],
    ] as const) {
      const f = generated.files.find((x) => x.region === region)!;
      expect(await read(host, '/etc/kolla/globals.yml')).toBe(f.globalsYml);
      expect(await read(host, '/etc/kolla/multinode')).toBe(f.multinode);
      for (const [rel, text] of Object.entries(f.overrides)) expect(await read(host, `/etc/kolla/${rel}`)).toBe(text);
      const modes = (await stat(host, filesOf(answer, region))).split('\n').filter(Boolean).map((l) => l.split(' ').slice(0, 2).join(' '));
      expect(modes).toEqual(filesOf(answer, region).map((file) => `${file} 640`));
      expect((await stat(host, ['/etc/kolla/.clusterwright-keystone-admin-password'])).split(' ')[1]).toBe('600');
      const passwords = parseYaml(await read(host, '/etc/kolla/passwords.yml')) as Record<string, unknown>;
      expect(passwords.keystone_admin_password).toBe(ADMIN_PASSWORD);
      expect(Object.entries(passwords).filter(([, v]) => v === null || v === '')).toEqual([]);
    }
    expect(Object.keys(generated.files.find((x) => x.region === 'RegionTwo')!.overrides).length).toBeGreaterThan(0);
    expect((await handle.lab.exec('r1a', ['test', '-e', '/tmp/cwkd-pwned'])).code).not.toBe(0);

    // Ansible's output reached the step's log with a progress line per play.
    const runDir = path.join(path.dirname(handle.lab.workspacePath), 'runs', applied.runId);
    const output = fs.readFileSync(path.join(runDir, 'output.log'), 'utf8');
    expect(output).toMatch(/deploy-regionone-deploy stdout\| PLAY \[Apply role nova\]/);
    expect(output).toMatch(/deploy-regionone-deploy info\| progress: play 3 \(Apply role nova\): 2 tasks, 1 ok, 1 changed, 0 failed/);
    expect(output).toMatch(/deploy-regiontwo-post-deploy info\| kolla-ansible post-deploy finished for region RegionTwo: 1 plays; r2a ok=2 changed=2 failed=0/);
  }, 240_000);

  it('changes no file on a second run', async () => {
    const answer = await deployPlan();
    const before = { r1a: await stat('r1a', [...filesOf(answer, 'RegionOne'), '/etc/kolla/.clusterwright-keystone-admin-password']), r2a: await stat('r2a', [...filesOf(answer, 'RegionTwo'), '/etc/kolla/.clusterwright-keystone-admin-password']) };
    const { preview, applied } = await apply(answer.plan);
    expect(preview.steps.filter((s) => s.upload).every((s) => s.upload!.unchanged)).toBe(true);
    expect(applied.result?.status).toBe('succeeded');
    const status = await app().call('plan.status', { runId: applied.runId });
    const skipped = status.runs[0]!.steps.filter((s) => s.state === 'skipped').map((s) => s.id);
    for (const region of ['regionone', 'regiontwo']) {
      for (const part of ['globals', 'inventory', 'passwords-file', 'admin-password-file', 'admin-password']) expect(skipped).toContain(`deploy-${region}-${part}`);
    }
    expect({ r1a: await stat('r1a', [...filesOf(answer, 'RegionOne'), '/etc/kolla/.clusterwright-keystone-admin-password']), r2a: await stat('r2a', [...filesOf(answer, 'RegionTwo'), '/etc/kolla/.clusterwright-keystone-admin-password']) }).toEqual(before);
    // kolla-genpwd ran again and filled nothing.
    expect((await calls('r2a')).filter((c) => c.tool === 'kolla-genpwd').at(-1)!.filled).toEqual([]);
  }, 240_000);

  it("fails the step with the failed task's message and goes on after a resume once the fault is gone", async () => {
    const fault = { command: 'deploy', task: 'Copying over nova.conf', msg: "AnsibleUndefinedVariable: 'nova_cell_name' is undefined" };
    await handle.lab.exec('r2a', ['sh', '-c', 'mkdir -p "$1" && printf "%s" "$2" > "$1/fail"', 'sh', kollaStandInDir, JSON.stringify(fault)], { timeoutMs: 10_000 });
    const answer = await deployPlan();
    const { applied } = await apply(answer.plan);
    expect(applied.result?.status).toBe('failed');
    expect(applied.result?.failure?.stepId).toBe('deploy-regiontwo-deploy');
    expect(applied.result?.failure?.message).toContain(`task "Copying over nova.conf" of play "Apply role nova" failed on r2a: ${fault.msg}`);
    const before = (await calls('r2a')).length;
    await handle.lab.exec('r2a', ['rm', '-f', `${kollaStandInDir}/fail`], { timeoutMs: 10_000 });
    const resumed = await app().call('plan.resume', { runId: applied.runId, wait: true });
    expect(resumed.result?.status, resumed.result?.message).toBe('succeeded');
    expect(
      (await calls('r2a'))
        .slice(before)
        .filter((c) => c.tool === 'kolla-ansible')
        .map((c) => [c.command, c.exitCode]),
    ).toEqual([
      ['deploy', 0],
      ['post-deploy', 0],
    ]);
  }, 240_000);

  it('keeps the admin password out of the plan, the previews, the journals, the logs, the audit log and the events', () => {
    const workspaceDir = path.dirname(handle.lab.workspacePath);
    const stored: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else stored.push(full);
      }
    };
    walk(workspaceDir);
    expect(stored.some((f) => f.endsWith('journal.jsonl'))).toBe(true);
    expect(stored.some((f) => f.endsWith('audit.log'))).toBe(true);
    const forms = [ADMIN_PASSWORD, JSON.stringify(ADMIN_PASSWORD).slice(1, -1), 'Adm1n "pw"', 'Adm1n \\"pw\\"'];
    for (const file of stored) {
      const text = fs.readFileSync(file, 'utf8');
      for (const form of forms) expect(text.includes(form), `${file} holds the admin password`).toBe(false);
    }
    const rest = JSON.stringify(events) + shown.join('\n');
    expect(events.some((e) => e.name === 'job.log')).toBe(true);
    for (const form of forms) expect(rest.includes(form)).toBe(false);
  });
});
