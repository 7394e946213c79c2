// Kolla-Ansible generation: golden files per layout, every variable name checked against Kolla-Ansible's own
// defaults, values kept as data, bad plans refused with located errors — and, where Ansible is installed, the
// files read back by Ansible itself.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CwError } from '../../errors.js';
import { kollaAnsibleReleases } from './kolla-ansible-vars.js';
import { workspaceSchema } from '../../workspace/schema.js';
import { checkKollaPlan, generateKolla, kollaPlanFromWorkspace, kollaVariableNames, type KollaPlan, type KollaRegionFiles } from './kolla.js';

const golden = path.resolve(__dirname, '../../../../test/fixtures/openstack/kolla');

const oneRegion: KollaPlan = {
  release: '2026.1',
  nodes: [
    { name: 'os1', address: '10.10.0.11' },
    { name: 'os2', address: '10.10.0.12' },
  ],
  regions: [{ name: 'RegionOne', keystone: true, internalVip: '10.10.0.250', controllers: ['os1'], network: ['os1'], compute: ['os1', 'os2'], networkInterface: 'eth0', externalInterface: 'eth1', vpnaas: false }],
};

const twoRegions: KollaPlan = {
  release: '2026.1',
  sshUser: 'root',
  nodes: [
    { name: 'ctl-a', address: '10.10.0.11' },
    { name: 'cmp-a1', address: '10.10.0.21' },
    { name: 'cmp-a2', address: '10.10.0.22' },
    { name: 'ctl-b', address: '10.20.0.11' },
    { name: 'cmp-b1', address: '10.20.0.21' },
    { name: 'cmp-b2', address: '10.20.0.22' },
  ],
  regions: [
    { name: 'Paris', keystone: true, internalVip: '10.10.0.250', controllers: ['ctl-a'], network: ['ctl-a'], compute: ['cmp-a1', 'cmp-a2'], networkInterface: 'ens18', externalInterface: 'ens19', vpnaas: true },
    { name: 'Lyon', keystone: false, internalVip: '10.20.0.250', controllers: ['ctl-b'], network: ['ctl-b'], compute: ['cmp-b1', 'cmp-b2'], networkInterface: 'ens18', externalInterface: 'ens19', vpnaas: true },
  ],
};

const threeRegionsWithStorage: KollaPlan = {
  release: '2026.1',
  sshUser: 'kolla',
  configDir: '/srv/kolla',
  nodes: [
    { name: 'ctl1.east.example', address: '10.1.0.11' },
    { name: 'ctl2.east.example', address: '10.1.0.12' },
    { name: 'ctl3.east.example', address: '10.1.0.13' },
    { name: 'cmp1.east.example', address: '10.1.0.21' },
    { name: 'ctl1.west.example', address: 'fd00:2::11' },
    { name: 'cmp1.west.example', address: 'fd00:2::21' },
    { name: 'cmp2.west.example', address: 'fd00:2::22' },
    { name: 'ctl1.vault.example', address: '10.3.0.11' },
    { name: 'cmp1.vault.example', address: '10.3.0.21' },
    { name: 'sto1.vault.example', address: '10.3.0.31' },
    { name: 'sto2.vault.example', address: '10.3.0.32' },
  ],
  regions: [
    {
      name: 'east',
      keystone: true,
      internalVip: '10.1.0.250',
      internalFqdn: 'api.east.example',
      externalVip: '203.0.113.10',
      externalFqdn: 'cloud.example',
      tlsInternal: true,
      tlsExternal: true,
      controllers: ['ctl1.east.example', 'ctl2.east.example', 'ctl3.east.example'],
      network: ['ctl1.east.example', 'ctl2.east.example'],
      compute: ['cmp1.east.example'],
      monitoring: ['ctl3.east.example'],
      networkInterface: 'bond0',
      externalInterface: 'bond1',
      vpnaas: true,
      keepalivedVirtualRouterId: 52,
    },
    { name: 'west', keystone: false, internalVip: 'fd00:2::250', controllers: ['ctl1.west.example'], network: ['ctl1.west.example'], compute: ['cmp1.west.example', 'cmp2.west.example'], networkInterface: 'eth0', externalInterface: 'eth1', vpnaas: true, heat: false },
    { name: 'vault', keystone: false, internalVip: '10.3.0.250', controllers: ['ctl1.vault.example'], network: ['ctl1.vault.example'], compute: ['cmp1.vault.example'], storage: ['sto1.vault.example', 'sto2.vault.example'], cinderBackend: 'lvm', networkInterface: 'eth0', externalInterface: 'eth1', vpnaas: false },
  ],
};

