// The OpenStack multi-region wizard: the regions and which holds Keystone, the app's login to that Keystone
// (its password goes to the secret store; the workspace keeps the id) → the Kolla-Ansible files per region,
// shown as data with what the WAN means for the one Keystone → their deploy over SSH as a plan (per region on
// its deploy host, the Keystone region first; skippable when the admin ran kolla-ansible) → the shared catalog's
// registration as a plan (preview, run with progress) → verify: a fresh token lists every region, nova-compute up in each
// → inter-region networking: the VPN interconnects' IPsec site connections both ways as a plan (skipped where all are routed).
import { Alert, Badge, Button, Code, Drawer, Group, PasswordInput, Progress, Select, Stack, Stepper, Table, Tabs, Text, TextInput } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { MethodInput, MethodOutput } from '../../../../main/common/contract/index.js';
import type { RunResult } from '../../../../main/common/contract/plan.js';
import { useAppState, useAppStore, useTransport } from '../../store/context.js';
import { PlanApproval, PlanRunProgress, planRunTestIds, PlanNotes } from '../../features/wizard/PlanRunPanel.js';
import { stepToShow } from '../../features/wizard/plan-run.js';
import { usePlanRun, useWizardGuard, type PlanRun } from '../../features/wizard/use-plan-run.js';
import { playsOf } from './ansible-plays.js';
import { VpnStatus } from './VpnStatus.js';
import type { WizardProps } from '../types.js';

type RegionPlan = MethodOutput<'openstack.planRegions'>;
type DeployPlan = MethodOutput<'openstack.deployPlan'>;
type KollaInput = MethodInput<'openstack.planRegions'>;
type Registration = MethodOutput<'openstack.registrationPlan'>;
type Catalog = MethodOutput<'openstack.catalog'>;
type RegionStatus = MethodOutput<'openstack.regionStatus'>;
type VpnPlan = MethodOutput<'openstack.vpnPlan'>;

const testIds = planRunTestIds('openstack', { run: 'openstack-register', result: 'openstack-catalog-result' });
const deployTestIds = planRunTestIds('openstack-deploy');
const vpnTestIds = planRunTestIds('openstack-vpn');

const deployResult = (result: RunResult) =>
  result.status === 'succeeded' ? (result.nothingChanged ? 'Every region was already deployed as planned: nothing changed.' : `Deployed: ${result.changed} steps ran, ${result.skipped} were already done.`) : result.message;

/** The Ansible plays of the kolla-ansible step shown in the run panel: one bar per play. */
function PlayBars({ run }: { run: PlanRun }) {
  const step = stepToShow(run.job, null);
  const plays = step ? playsOf(step) : [];
  if (!step || plays.length === 0) return null;
  return (
    <Stack gap={2} data-testid="openstack-deploy-plays">
      <Text size="xs" c="dimmed">
        Ansible plays of {step.title}
      </Text>
      {plays.map((p) => (
        <Group key={p.index} gap="xs" wrap="nowrap">
          <Text size="xs" w={260} truncate="end" title={p.name}>
            {p.index}. {p.name}
          </Text>
          <Progress value={p.done ? 100 : 50} striped={!p.done} animated={!p.done && step.state === 'started'} color={p.failed ? 'red' : p.done ? 'green' : 'blue'} style={{ flex: 1 }} aria-label={`play ${p.index}`} />
          <Text size="xs" w={190}>
            {p.done ? `${p.tasks} task${p.tasks === 1 ? '' : 's'}, ${p.changed} changed${p.failed ? `, ${p.failed} failed` : ''}` : 'running'}
          </Text>
        </Group>
      ))}
    </Stack>
  );
}

const vpnResult = (result: RunResult) =>
  result.status === 'succeeded' ? (result.nothingChanged ? 'Every VPN resource was already there as planned: nothing changed.' : `Done: ${result.changed} step${result.changed === 1 ? '' : 's'} changed neutron, ${result.skipped} ${result.skipped === 1 ? 'was' : 'were'} already done.`) : result.message;

