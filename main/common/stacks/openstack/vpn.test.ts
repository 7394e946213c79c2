// The inter-region VPN in the workspace and its plan (pure): a vpn interconnect's routers, subnets, pre-shared key
// by secret id and IKE/IPsec choices read and checked with located errors; old files without them read as before
// and get a finding naming the missing field; the plan's steps per region, deterministic names, no secret value.
import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../plan/dag.js';
import { caughtSync } from '../../testing/caught.js';
import { parseWorkspace } from '../../workspace/parse.js';
import { validateWorkspace } from '../../workspace/rules/index.js';
import type { Workspace } from '../../workspace/schema.js';
import { vpnPairArgsSchema, vpnPlan, vpnSideArgsSchema } from './vpn.js';

const head = `version: 1
name: two regions
sites:
  - name: paris
    kind: wan
  - name: lyon
    kind: wan
networks:
  - name: mgmt
    roles: [management]
    cidr: 10.10.0.0/16
nodes:
  - name: ctl-a
    site: paris
    addresses: { mgmt: 10.10.1.11 }
  - name: cmp-a
    site: paris
    addresses: { mgmt: 10.10.1.12 }
  - name: ctl-b
    site: lyon
    addresses: { mgmt: 10.10.2.11 }
  - name: cmp-b
    site: lyon
    addresses: { mgmt: 10.10.2.12 }
openstack:
  keystone:
    authUrl: http://10.10.1.250:5000/v3
    passwordSecret: keystone-admin
  regions:
    - name: Paris
      keystone: true
      controllers: [ctl-a]
      networkNodes: [ctl-a]
      compute: [cmp-a, ctl-a]
    - name: Lyon
      controllers: [ctl-b]
      networkNodes: [ctl-b]
      compute: [cmp-b, ctl-b]
  interconnects:
`;

const vpnLink = (vpn: string, kind = 'vpn') => `${head}    - between: [Paris, Lyon]
      kind: ${kind}
${vpn}`;

const fullVpn = `      vpn:
        pskSecret: vpn-paris-lyon
        sides:
          Paris:
            router: edge-paris
            subnets: [tenant-a, 5b1c2a7e-0f4e-4c55-9d59-0d4e1b9c3a11]
          Lyon:
            router: edge-lyon
            subnets: [tenant-b]
`;

function parsed(text: string) {
  const result = parseWorkspace(text);
  return { ...result, errors: result.issues.filter((i) => i.severity === 'error') };
}

const caught = caughtSync;