const twoRegions2025: KollaPlan = { ...twoRegions, release: '2025.1' };

const layouts: Record<string, KollaPlan> = {
  'one-region': oneRegion,
  'two-regions': twoRegions,
  'three-regions-storage': threeRegionsWithStorage,
  'two-regions-2025.1': twoRegions2025,
};

/** Reads globals.yml the way Ansible's loader sees it: `!unsafe` values as plain text, marked. */
function readGlobals(text: string): Record<string, unknown> {
  return parse(text, { customTags: [{ tag: '!unsafe', resolve: (s: string) => ({ unsafe: s }) }] }) as Record<string, unknown>;
}

describe('Kolla-Ansible files per layout (golden)', () => {
  for (const [layout, plan] of Object.entries(layouts)) {
    it(`${layout}: globals.yml, multinode and overrides per region`, async () => {
      for (const files of generateKolla(plan)) {
        const dir = path.join(golden, layout, files.region);
        await expect(files.globalsYml).toMatchFileSnapshot(path.join(dir, 'globals.yml'));
        await expect(files.multinode).toMatchFileSnapshot(path.join(dir, 'multinode'));
        for (const [rel, text] of Object.entries(files.overrides)) await expect(text).toMatchFileSnapshot(path.join(dir, rel));
      }
    });
  }
});

describe('Kolla-Ansible variable names', () => {
  it('names only variables Kolla-Ansible defines, for every layout and release', () => {
    for (const plan of Object.values(layouts)) {
      const known = kollaVariableNames(plan.release);
      for (const files of generateKolla(plan)) {
        const keys = Object.keys(readGlobals(files.globalsYml));
        expect(keys).toEqual(files.globalsKeys);
        expect(keys.filter((k) => !known.has(k))).toEqual([]);
      }
    }
  });

  it('the name check would catch a misspelt variable', () => {
    const known = kollaVariableNames('2026.1');
    expect(known.has('openstack_region_name')).toBe(true);
    expect(known.has('multiple_regions_names')).toBe(true);
    expect(known.has('enable_neutron_vpnaas')).toBe(true);
    expect(known.has('keepalived_virtual_router_id')).toBe(true);
    expect(known.has('openstack_region')).toBe(false);
    expect(known.has('kolla_internal_fqdn_r1')).toBe(false);
    expect(known.size).toBeGreaterThan(700);
  });

  it('writes openstack_auth only for releases whose default carries auth_url, with exactly its keys', () => {
    expect(kollaAnsibleReleases['2025.1'].openstackAuthKeys).toContain('auth_url');
    expect(kollaAnsibleReleases['2026.1'].openstackAuthKeys).toEqual(['password']);
    const lyon2025 = readGlobals(generateKolla(twoRegions2025)[1]!.globalsYml);
    expect(Object.keys(lyon2025.openstack_auth as object).sort()).toEqual([...kollaAnsibleReleases['2025.1'].openstackAuthKeys].sort());
    expect((lyon2025.openstack_auth as Record<string, string>).auth_url).toBe('{{ keystone_internal_url }}');
    expect(readGlobals(generateKolla(twoRegions)[1]!.globalsYml)).not.toHaveProperty('openstack_auth');
  });

  it("writes every group of Kolla-Ansible's sample multinode inventory", () => {
    for (const plan of Object.values(layouts)) {
      const facts = kollaAnsibleReleases[plan.release].inventory;
      for (const files of generateKolla(plan)) {
        const sections = [...files.multinode.matchAll(/^\[([^\]]+)\]$/gm)].map((m) => m[1]!.replace(/:children$/, ''));
        expect(sections).toEqual(facts.groups);
      }
    }
  });
});

