// The OpenStack wizard's Deploy step in Chromium, over SSH to two lab hosts that run the deploy-host fixture
// (kolla-ansible / kolla-genpwd stand-ins; Kolla-Ansible itself cannot run here): the files are generated, the
// deploy plan is previewed with its file diffs and commands, its destructive steps are ticked one by one, the run
// shows Ansible's output and a bar per play; a task told to fail shows its message, Resume finishes the deploy,
// and the wizard goes on to the catalog's registration. Skipping the deploy goes straight to the catalog.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseWorkspace } from '../../main/common/workspace/parse.js';
import { serializeWorkspace } from '../../main/common/workspace/serialize.js';
import { MemorySecretStore } from '../../main/node/secrets/index.js';
import { installKollaStandIns, kollaStandInDir } from '../../main/node/stacks/openstack/lab/kolla-stand-in.js';
import { launchBrowser, screenshotPath } from '../support/browser.js';
import { describeLab, useLab } from '../support/lab.js';
import { startTestHost, type TestHost } from '../support/web-host.js';
import { generateKollaFiles } from '../support/openstack/kolla-files-step.js';
import { twoRegionDeployLayout } from '../support/openstack/deploy-layout.js';

const SPEC = `
name: kolla-deploy-ui
sites:
  - name: one
    hosts: [r1a]
  - name: two
    hosts: [r2a]
    link: man
`;

describeLab('the OpenStack wizard deploys two regions over SSH in Chromium (deploy-host fixture on lab hosts)', () => {
  const handle = useLab(SPEC, 'cwuod');
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-ui-kd-'));
  const previousHome = process.env.CLUSTERWRIGHT_HOME;
  let host: TestHost | undefined;
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;

  beforeAll(async () => {
    process.env.CLUSTERWRIGHT_HOME = home;
    const lab = handle.lab;
    installKollaStandIns(lab.binDir, '2026.1');
    host = await startTestHost({
      staticDir: path.resolve(process.env.CW_RENDERER_DIR ?? 'dist/renderer'),
      core: { ssh: { secrets: new MemorySecretStore(), sshConfigFile: null, interactive: false, engine: { knownHostsFiles: [lab.knownHostsPath], pinnedHostKeysFile: path.join(home, 'pins.json') } } },
    });
    const { id } = await host.core.call('secrets.put', { label: 'admin on the shared Keystone', kind: 'password', value: 'ui-admin-pw' });
    const workspace = parseWorkspace(fs.readFileSync(lab.workspacePath, 'utf8')).workspace!;
    workspace.openstack = twoRegionDeployLayout(id);
    fs.mkdirSync(host.core.options.workspaceDir, { recursive: true });
    fs.writeFileSync(path.join(host.core.options.workspaceDir, 'clusterwright.yaml'), serializeWorkspace(workspace));
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await host?.close();
    fs.rmSync(home, { recursive: true, force: true });
    if (previousHome === undefined) delete process.env.CLUSTERWRIGHT_HOME;
    else process.env.CLUSTERWRIGHT_HOME = previousHome;
  }, 60_000);

  it('previews, approves and runs the deploy with a bar per play, shows a failed task and resumes, then goes on to the catalog', async () => {
    // RegionTwo's deploy fails once at one task.
    await handle.lab.exec('r2a', ['sh', '-c', 'mkdir -p "$1" && printf "%s" "$2" > "$1/fail"', 'sh', kollaStandInDir, JSON.stringify({ command: 'deploy', task: 'Copying over nova.conf', msg: 'nova.conf: template error' })], { timeoutMs: 10_000 });
    const page = await browser!.context.newPage();
    await page.goto(host!.host.url);
    await page.getByTestId('node-r1a').waitFor({ timeout: 30_000 });
    const t0 = Date.now();
    await page.getByTestId('open-wizard').click();
    await page.getByTestId('new-cluster-openstack').click();
    await page.getByTestId('openstack-auth-url').waitFor();
    await generateKollaFiles(page, { RegionOne: '198.18.1.250', RegionTwo: '198.18.2.250' });

    await page.getByTestId('openstack-plan-deploy').click();
    await page.getByTestId('openstack-deploy-plan').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('openstack-deploy-hosts').textContent()).toMatch(/RegionOne\s*Keystone\s*r1a \(198\.18\.\d+\.\d+\).*RegionTwo\s*r2a/);
    // Every command and file is in the plan; the destructive steps must be ticked before Deploy is enabled.
    await page.getByTestId('plan-step-toggle-deploy-regiontwo-globals').click();
    expect(await page.getByTestId('plan-step-details-deploy-regiontwo-globals').textContent()).toContain('openstack_region_name: !unsafe "RegionTwo"');
    expect(await page.getByTestId('plan-step-summary-deploy-regionone-deploy').textContent()).toContain('kolla-ansible deploy');
    expect(await page.getByTestId('openstack-deploy-run').isDisabled()).toBe(true);
    for (const step of ['deploy-regionone-bootstrap-servers', 'deploy-regionone-deploy', 'deploy-regiontwo-bootstrap-servers', 'deploy-regiontwo-deploy']) await page.getByTestId(`approve-${step}`).check();
    await page.screenshot({ path: screenshotPath('openstack-deploy-plan') });
    await page.getByTestId('openstack-deploy-run').click();

    // The failed task's message, then Resume once the fault is gone.
    await page.getByTestId('openstack-deploy-run-result').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('openstack-deploy-run-result').textContent()).toContain('task "Copying over nova.conf" of play "Apply role nova" failed on r2a: nova.conf: template error');
    expect(await page.getByTestId('openstack-deploy-step-log').textContent()).toContain('fatal: [r2a]: FAILED!');
    expect(await page.getByTestId('openstack-deploy-plays').textContent()).toMatch(/Apply role common.*2 tasks, 1 changed/);
    await page.screenshot({ path: screenshotPath('openstack-deploy-failed') });
    await handle.lab.exec('r2a', ['rm', '-f', `${kollaStandInDir}/fail`], { timeoutMs: 10_000 });
    await page.getByTestId('openstack-deploy-resume').click();
    await page.waitForFunction(() => /Deployed: /.test(document.querySelector('[data-testid="openstack-deploy-run-result"]')?.textContent ?? ''), null, { timeout: 60_000 });
    expect(await page.getByTestId('openstack-deploy-step-deploy-regiontwo-post-deploy').textContent()).toContain('succeeded');
    console.log(`wizard in Chromium, Kolla files to a deployed pair of regions (with one failure and a resume): ${Date.now() - t0} ms`);
    await page.screenshot({ path: screenshotPath('openstack-deploy-done') });

    // On to the catalog's registration.
    await page.getByTestId('openstack-deploy-verify').click();
    await page.getByTestId('openstack-register').waitFor({ timeout: 30_000 });
  }, 240_000);
});