describe('a VPN interconnect in the workspace', () => {
  it('reads an old file without the vpn block as before; the plan refuses it naming the missing field, and a finding says so', () => {
    const { workspace, errors } = parsed(vpnLink(''));
    expect(errors).toEqual([]);
    expect(workspace!.openstack!.interconnects).toEqual([{ between: ['Paris', 'Lyon'], kind: 'vpn' }]);
    const error = caught(() => vpnPlan(workspace!));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain('openstack.interconnects[0].vpn is missing');
    const one = caught(() => vpnPlan(workspace!, { interconnect: 0 }));
    expect(one.detail).toEqual({ field: 'openstack.interconnects[0].vpn' });
    const finding = validateWorkspace(workspace!, {}).find((f) => f.ruleId === 'openstack.vpn-interconnect-details');
    expect(finding).toMatchObject({ severity: 'info', paths: ['openstack.interconnects[0]'] });
    expect(finding!.message).toContain('openstack.interconnects[0].vpn is missing');
  });

  it('takes the safe defaults: IKEv2, aes-256, sha256, group14, an hour', () => {
    const { workspace, errors } = parsed(vpnLink(fullVpn));
    expect(errors).toEqual([]);
    const vpn = workspace!.openstack!.interconnects[0]!.vpn!;
    expect(vpn.ike).toEqual({ version: 'v2', encryption: 'aes-256', auth: 'sha256', pfs: 'group14', lifetimeSeconds: 3600 });
    expect(vpn.ipsec).toEqual({ encryption: 'aes-256', auth: 'sha256', pfs: 'group14', lifetimeSeconds: 3600 });
    expect(validateWorkspace(workspace!, {}).filter((f) => f.ruleId === 'openstack.vpn-interconnect-details')).toEqual([]);
  });

  it('refuses what neutron-vpnaas refuses, at the line of the value', () => {
    const gcm = parsed(vpnLink(`${fullVpn}        ike:\n          encryption: aes-256-gcm-16\n`));
    expect(gcm.errors).toHaveLength(1);
    expect(gcm.errors[0]).toMatchObject({ path: 'openstack.interconnects[0].vpn.ike.encryption', line: expect.any(Number) });
    expect(gcm.errors[0]!.expected).toContain('aes-256');
    const pfs = parsed(vpnLink(`${fullVpn}        ipsec:\n          pfs: group31\n`));
    expect(pfs.errors.map((e) => e.path)).toEqual(['openstack.interconnects[0].vpn.ipsec.pfs']);
    const mtu = parsed(vpnLink(`${fullVpn}        mtu: 40\n`));
    expect(mtu.errors.map((e) => e.path)).toEqual(['openstack.interconnects[0].vpn.mtu']);
    const lifetime = parsed(vpnLink(`${fullVpn}        ike:\n          lifetimeSeconds: -5\n`));
    expect(lifetime.errors.map((e) => e.path)).toEqual(['openstack.interconnects[0].vpn.ike.lifetimeSeconds']);
    const noSubnets = parsed(vpnLink(fullVpn.replace('subnets: [tenant-b]', 'subnets: []')));
    expect(noSubnets.errors.map((e) => e.path)).toEqual(['openstack.interconnects[0].vpn.sides.Lyon.subnets']);
    const control = parsed(vpnLink(fullVpn.replace('router: edge-lyon', 'router: "edge\\nlyon"')));
    expect(control.errors.map((e) => e.path)).toEqual(['openstack.interconnects[0].vpn.sides.Lyon.router']);
  });

  it('takes the pre-shared key only as a secret id', () => {
    const plain = parsed(vpnLink(fullVpn.replace('pskSecret: vpn-paris-lyon', 'psk: "s3cret key!"')));
    expect(plain.errors.map((e) => e.path)).toContain('openstack.interconnects[0].vpn.pskSecret');
    expect(plain.workspace).toBeUndefined();
    const notAnId = parsed(vpnLink(fullVpn.replace('pskSecret: vpn-paris-lyon', 'pskSecret: "s3cret key!"')));
    expect(notAnId.errors.map((e) => e.path)).toEqual(['openstack.interconnects[0].vpn.pskSecret']);
  });

  it('wants an end for each region of the pair and none elsewhere, and no vpn block on a routed interconnect', () => {
    const other = parsed(vpnLink(fullVpn.replace('          Lyon:', '          Lyons:')));
    expect(other.errors.map((e) => [e.path, e.code])).toEqual([['openstack.interconnects[0].vpn.sides.Lyons', 'reference']]);
    expect(other.errors[0]!.message).toContain('which this interconnect does not join (it joins Paris and Lyon)');
    const oneEnd = parsed(vpnLink(fullVpn.replace(/ {10}Lyon:\n.*\n.*\n/, '')));
    expect(oneEnd.errors).toEqual([]);
    const finding = validateWorkspace(oneEnd.workspace!, {}).find((f) => f.ruleId === 'openstack.vpn-interconnect-details');
    expect(finding!.message).toContain('openstack.interconnects[0].vpn.sides.Lyon is missing');
    expect(caught(() => vpnPlan(oneEnd.workspace!, { interconnect: 0 })).detail).toEqual({ field: 'openstack.interconnects[0].vpn.sides.Lyon' });
    const routed = parsed(vpnLink(fullVpn, 'routed'));
    expect(routed.errors.map((e) => e.path)).toEqual(['openstack.interconnects[0].vpn']);
  });
});