describe('Kolla-Ansible values', () => {
  it('points the other regions at the Keystone region and lists every region there', () => {
    const [east, west, vault] = generateKolla(threeRegionsWithStorage).map((f) => readGlobals(f.globalsYml));
    expect(east!.multiple_regions_names).toEqual([{ unsafe: 'east' }, { unsafe: 'west' }, { unsafe: 'vault' }]);
    expect(east).toMatchObject({ enable_keystone: 'yes', enable_horizon: 'yes', kolla_internal_fqdn: { unsafe: 'api.east.example' }, keepalived_virtual_router_id: '52' });
    for (const other of [west!, vault!]) {
      expect(other).toMatchObject({ enable_keystone: 'no', enable_horizon: 'no', keystone_internal_url: { unsafe: 'https://api.east.example:5000' }, keystone_public_url: { unsafe: 'https://cloud.example:5000' }, node_custom_config: { unsafe: '/srv/kolla/config' } });
      expect(other).not.toHaveProperty('multiple_regions_names');
    }
    // Router ids: 52 is taken by east, so the others get 51 and 53.
    expect([west!.keepalived_virtual_router_id, vault!.keepalived_virtual_router_id]).toEqual(['51', '53']);
    expect(west).toMatchObject({ kolla_internal_vip_address: { unsafe: 'fd00:2::250' }, enable_heat: 'no' });
    expect(vault).toMatchObject({ enable_cinder: 'yes', enable_cinder_backend_lvm: 'yes', enable_neutron_vpnaas: 'no' });
  });

  it('writes the documented overrides only where Keystone is remote, heat.conf only with heat', () => {
    const [east, west, vault] = generateKolla(threeRegionsWithStorage);
    expect(Object.keys(east!.overrides)).toEqual([]);
    expect(Object.keys(west!.overrides).sort()).toEqual(['config/global.conf', 'config/nova.conf']);
    expect(Object.keys(vault!.overrides).sort()).toEqual(['config/global.conf', 'config/heat.conf', 'config/nova.conf']);
    expect(vault!.overrides['config/nova.conf']).toContain('[placement]\nauth_url = {{ keystone_internal_url }}\n');
  });

  it('asks for the Keystone region passwords where Keystone is shared', () => {
    const [paris, lyon] = generateKolla(twoRegions);
    expect(paris!.sharedPasswords).toEqual([]);
    expect(lyon!.sharedPasswords).toEqual(expect.arrayContaining(['keystone_admin_password', 'nova_keystone_password', 'placement_keystone_password', 'neutron_keystone_password', 'glance_keystone_password', 'heat_domain_admin_password']));
    expect(lyon!.sharedPasswords.every((p) => kollaAnsibleReleases['2026.1'].passwords.includes(p))).toBe(true);
  });

  it('refuses values that would become code, with the path of each', () => {
    const bad: KollaPlan = {
      ...twoRegions,
      sshUser: 'root ansible_become_pass=x',
      nodes: [...twoRegions.nodes.slice(0, 5), { name: 'cmp-b2', address: '10.20.0.22 ansible_connection=local' }],
      regions: [
        { ...twoRegions.regions[0]!, name: "{{ lookup('pipe', 'id') }}" },
        { ...twoRegions.regions[1]!, networkInterface: 'eth0\nenable_keystone: yes', internalFqdn: 'api.{{x}}.example' },
      ],
    };
    const issues = checkKollaPlan(bad);
    expect(issues.map((i) => i.path)).toEqual(['sshUser', 'nodes[5].address', 'regions[0].name', 'regions[1].internalFqdn', 'regions[1].networkInterface']);
    let error: CwError | undefined;
    try {
      generateKolla(bad);
    } catch (e) {
      error = e as CwError;
    }
    expect(error?.code).toBe('INVALID_INPUT');
    expect((error?.detail as { issues: unknown[] }).issues).toHaveLength(5);
  });

  it('refuses plans Kolla cannot deploy: no or two Keystone regions, shared nodes, a VIP that is a node, clashing router ids', () => {
    const paths = (plan: KollaPlan) => checkKollaPlan(plan).map((i) => `${i.path}: ${i.message}`);
    expect(paths({ ...twoRegions, regions: twoRegions.regions.map((r) => ({ ...r, keystone: false })) })).toEqual(['regions: 0 regions hold Keystone (none); exactly one must.']);
    expect(paths({ ...twoRegions, regions: twoRegions.regions.map((r) => ({ ...r, keystone: true })) })[0]).toMatch(/2 regions hold Keystone \(Paris, Lyon\)/);
    const shared = { ...twoRegions, regions: [twoRegions.regions[0]!, { ...twoRegions.regions[1]!, compute: ['cmp-b1', 'cmp-a2'] }] };
    expect(paths(shared)).toEqual(['regions[1].controllers: Node cmp-a2 is in regions Paris and Lyon; each region is its own Kolla deployment.']);
    const vipIsNode = { ...twoRegions, regions: [{ ...twoRegions.regions[0]!, internalVip: '10.10.0.21' }, twoRegions.regions[1]!] };
    expect(paths(vipIsNode)).toEqual(['regions[0].compute[0]: Node cmp-a1 has the address 10.10.0.21, which is a VIP of Paris; the VIP must be free for keepalived.']);
    const clash = { ...twoRegions, regions: twoRegions.regions.map((r) => ({ ...r, keepalivedVirtualRouterId: 60 })) };
    expect(paths(clash)).toEqual(['regions[1].keepalivedVirtualRouterId: keepalived_virtual_router_id 60 is used by Paris too; VRRP ids must differ where VIPs can share a subnet.']);
    expect(paths({ ...twoRegions, regions: [{ ...twoRegions.regions[0]!, name: 'paris' }, { ...twoRegions.regions[1]!, name: 'Paris', keystone: false }] })).toEqual(['regions[1].name: Region Paris is named twice (paris); names differ by more than case.']);
    expect(paths({ ...oneRegion, regions: [{ ...oneRegion.regions[0]!, externalInterface: 'eth0' }] })[0]).toMatch(/must differ from network_interface/);
  });
});

