// The stacks' series beyond quorum: services, health and API timings in a round, the alerts they raise and
// clear, how each stack reads its vendor's replies into them, and their names in the Prometheus exposition.
import { describe, expect, it } from 'vitest';
import { defaultStacks } from '../stacks/compose.js';
import { haServices, lrmState, qdeviceService } from '../stacks/proxmox/monitor.js';
import { novaServiceSamples } from '../stacks/openstack/monitor.js';
import { vsanHealthSample, vsanHostSample } from '../stacks/vsan/monitor.js';
import { conditionsOf, monitorSampleSchema, updateAlerts, type ClusterSample, type MonitorSample } from './model.js';
import { renderExposition } from './prometheus.js';

const round = (clusters: ClusterSample[], t = 1000): MonitorSample => ({ t, links: [], clusters });
const nova = (host: string, state: 'up' | 'down', status: 'enabled' | 'disabled', extra: { forced_down?: boolean; disabled_reason?: string | null; binary?: string } = {}) => ({ binary: extra.binary ?? 'nova-compute', host, state, status, forced_down: extra.forced_down ?? false, disabled_reason: extra.disabled_reason ?? null });

describe('nova os-services as the monitor judges them', () => {
  it('an enabled service down is an error, a disabled one a warning, forced down counts as down', () => {
    const s = novaServiceSamples([nova('host1', 'up', 'enabled'), nova('host2', 'down', 'enabled'), nova('host3', 'up', 'disabled', { disabled_reason: 'maintenance' }), nova('host4', 'up', 'enabled', { forced_down: true }), nova('ctl', 'up', 'enabled', { binary: 'nova-scheduler' })]);
    expect(s.map((x) => [x.kind, x.name, x.state, x.enabled, x.level])).toEqual([
      ['nova-compute', 'host1', 'up', true, 'ok'],
      ['nova-compute', 'host2', 'down', true, 'error'],
      ['nova-compute', 'host3', 'up', false, 'warning'],
      ['nova-compute', 'host4', 'down (forced)', true, 'error'],
      ['nova-scheduler', 'ctl', 'up', true, 'ok'],
    ]);
    expect(s[2]!.detail).toBe('maintenance');
  });

  it('cuts a long host name or reason from the reply, so the round stays small and reads back', () => {
    const [long] = novaServiceSamples([nova('h'.repeat(5000), 'up', 'disabled', { disabled_reason: 'r'.repeat(5000) })]);
    expect(long!.name).toHaveLength(300);
    expect(long!.name.endsWith('…')).toBe(true);
    expect(long!.detail).toHaveLength(500);
    const sample = round([{ stack: 'openstack', cluster: 'R', reachable: true, services: [long!] }]);
    expect(monitorSampleSchema.safeParse(JSON.parse(JSON.stringify(sample))).success).toBe(true);
  });
});

describe('the Proxmox HA manager status as the monitor judges it', () => {
  // As pve-ha-manager prints it (and the simulator serves it): quorum, master, an LRM per node, a service per resource.
  const entries = [
    { id: 'quorum', type: 'quorum', node: 'pve1', status: 'OK', quorate: 1 },
    { id: 'master', type: 'master', node: 'pve1', status: 'pve1 (active, Thu Dec  4 20:41:28 2026)' },
    { id: 'lrm:pve1', type: 'lrm', node: 'pve1', status: 'pve1 (active, watchdog active, Thu Dec  4 20:41:28 2026)' },
    { id: 'lrm:pve2', type: 'lrm', node: 'pve2', status: 'pve2 (old timestamp - dead?, Thu Dec  4 20:30:01 2026)' },
    { id: 'service:vm:100', type: 'service', sid: 'vm:100', node: 'pve1', state: 'started', crm_state: 'started', request_state: 'started', status: 'vm:100 (pve1, started)' },
    { id: 'service:vm:101', type: 'service', sid: 'vm:101', node: 'pve2', state: 'error', crm_state: 'error', request_state: 'started', status: 'vm:101 (pve2, error)' },
    { id: 'service:vm:102', type: 'service', sid: 'vm:102', node: 'pve2', state: 'recovery', request_state: 'started' },
    { id: 'service:ct:103', type: 'service', sid: 'ct:103', node: 'pve1', state: 'stopped', request_state: 'disabled' },
    { id: 'odd', type: 'service', node: 'pve1' },
  ];

  it('records the CRM, each LRM and each resource; error and fence are errors, a dead LRM too', () => {
    expect(lrmState('pve2 (old timestamp - dead?, Thu Dec  4 20:30:01 2026)')).toBe('old timestamp - dead?');
    expect(haServices(entries).map((s) => [s.kind, s.name, s.state, s.host ?? '', s.level])).toEqual([
      ['ha-crm', 'pve1', 'active', '', 'ok'],
      ['ha-lrm', 'pve1', 'active', '', 'ok'],
      ['ha-lrm', 'pve2', 'old timestamp - dead?', '', 'error'],
      ['ha-service', 'vm:100', 'started', 'pve1', 'ok'],
      ['ha-service', 'vm:101', 'error', 'pve2', 'error'],
      ['ha-service', 'vm:102', 'recovery', 'pve2', 'warning'],
      ['ha-service', 'ct:103', 'stopped', 'pve1', 'ok'],
    ]);
    expect(haServices(entries).find((s) => s.name === 'ct:103')!.enabled).toBe(false);
  });

  it('a QDevice the workspace plans is an error while it casts no vote', () => {
    expect(qdeviceService({ host: 'q1' }, { reachable: true, qdeviceVote: true })).toMatchObject({ kind: 'qdevice', state: 'voting', level: 'ok' });
    expect(qdeviceService({ host: 'q1' }, { reachable: true, qdeviceVote: false })).toMatchObject({ state: 'not voting', level: 'error' });
    expect(qdeviceService({ host: 'q1' }, { reachable: true })).toMatchObject({ level: 'error' });
    expect(qdeviceService(undefined, { reachable: true, qdeviceVote: false })).toBeUndefined();
    expect(qdeviceService({ host: 'q1' }, { reachable: false })).toBeUndefined();
  });
});