describe('the VPN plan', () => {
  const ws = (): Workspace => parsed(vpnLink(fullVpn)).workspace!;

  it('creates policies, a VPN service, endpoint groups and the connection in each region, then checks both connections', () => {
    const { plan, interconnects } = vpnPlan(ws());
    const parsedPlan = parsePlan(plan);
    expect(parsedPlan.steps.map((s) => s.id)).toEqual([
      'vpn-1-paris-policies',
      'vpn-1-paris-service',
      'vpn-1-paris-endpoints',
      'vpn-1-paris-connection',
      'vpn-1-lyon-policies',
      'vpn-1-lyon-service',
      'vpn-1-lyon-endpoints',
      'vpn-1-lyon-connection',
      'vpn-1-verify',
    ]);
    expect(parsedPlan.steps.slice(4, 8).map((s) => s.dependsOn)).toEqual([[], ['vpn-1-lyon-policies'], ['vpn-1-lyon-service'], ['vpn-1-lyon-endpoints']]);
    expect(parsedPlan.steps.find((s) => s.id === 'vpn-1-verify')!.dependsOn).toEqual(['vpn-1-paris-connection', 'vpn-1-lyon-connection']);
    expect(Object.keys(parsedPlan.apis)).toEqual(['openstack:Paris', 'openstack:Lyon']);
    expect(interconnects).toEqual([
      {
        index: 0,
        between: ['Paris', 'Lyon'],
        planned: true,
        connections: [
          { region: 'Paris', peerRegion: 'Lyon', name: 'cw-Paris-Lyon-to-Lyon', router: 'edge-paris' },
          { region: 'Lyon', peerRegion: 'Paris', name: 'cw-Paris-Lyon-to-Paris', router: 'edge-lyon' },
        ],
      },
    ]);
    // Every step is idempotent and skipped when its precheck finds it done; the verify waits on the pair.
    for (const step of parsedPlan.steps) {
      expect(step.precheck).toBeDefined();
      expect(step.idempotent).toBe(true);
      expect(step.destructive).toBe(false);
    }
    const lyon = vpnSideArgsSchema.parse((parsedPlan.steps[4]!.action as { args: unknown }).args);
    expect(lyon).toMatchObject({ prefix: 'cw-Paris-Lyon', region: 'Lyon', router: 'edge-lyon', subnets: ['tenant-b'], peerRegion: 'Paris', peerRouter: 'edge-paris', pskSecret: 'vpn-paris-lyon' });
    const verify = parsedPlan.steps[8]!.action as { kind: string; until: { args: unknown } };
    expect(vpnPairArgsSchema.parse(verify.until.args).sides.map((s) => s.region)).toEqual(['Paris', 'Lyon']);
  });

  it('is the same plan every time (deterministic names and ids)', () => {
    expect(JSON.stringify(vpnPlan(ws()))).toBe(JSON.stringify(vpnPlan(ws())));
  });

  it('leaves routed interconnects out with the reason; asking for one by index names its kind', () => {
    const w = ws();
    w.openstack!.interconnects.push({ between: ['Lyon', 'Paris'], kind: 'routed' });
    const { interconnects, plan } = vpnPlan(w);
    expect(interconnects.map((i) => [i.index, i.planned, i.reason])).toEqual([
      [0, true, undefined],
      [1, false, 'routed: no VPN to create'],
    ]);
    expect(plan.steps.some((s) => s.id.startsWith('vpn-2'))).toBe(false);
    expect(caught(() => vpnPlan(w, { interconnect: 1 })).detail).toEqual({ field: 'openstack.interconnects[1].kind' });
    expect(caught(() => vpnPlan(w, { interconnect: 7 })).message).toContain('no interconnect 8');
    expect(vpnPlan(w, { interconnect: 0 }).plan.id).toBe('openstack-vpn-1');
  });

  it('carries hostile router and subnet names as data for neutron\'s API, never into a command', () => {
    const w = ws();
    const hostile = ['$(touch /tmp/cw-pwned)', '--help', "'; rm -rf / #", '{{ lookup("pipe", "id") }}'];
    w.openstack!.interconnects[0]!.vpn!.sides.Paris = { router: hostile[0]!, subnets: hostile.slice(1) };
    const parsedPlan = parsePlan(vpnPlan(w).plan);
    for (const step of parsedPlan.steps) {
      expect('api' in step.target).toBe(true);
      expect(['stack', 'wait']).toContain(step.action.kind);
      for (const check of [step.precheck, step.verify]) if (check) expect(check.kind).toBe('stack');
    }
    const paris = vpnSideArgsSchema.parse((parsedPlan.steps[0]!.action as { args: unknown }).args);
    expect([paris.router, ...paris.subnets]).toEqual(hostile);
  });

  it('carries the choices into the steps and the key only by id', () => {
    const w = ws();
    const vpn = w.openstack!.interconnects[0]!.vpn!;
    vpn.ike = { version: 'v1', encryption: 'aes-128', auth: 'sha512', pfs: 'group5', lifetimeSeconds: 7200 };
    vpn.mtu = 1400;
    const { plan } = vpnPlan(w);
    const args = vpnSideArgsSchema.parse((plan.steps[0]!.action as { args: unknown }).args);
    expect(args.ike).toEqual(vpn.ike);
    expect(args.mtu).toBe(1400);
    expect(plan.steps[0]!.title).toContain('IKEv1, aes-128, sha512, group5');
    expect(Object.keys(args)).not.toContain('psk');
  });
});