describe('the region plan from a workspace', () => {
  const workspace = workspaceSchema.parse({
    version: 1,
    name: 'two regions',
    sites: [
      { name: 'paris', kind: 'wan' },
      { name: 'lyon', kind: 'wan' },
    ],
    networks: [
      { name: 'mgmt-a', roles: ['management'], cidr: '10.10.0.0/24' },
      { name: 'mgmt-b', roles: ['management'], cidr: '10.20.0.0/24' },
      { name: 'data', roles: ['vm-data'], cidr: '192.168.0.0/16' },
    ],
    nodes: [
      { name: 'ctl-a', site: 'paris', addresses: { 'mgmt-a': '10.10.0.11', data: '192.168.1.11' } },
      { name: 'cmp-a1', site: 'paris', addresses: { 'mgmt-a': '10.10.0.21' } },
      { name: 'ctl-b', site: 'lyon', addresses: { 'mgmt-b': '10.20.0.11', data: '192.168.2.11' } },
      { name: 'cmp-b1', site: 'lyon', addresses: { 'mgmt-b': '10.20.0.21' } },
    ],
    openstack: {
      regions: [
        { name: 'Paris', keystone: true, controllers: ['ctl-a'], networkNodes: ['ctl-a'], compute: ['cmp-a1'], managementNetwork: 'mgmt-a' },
        { name: 'Lyon', controllers: ['ctl-b'], networkNodes: ['ctl-b'], compute: ['cmp-b1'], managementNetwork: 'mgmt-b' },
      ],
      interconnects: [{ between: ['Paris', 'Lyon'], kind: 'vpn' }],
    },
  });
  const choice = (vip: string) => ({ internalVip: vip, networkInterface: 'eth0', externalInterface: 'eth1' });

  it('takes roles from the workspace, addresses from the management network and VPNaaS from the interconnects', () => {
    const { plan, issues } = kollaPlanFromWorkspace(workspace, { release: '2026.1', regions: { Paris: choice('10.10.0.250'), Lyon: choice('10.20.0.250') } });
    expect(issues).toEqual([]);
    expect(plan!.nodes).toEqual([
      { name: 'ctl-a', address: '10.10.0.11' },
      { name: 'cmp-a1', address: '10.10.0.21' },
      { name: 'ctl-b', address: '10.20.0.11' },
      { name: 'cmp-b1', address: '10.20.0.21' },
    ]);
    expect(plan!.regions.map((r) => [r.name, r.keystone, r.vpnaas, r.network])).toEqual([
      ['Paris', true, true, ['ctl-a']],
      ['Lyon', false, true, ['ctl-b']],
    ]);
    expect(generateKolla(plan!)).toHaveLength(2);
  });

  it('says which region lacks choices and which node lacks an address', () => {
    const noMgmt = { ...workspace, openstack: { ...workspace.openstack!, regions: [{ ...workspace.openstack!.regions[0]!, managementNetwork: undefined }, workspace.openstack!.regions[1]!] } };
    expect(kollaPlanFromWorkspace(noMgmt, { release: '2026.1', regions: { Paris: choice('10.10.0.250'), Tokyo: choice('10.30.0.250') } }).issues).toEqual([
      { path: 'openstack.regions[0].controllers[0]', message: 'Node ctl-a has 2 addresses; set the management network of Paris to pick one.' },
      { path: 'openstack.regions[0].networkNodes[0]', message: 'Node ctl-a has 2 addresses; set the management network of Paris to pick one.' },
      { path: 'openstack.regions[1]', message: 'Region Lyon has no VIP and interfaces chosen yet.' },
      { path: 'choices.regions.Tokyo', message: 'Choices are given for region Tokyo, which the workspace does not have.' },
    ]);
    // A VIP that is a node's address is caught by the plan check.
    expect(kollaPlanFromWorkspace(workspace, { release: '2026.1', regions: { Paris: choice('10.10.0.21'), Lyon: choice('10.20.0.250') } }).issues.map((i) => i.path)).toEqual(['regions[0].compute[0]']);
  });
});