describe('vSAN health and hosts as the monitor judges them', () => {
  it('red is an error naming the tests that are not green; a disconnected host or a witness vSAN does not list is an error', () => {
    const h = vsanHealthSample({ overallHealth: 'red', groups: [{ id: 'com.vmware.vsan.health.test.network', name: 'Network', health: 'red', tests: [{ id: 'x.hostdisconnected', name: 'Hosts disconnected from VC', health: 'red' }, { id: 'x.ok', name: 'Fine', health: 'green' }] }] });
    expect(h).toEqual({ status: 'red', level: 'error', problems: ['Network: Hosts disconnected from VC (red)'] });
    expect(vsanHealthSample({ overallHealth: 'green', groups: [] })).toEqual({ status: 'green', level: 'ok' });
    expect(vsanHealthSample({ overallHealth: 'yellow', groups: [] }).level).toBe('warning');
    expect(vsanHostSample({ name: 'a1', role: 'data', connectionState: 'connected' })).toMatchObject({ kind: 'host', state: 'connected', level: 'ok' });
    expect(vsanHostSample({ name: 'a1', role: 'data', connectionState: 'disconnected' })).toMatchObject({ state: 'disconnected', level: 'error' });
    expect(vsanHostSample({ name: 'a1', role: 'data', connectionState: 'connected', maintenance: true })).toMatchObject({ state: 'maintenance mode', level: 'warning' });
    expect(vsanHostSample({ name: 'w1', role: 'witness', connectionState: 'connected', witnessOfCluster: false })).toMatchObject({ kind: 'witness', level: 'error' });
    expect(vsanHostSample({ name: 'w1', role: 'witness', connectionState: 'notResponding', witnessOfCluster: true })).toMatchObject({ state: 'notResponding', level: 'error' });
  });
});