const registrationResult = (result: RunResult) => (result.status === 'succeeded' ? (result.nothingChanged ? 'Every region was already registered: nothing changed.' : `Registered: ${result.changed} steps changed Keystone.`) : result.message);

interface RegionChoice {
  internalVip: string;
  networkInterface: string;
  externalInterface: string;
}

export function OpenstackWizard({ opened, onClose, onEdited }: WizardProps) {
  const transport = useTransport();
  const workspace = useAppState((s) => s.workspace);
  const edit = useAppState((s) => s.edit);
  const loadInventory = useAppState((s) => s.loadInventory);
  const saveState = useAppState((s) => s.saveState);
  const saveWorkspace = useAppState((s) => s.saveWorkspace);
  const store = useAppStore();
  const [active, setActive] = useState(0);
  const { busy, error, setError, guard } = useWizardGuard();
  const [authUrl, setAuthUrl] = useState('');
  const [username, setUsername] = useState('admin');
  const [project, setProject] = useState('admin');
  const [password, setPassword] = useState('');
  const [release, setRelease] = useState<'2026.1' | '2025.1'>('2026.1');
  const [choices, setChoices] = useState<Record<string, RegionChoice>>({});
  const [regionPlan, setRegionPlan] = useState<RegionPlan | null>(null);
  const [kollaInput, setKollaInput] = useState<KollaInput | null>(null);
  const [deploy, setDeploy] = useState<DeployPlan | null>(null);
  const deployRun = usePlanRun();
  const [registration, setRegistration] = useState<Registration | null>(null);
  const planRun = usePlanRun();
  const { runId, job } = planRun;
  const [catalog, setCatalog] = useState<Catalog | null>(null);
  const [statuses, setStatuses] = useState<RegionStatus[]>([]);
  const [vpn, setVpn] = useState<VpnPlan | null>(null);
  const [noVpn, setNoVpn] = useState<string | null>(null);
  const vpnRun = usePlanRun();

  const section = workspace?.openstack;
  const regions = section?.regions ?? [];
  const keystoneRegion = regions.find((r) => r.keystone)?.name ?? null;
  const login = section?.keystone;
  useEffect(() => {
    if (opened && login && !authUrl) {
      setAuthUrl(login.authUrl);
      setUsername(login.username);
      setProject(login.project);
    }
  }, [opened, login, authUrl]);

  /** The methods read the saved file: write pending edits first. */
  const saved = async () => {
    if (saveState !== 'saved') {
      await saveWorkspace();
      const after = store.getState();
      if (after.saveState !== 'saved') throw new Error(`The workspace could not be saved, so the wizard would not see your changes: ${after.saveError ?? 'unknown reason'}`);
    }
  };

  const chooseKeystone = (name: string | null) => {
    if (!name) return;
    const problem = edit((draft) => {
      for (const r of draft.openstack?.regions ?? []) r.keystone = r.name === name;
    }, `run Keystone in region ${name}`);
    if (problem) setError(problem);
    else onEdited();
  };

  const storeLogin = () =>
    guard(async () => {
      let secretId = login?.passwordSecret;
      if (password) {
        ({ id: secretId } = await transport.call('secrets.put', { label: `${username} on Keystone ${authUrl}`, kind: 'password', value: password }));
        setPassword('');
      }
      if (!secretId) throw new Error('Type the password of this Keystone user: it goes to the secret store, the workspace keeps its id.');
      const id = secretId;
      const problem = edit((draft) => {
        if (!draft.openstack) return;
        draft.openstack.keystone = { ...(draft.openstack.keystone ?? { userDomain: 'default', projectDomain: 'default', interface: 'public' as const }), authUrl: authUrl.trim(), username: username.trim(), project: project.trim(), passwordSecret: id };
      }, 'set the login to the shared Keystone');
      if (problem) throw new Error(problem);
      onEdited();
      await saved();
    });

  const generate = () =>
    guard(async () => {
      await saved();
      const input: KollaInput = { release, regions: Object.fromEntries(regions.map((r) => [r.name, choices[r.name] ?? { internalVip: '', networkInterface: '', externalInterface: '' }])) };
      const answer = await transport.call('openstack.planRegions', input);
      setKollaInput(input);
      setRegionPlan(answer);
      setActive(1);
    });

  const planDeploy = () =>
    guard(async () => {
      if (!kollaInput) return;
      await saved();
      const answer = await transport.call('openstack.deployPlan', kollaInput);
      setDeploy(answer);
      await deployRun.show(answer.plan);
      setActive(2);
    });

  const runDeploy = () =>
    guard(async () => {
      if (!deploy || !deployRun.preview) return;
      await deployRun.start(deploy.plan);
    });

  const planCatalog = () =>
    guard(async () => {
      await saved();
      const answer = await transport.call('openstack.registrationPlan', {});
      setRegistration(answer);
      await planRun.show(answer.plan);
      setActive(3);
    });

  const register = () =>
    guard(async () => {
      if (!registration || !planRun.preview) return;
      await planRun.start(registration.plan);
    });

  const verify = () =>
    guard(async () => {
      setCatalog(await transport.call('openstack.catalog', {}));
      const read: RegionStatus[] = [];
      for (const r of regions.filter((x) => x.compute.length > 0)) read.push(await transport.call('openstack.regionStatus', { region: r.name }));
      setStatuses(read);
      await loadInventory();
      setActive(4);
    });

  const planVpn = () =>
    guard(async () => {
      await saved();
      setNoVpn(null);
      setVpn(null);
      const interconnects = section?.interconnects ?? [];
      if (!interconnects.some((c) => c.kind === 'vpn')) {
        setNoVpn(interconnects.length ? 'Every interconnect is routed: there is no VPN for the app to create.' : 'The workspace declares no interconnect between regions.');
        setActive(5);
        return;
      }
      try {
        const answer = await transport.call('openstack.vpnPlan', {});
        setVpn(answer);
        await vpnRun.show(answer.plan);
      } catch (e) {
        // Nothing the app can build (a VPN interconnect without its routers, subnets or key): said, not an error of the run.
        if ((e as { code?: string }).code !== 'INVALID_INPUT') throw e;
        setNoVpn((e as Error).message);
      }
      setActive(5);
    });

  const runVpn = () =>
    guard(async () => {
      if (!vpn || !vpnRun.preview) return;
      await vpnRun.start(vpn.plan);
    });

  const setChoice = (region: string, key: keyof RegionChoice, value: string) => setChoices((c) => ({ ...c, [region]: { internalVip: '', networkInterface: '', externalInterface: '', ...c[region], [key]: value } }));

  return (
    <Drawer opened={opened} onClose={onClose} position="right" size={760} title="OpenStack regions" data-testid="openstack-wizard">
      <Stepper active={active} onStepClick={(i) => i < active && setActive(i)} orientation="vertical" size="sm">
        <Stepper.Step label="Regions" description="Roles, Keystone, login">
          <Stack gap="xs">
            {regions.length === 0 && <Text size="sm">The workspace has no OpenStack region yet: add them to the openstack section (regions with controllers, network and compute nodes).</Text>}
            {regions.length > 0 && (
              <Table withTableBorder data-testid="openstack-regions">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Region</Table.Th>
                    <Table.Th>Controllers</Table.Th>
                    <Table.Th>Network</Table.Th>
                    <Table.Th>Compute</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {regions.map((r) => (
                    <Table.Tr key={r.name}>
                      <Table.Td>
                        {r.name} {r.keystone && <Badge size="xs">Keystone</Badge>}
                      </Table.Td>
                      <Table.Td>{r.controllers.join(', ')}</Table.Td>
                      <Table.Td>{r.networkNodes.join(', ')}</Table.Td>
                      <Table.Td>{r.compute.join(', ')}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
            <Select label="Region that runs Keystone (and Horizon) for all" description="Region names are final once deployed: endpoints and every service's configuration name them." data={regions.map((r) => r.name)} value={keystoneRegion} onChange={chooseKeystone} allowDeselect={false} data-testid="openstack-keystone-region" />
            <Text size="sm" fw={600} mt="sm">
              The app&apos;s login to the shared Keystone
            </Text>
            <TextInput label="Keystone URL (v3)" value={authUrl} onChange={(e) => setAuthUrl(e.currentTarget.value)} placeholder="http://10.0.1.10:5000/v3" data-testid="openstack-auth-url" />
            <Group grow>
              <TextInput label="User" value={username} onChange={(e) => setUsername(e.currentTarget.value)} />
              <TextInput label="Project" value={project} onChange={(e) => setProject(e.currentTarget.value)} />
            </Group>
            <PasswordInput label="Password" description={login?.passwordSecret ? `Stored in the secret store as ${login.passwordSecret}; type a new one to replace it.` : 'Goes to the secret store; the workspace keeps only its id.'} value={password} onChange={(e) => setPassword(e.currentTarget.value)} data-testid="openstack-password" />
            <Group justify="flex-end">
              <Button variant="default" size="xs" onClick={() => void storeLogin()} loading={busy} disabled={!authUrl.trim()} data-testid="openstack-save-login">
                Save the login
              </Button>
            </Group>
            <Text size="sm" fw={600} mt="sm">
              Kolla-Ansible per region
            </Text>
            <Select label="Kolla-Ansible release" data={['2026.1', '2025.1']} value={release} onChange={(v) => v && setRelease(v as '2026.1' | '2025.1')} allowDeselect={false} w={200} />
            {regions.map((r) => (
              <Group key={r.name} grow align="flex-end">
                <TextInput label={`${r.name}: internal VIP`} size="xs" value={choices[r.name]?.internalVip ?? ''} onChange={(e) => setChoice(r.name, 'internalVip', e.currentTarget.value)} data-testid={`openstack-vip-${r.name}`} />
                <TextInput label="network_interface" size="xs" value={choices[r.name]?.networkInterface ?? ''} onChange={(e) => setChoice(r.name, 'networkInterface', e.currentTarget.value)} data-testid={`openstack-if-${r.name}`} />
                <TextInput label="neutron_external_interface" size="xs" value={choices[r.name]?.externalInterface ?? ''} onChange={(e) => setChoice(r.name, 'externalInterface', e.currentTarget.value)} data-testid={`openstack-ext-${r.name}`} />
              </Group>
            ))}
            <Group justify="space-between">
              <Button variant="default" onClick={() => void planCatalog()} loading={busy} disabled={!login} data-testid="openstack-skip-to-catalog">
                The regions are deployed: register the catalog
              </Button>
              <Button onClick={() => void generate()} loading={busy} disabled={regions.length === 0} data-testid="openstack-generate">
                Generate the Kolla-Ansible files
              </Button>
            </Group>
          </Stack>
        </Stepper.Step>

        <Stepper.Step label="Kolla-Ansible" description="globals.yml, multinode, overrides">
          {regionPlan && (
            <Stack gap="xs" data-testid="openstack-kolla">
              <Text size="xs" c="dimmed">
                Kolla-Ansible {regionPlan.release.series} ({regionPlan.release.tag}, commit {regionPlan.release.commit.slice(0, 12)}): every variable name is one of its defaults. Values are written as data (!unsafe): Ansible never templates them.
              </Text>
              {regionPlan.wan.map((w) => (
                <Alert key={`${w.a}-${w.b}`} color={w.rttMs === undefined ? 'gray' : 'blue'} variant="light" p="xs" title={`${w.a} ↔ ${w.b}${w.rttMs !== undefined ? `: ${w.rttMs} ms` : ': not measured'}`} data-testid="openstack-wan">
                  <Text size="xs">{w.meaning}</Text>
                </Alert>
              ))}
              {regionPlan.issues.length > 0 && (
                <Alert color="red" variant="light" title="These block the files" data-testid="openstack-kolla-issues">
                  {regionPlan.issues.map((i) => (
                    <Text size="xs" key={i.path + i.message}>
                      <Code>{i.path}</Code> {i.message}
                    </Text>
                  ))}
                </Alert>
              )}
              {regionPlan.files.length > 0 && (
                <Tabs defaultValue={regionPlan.files[0]!.region}>
                  <Tabs.List>
                    {regionPlan.files.map((f) => (
                      <Tabs.Tab key={f.region} value={f.region}>
                        {f.region}
                        {f.keystone ? ' (Keystone)' : ''}
                      </Tabs.Tab>
                    ))}
                  </Tabs.List>
                  {regionPlan.files.map((f) => (
                    <Tabs.Panel key={f.region} value={f.region} pt="xs">
                      <Stack gap={4}>
                        <Text size="xs" fw={600}>
                          /etc/kolla/globals.yml
                        </Text>
                        <Code block data-testid={`openstack-globals-${f.region}`}>
                          {f.globalsYml}
                        </Code>
                        <Text size="xs" fw={600}>
                          multinode
                        </Text>
                        <Code block>{f.multinode}</Code>
                        {Object.entries(f.overrides).map(([file, text]) => (
                          <Stack gap={2} key={file}>
                            <Text size="xs" fw={600}>
                              /etc/kolla/{file}
                            </Text>
                            <Code block>{text}</Code>
                          </Stack>
                        ))}
                        {f.sharedPasswords.length > 0 && <Text size="xs">passwords.yml: copy these from the Keystone region: {f.sharedPasswords.join(', ')}.</Text>}
                      </Stack>
                    </Tabs.Panel>
                  ))}
                </Tabs>
              )}
              <PlanNotes notes={regionPlan.notes} />
              <Text size="xs" c="dimmed">
                The deploy writes these files on each region&apos;s deploy host over SSH (its first controller unless the region names a deployHost) and runs kolla-ansible bootstrap-servers, prechecks, deploy and post-deploy there, the Keystone region first. Kolla-Ansible must be installed on each deploy host.
              </Text>
              <Group justify="space-between">
                <Button variant="default" onClick={() => void planCatalog()} loading={busy} disabled={!login} data-testid="openstack-plan-catalog">
                  I deployed with kolla-ansible myself: register the catalog
                </Button>
                <Button onClick={() => void planDeploy()} loading={busy} disabled={!login || regionPlan.files.length === 0} data-testid="openstack-plan-deploy">
                  Deploy over SSH
                </Button>
              </Group>
            </Stack>
          )}
        </Stepper.Step>

        <Stepper.Step label="Deploy" description="kolla-ansible on each deploy host">
          {deploy && deployRun.preview && (
            <Stack gap="xs" data-testid="openstack-deploy">
              <Table withTableBorder fz="xs" data-testid="openstack-deploy-hosts">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Region</Table.Th>
                    <Table.Th>Deploy host</Table.Th>
                    <Table.Th>Files</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {deploy.regions.map((r) => (
                    <Table.Tr key={r.region}>
                      <Table.Td>
                        {r.region} {r.keystone && <Badge size="xs">Keystone</Badge>}
                      </Table.Td>
                      <Table.Td>
                        {r.deployHost} ({r.address})
                      </Table.Td>
                      <Table.Td>{r.files.join(', ')}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
              <PlanNotes notes={deploy.notes} />
              <PlanApproval run={deployRun} busy={busy} onRun={() => void runDeploy()} testIds={deployTestIds} runLabel="Deploy" runnable={!deployRun.runId || (!!deployRun.job && deployRun.job.status !== 'running' && deployRun.job.status !== 'succeeded')} />
              {deployRun.runId && (
                <PlanRunProgress run={deployRun} busy={busy} guard={guard} onVerify={() => void planCatalog()} testIds={deployTestIds} progressLabel="Deploy progress" resultText={deployResult} verifyLabel="Register the catalog">
                  <PlayBars run={deployRun} />
                </PlanRunProgress>
              )}
              {deployRun.job?.status !== 'succeeded' && deployRun.job?.status !== 'running' && (
                <Group justify="flex-start">
                  <Button variant="subtle" size="xs" onClick={() => void planCatalog()} loading={busy} disabled={!login} data-testid="openstack-deploy-skip">
                    Skip: I deployed with kolla-ansible myself
                  </Button>
                </Group>
              )}
            </Stack>
          )}
        </Stepper.Step>

        <Stepper.Step label="Catalog" description="Regions and endpoints in Keystone">
          {registration && planRun.preview && (
            <Stack gap="xs">
              {registration.notes.map((n) => (
                <Alert key={n} variant="light" p="xs">
                  <Text size="xs">{n}</Text>
                </Alert>
              ))}
              {/* Registered again from here after a run that did not succeed; Resume goes on with that run instead. */}
              <PlanApproval run={planRun} busy={busy} onRun={() => void register()} testIds={testIds} runLabel="Register" runnable={!runId || (!!job && job.status !== 'running' && job.status !== 'succeeded')} />
              {runId && <PlanRunProgress run={planRun} busy={busy} guard={guard} onVerify={() => void verify()} testIds={testIds} progressLabel="Registration progress" resultText={registrationResult} />}
            </Stack>
          )}
        </Stepper.Step>

        <Stepper.Step label="Verify" description="The catalog and nova in each region">
          {catalog && (
            <Stack gap="xs" data-testid="openstack-verify-result">
              <Alert color={catalog.missing.length ? 'red' : 'green'} variant="light" data-testid="openstack-catalog-regions">
                A fresh token&apos;s catalog lists {catalog.regions.join(', ') || 'no region'}
                {catalog.missing.length ? `; missing: ${catalog.missing.join(', ')}` : '.'}
              </Alert>
              {statuses.map((s) => (
                <Text size="sm" key={s.region} data-testid={`openstack-region-status-${s.region}`}>
                  {s.region}: {s.computeServices.map((c) => `${c.host} ${c.state}/${c.status}`).join(', ')} — {s.hypervisors.length} hypervisors, compute API {s.microversion.min}–{s.microversion.max} {s.allUp ? '✓' : '(not every compute node is up)'}
                </Text>
              ))}
              <Group justify="space-between">
                <Button variant="default" onClick={onClose}>
                  Done
                </Button>
                <Button onClick={() => void planVpn()} loading={busy} data-testid="openstack-plan-vpn">
                  Inter-region networking
                </Button>
              </Group>
            </Stack>
          )}
        </Stepper.Step>

        <Stepper.Step label="Inter-region networking" description="VPN site connections both ways">
          {noVpn && (
            <Stack gap="xs" data-testid="openstack-vpn-none">
              <Alert variant="light" p="xs" title="Nothing for the app to create">
                <Text size="xs">{noVpn}</Text>
              </Alert>
              <Group justify="flex-start">
                <Button onClick={onClose}>Done</Button>
              </Group>
            </Stack>
          )}
          {vpn && vpnRun.preview && (
            <Stack gap="xs" data-testid="openstack-vpn">
              <Table withTableBorder fz="xs" data-testid="openstack-vpn-interconnects">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Interconnect</Table.Th>
                    <Table.Th>Connections</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {vpn.interconnects.map((c) => (
                    <Table.Tr key={c.index}>
                      <Table.Td>
                        {c.between.join(' ↔ ')} {!c.planned && <Badge size="xs" color="gray">skipped</Badge>}
                      </Table.Td>
                      <Table.Td>{c.planned ? c.connections.map((x) => `${x.name} on router ${x.router} (${x.region})`).join('; ') : c.reason}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
              <PlanNotes notes={vpn.notes} />
              <PlanApproval run={vpnRun} busy={busy} onRun={() => void runVpn()} testIds={vpnTestIds} runLabel="Create the connections" runnable={!vpnRun.runId || (!!vpnRun.job && vpnRun.job.status !== 'running' && vpnRun.job.status !== 'succeeded')} />
              {vpnRun.runId && (
                <PlanRunProgress run={vpnRun} busy={busy} guard={guard} onVerify={onClose} testIds={vpnTestIds} progressLabel="VPN progress" resultText={vpnResult} verifyLabel="Done">
                  <VpnStatus run={vpnRun} />
                </PlanRunProgress>
              )}
            </Stack>
          )}
        </Stepper.Step>
      </Stepper>
      {error && (
        <Alert color="red" mt="sm" title="The wizard stopped" data-testid="openstack-wizard-error">
          {error}
        </Alert>
      )}
    </Drawer>
  );
}