// ---- Ansible reads the files back ----------------------------------------------------------------

const haveAnsible = spawnSync('ansible-inventory', ['--version'], { encoding: 'utf8' }).status === 0;

describe.skipIf(!haveAnsible)('Ansible reads the generated files', () => {
  function withFiles<T>(files: KollaRegionFiles, fn: (dir: string) => T): T {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-kolla-'));
    try {
      fs.writeFileSync(path.join(dir, 'globals.yml'), files.globalsYml);
      fs.writeFileSync(path.join(dir, 'multinode'), files.multinode);
      return fn(dir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  const env = { ...process.env, ANSIBLE_LOCALHOST_WARNING: 'false', ANSIBLE_INVENTORY_UNPARSED_WARNING: 'false', ANSIBLE_NOCOLOR: '1' };

  it('resolves Kolla service groups to the region hosts, with their addresses', () => {
    const lyon = generateKolla(twoRegions)[1]!;
    const inv = withFiles(lyon, (dir) => spawnSync('ansible-inventory', ['-i', path.join(dir, 'multinode'), '--list'], { encoding: 'utf8', env, timeout: 60_000 }));
    expect(inv.status, inv.stderr).toBe(0);
    const data = JSON.parse(inv.stdout) as { _meta: { hostvars: Record<string, Record<string, string>> }; [group: string]: unknown };
    const hosts = (g: string): string[] => {
      const grp = data[g] as { hosts?: string[]; children?: string[] } | undefined;
      return [...new Set([...(grp?.hosts ?? []), ...(grp?.children ?? []).flatMap(hosts)])].sort();
    };
    expect(hosts('nova-api')).toEqual(['ctl-b']);
    expect(hosts('compute')).toEqual(['cmp-b1', 'cmp-b2']);
    // openvswitch runs on network and compute nodes (children network, compute, manila-share).
    expect(hosts('openvswitch')).toEqual(['cmp-b1', 'cmp-b2', 'ctl-b']);
    // VPNaaS runs in the L3 agent (Open vSwitch) or the OVN VPN agent, both on the network nodes.
    expect(hosts('neutron-l3-agent')).toEqual(['ctl-b']);
    expect(hosts('neutron-ovn-vpn-agent')).toEqual(['ctl-b']);
    expect(data._meta.hostvars['cmp-b2']).toMatchObject({ ansible_host: '10.20.0.22', ansible_user: 'root' });
  });

  it('keeps !unsafe values as text: a Jinja-looking FQDN is not templated', () => {
    // The generator refuses such names; here the file is edited by hand to show what !unsafe does.
    const lyon = generateKolla(twoRegions)[1]!;
    const edited = { ...lyon, globalsYml: lyon.globalsYml.replace('keystone_public_url: !unsafe "http://10.10.0.250:5000"', 'keystone_public_url: !unsafe "http://{{ 7 * 6 }}:5000"') };
    expect(edited.globalsYml).not.toBe(lyon.globalsYml);
    const out = withFiles(edited, (dir) =>
      spawnSync('ansible', ['localhost', '-m', 'debug', '-a', 'msg={{ [keystone_internal_url, keystone_public_url, openstack_region_name] | to_json }}', '-e', `@${path.join(dir, 'globals.yml')}`], { encoding: 'utf8', env, timeout: 60_000 }),
    );
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toContain('http://10.10.0.250:5000');
    expect(out.stdout).toContain('http://{{ 7 * 6 }}:5000');
    expect(out.stdout).not.toContain('http://42:5000');
    expect(out.stdout).toContain('Lyon');
  });
});