describe('alerts from services, health and APIs', () => {
  const region = (services: ClusterSample['services'], ms = 40): ClusterSample => ({ stack: 'openstack', cluster: 'RegionOne', reachable: true, services, apis: [{ name: 'keystone', reachable: true, ms, warnMs: 2000 }] });

  it('raises one alert per service not ok, keeps it while it lasts and clears it when the service is back', () => {
    const down = round([region(novaServiceSamples([nova('host1', 'up', 'enabled'), nova('host2', 'down', 'enabled')]))], 1000);
    const c1 = conditionsOf(down, new Map());
    expect(c1.map((c) => `${c.kind} ${c.severity} ${c.subject}`)).toEqual(['service error cluster/openstack/RegionOne/nova-compute/host2']);
    expect(c1[0]!.message).toBe('RegionOne: nova-compute host2 is down');
    const first = updateAlerts([], c1, 1000);
    expect(first.raised).toHaveLength(1);
    // Still down, then disabled as well: the same alert (its start kept), now a warning — raised again at the new severity.
    const c2 = conditionsOf(round([region(novaServiceSamples([nova('host2', 'down', 'disabled', { disabled_reason: 'cw test' })]))], 2000), new Map());
    expect(c2[0]!.message).toBe('RegionOne: nova-compute host2 is down and disabled (cw test)');
    const second = updateAlerts(first.active, c2, 2000);
    expect(second.active[0]).toMatchObject({ startedAt: 1000, severity: 'warning' });
    expect(second.raised).toHaveLength(1);
    const back = updateAlerts(second.active, conditionsOf(round([region(novaServiceSamples([nova('host2', 'up', 'enabled')]))], 3000), new Map()), 3000);
    expect(back.active).toEqual([]);
    expect(back.cleared).toEqual([expect.objectContaining({ kind: 'service', startedAt: 1000, clearedAt: 3000 })]);
  });

  it('a slow or silent API and a health verdict are alerts of their own', () => {
    const c = conditionsOf(
      round([
        region([], 2500),
        { stack: 'openstack', cluster: 'RegionTwo', reachable: false, error: 'no token', apis: [{ name: 'keystone', reachable: false, error: 'connection refused' }] },
        { stack: 'vsan', cluster: 'stretch', reachable: true, health: { status: 'yellow', level: 'warning', problems: ['a', 'b', 'c', 'd'] } },
      ]),
      new Map(),
    );
    expect(c.map((x) => `${x.kind} ${x.severity} ${x.subject}`)).toEqual([
      'latency warning cluster/openstack/RegionOne/api/keystone',
      'unreachable error cluster/openstack/RegionTwo/api/keystone',
      'unreachable warning cluster/openstack/RegionTwo',
      'health warning cluster/vsan/stretch',
    ]);
    expect(c[3]!.message).toBe('stretch: health yellow — a; b; c and 1 more');
  });

  it('a round with the new series reads back through the store schema; an older round without them still does', () => {
    const sample = round([region(novaServiceSamples([nova('host2', 'down', 'enabled')]))]);
    expect(monitorSampleSchema.parse(JSON.parse(JSON.stringify(sample)))).toEqual(sample);
    expect(monitorSampleSchema.parse({ t: 1, links: [], clusters: [{ stack: 'proxmox', cluster: 'lab', reachable: true, quorate: true }] }).clusters[0]!.services).toBeUndefined();
  });
});

describe('the stacks’ series in the Prometheus exposition', () => {
  it('names them after the vendors’ exporters, with escaped label values', () => {
    const text = renderExposition({
      latest: round([
        { stack: 'openstack', cluster: 'RegionOne', reachable: true, services: novaServiceSamples([nova('host1', 'up', 'enabled'), nova('host"2', 'down', 'disabled', { disabled_reason: 'a\nb' })]), apis: [{ name: 'keystone', reachable: true, ms: 120 }] },
        { stack: 'proxmox', cluster: 'lab', reachable: true, quorate: true, services: haServices([{ type: 'service', sid: 'vm:101', node: 'pve2', state: 'error' }]) },
        { stack: 'vsan', cluster: 'stretch', reachable: true, services: [vsanHostSample({ name: 'a1', role: 'data', connectionState: 'disconnected' })], health: { status: 'red', level: 'error' } },
      ]),
      alerts: [],
      rounds: 1,
      running: true,
      stacks: defaultStacks,
    });
    expect(text).toContain('# TYPE openstack_nova_agent_state gauge\n');
    expect(text).toContain('openstack_nova_agent_state{region="RegionOne",service="nova-compute",hostname="host1",adminState="enabled",disabledReason=""} 1\n');
    expect(text).toContain('openstack_nova_agent_state{region="RegionOne",service="nova-compute",hostname="host\\"2",adminState="disabled",disabledReason="a\\nb"} 0\n');
    expect(text).toContain('openstack_identity_up{region="RegionOne"} 1\n');
    expect(text).toContain('clusterwright_cluster_api_seconds{stack="openstack",cluster="RegionOne",api="keystone"} 0.12\n');
    expect(text).toContain('pve_ha_state{cluster="lab",id="qemu/101",state="error"} 1\n');
    expect(text).toContain('vmware_host_connection_state{cluster_name="stretch",host_name="a1",role="host",state="disconnected"} 1\n');
    expect(text).toContain('clusterwright_vsan_cluster_health{cluster="stretch",status="red"} 1\n');
    // Without the stack list, only the generic series.
    expect(renderExposition({ latest: round([{ stack: 'proxmox', cluster: 'lab', reachable: true, services: haServices([{ type: 'service', sid: 'vm:1', state: 'started' }]) }]), alerts: [], rounds: 1, running: true })).not.toContain('pve_ha_state');
  });
});
