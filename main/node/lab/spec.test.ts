// The lab description and its plan: validation messages, defaults, link resolution, addresses and names.
import { describe, expect, it, vi } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseWorkspace } from '../../common/workspace/parse.js';
import { CwError } from '../../common/errors.js';
import { overlapsLabRange } from './lab.js';
import { planLab } from './plan.js';
import { delayPlan, presets, wirefilterCommands } from './presets.js';
import { loadLabSpec, linkFrom } from './spec.js';
import { preflight } from './system.js';
import { describeLabWorkspace, labWorkspaceText } from './workspace.js';

const shipped = (name: string) => fs.readFileSync(path.join(__dirname, '../../../assets/labs', name), 'utf8');

function errorOf(fn: () => unknown): CwError {
  try {
    fn();
  } catch (error) {
    if (error instanceof CwError) return error;
    throw error;
  }
  throw new Error('expected an error');
}

describe('lab description', () => {
  it('reads the shipped three-sites example: a over lan, b over man, c over wan, b↔c the slower (wan)', () => {
    const spec = loadLabSpec(shipped('three-sites.yml'));
    expect(spec.sites.map((s) => [s.name, s.hosts.map((h) => h.name)])).toEqual([
      ['a', ['a1', 'a2']],
      ['b', ['b1']],
      ['c', ['c1']],
    ]);
    expect(spec.appSite).toBe('a');
    expect(spec.realtime).toBe(false);
    expect(spec.links.map((l) => `${l.a}-${l.b}:${l.preset}`)).toEqual(['a-b:man', 'a-c:wan', 'b-c:wan']);
  });

  it('reads every shipped example', () => {
    for (const file of fs.readdirSync(path.join(__dirname, '../../../assets/labs'))) {
      expect(() => loadLabSpec(shipped(file), file), file).not.toThrow();
    }
    const big = loadLabSpec(shipped('fourteen-hosts.yml'));
    expect(big.sites.flatMap((s) => s.hosts)).toHaveLength(14);
    expect(big.sites.find((s) => s.name === 'dmz')!.hosts[0]!.reachableFromApp).toBe(false);
  });

  it('reads a Proxmox lab with a QDevice host, and refuses a QDevice host that is not in the lab', () => {
    const spec = loadLabSpec(shipped('proxmox-two-nodes-qdevice.yml'));
    expect(spec.stacks?.proxmox).toEqual({ qdevice: 'q1' });
    expect(loadLabSpec('name: p\nproxmox: true\nsites:\n  - name: a\n    hosts: [a1, a2]\n').stacks?.proxmox).toBe(true);
    expect(() => loadLabSpec('name: p\nproxmox:\n  qdevice: q9\nsites:\n  - name: a\n    hosts: [a1, a2, q1]\n', 'p.yml')).toThrow(/proxmox\.qdevice: "q9" is not one of the hosts \(a1, a2, q1\)/);
    expect(() => loadLabSpec('name: p\nproxmox:\n  qdevice: q1\nsites:\n  - name: a\n    hosts: [a1, q1]\n', 'p.yml')).toThrow(/at least two other hosts/);
  });

  it('names the field and what is expected when the description is wrong', () => {
    const bad = errorOf(() => loadLabSpec('name: x\nsites:\n  - name: A\n    hosts: 0\n', 'bad.yml'));
    expect(bad.code).toBe('INVALID_INPUT');
    expect(bad.message).toContain('bad.yml');
    expect(bad.message).toMatch(/sites\[0\]\.name: a site name is/);
    expect(bad.message).toMatch(/sites\[0\]\.hosts/);
    expect(errorOf(() => loadLabSpec('name: x\nsites:\n  - {name: a, hosts: [h1]}\n  - {name: b, hosts: [h1]}\n')).message).toContain('"h1" is used twice');
    expect(errorOf(() => loadLabSpec('name: x\nsites:\n  - {name: a, hosts: 1}\nlinks:\n  - {between: [a, z], link: wan}\n')).message).toContain('"z" is not one of the sites');
    expect(errorOf(() => loadLabSpec('name: x\nsites:\n  - {name: a, hosts: 1, link: slow}\n')).message).toMatch(/sites\[0\]\.link/);
    expect(errorOf(() => loadLabSpec('name: x\nsites: [\n')).message).toContain('not valid YAML');
    expect(errorOf(() => loadLabSpec('name: x\nsites:\n  - {name: a, hosts: 1, colour: red}\n')).message).toMatch(/colour/);
  });

  it('takes explicit link parameters and a link between two named sites', () => {
    const spec = loadLabSpec(`
name: custom
appSite: b
sites:
  - {name: a, hosts: 2}
  - {name: b, hosts: [x]}
  - {name: c, hosts: 1, link: internet}
links:
  - between: [c, a]
    link: {delay: 12, jitter: 2, loss: 1, bandwidth: 20}
`);
    expect(spec.appSite).toBe('b');
    expect(spec.sites[0]!.hosts.map((h) => h.name)).toEqual(['a1', 'a2']);
    const ac = spec.links.find((l) => l.a === 'a' && l.b === 'c')!;
    expect(ac.params).toEqual({ delayMs: 12, jitterMs: 2, lossPercent: 1, bandwidthMbit: 20 });
    expect(ac.preset).toBeUndefined();
    expect(spec.links.find((l) => l.a === 'b' && l.b === 'c')!.preset).toBe('internet');
    expect(errorOf(() => linkFrom('fast')).message).toContain('not a link preset');
    expect(linkFrom({ delayMs: 5 }).params).toEqual({ delayMs: 5, jitterMs: 0, lossPercent: 0, bandwidthMbit: 0 });
  });
});

describe('lab plan', () => {
  const spec = loadLabSpec(shipped('three-sites.yml'));

  it('gives hosts addresses in 198.18.0.0/15, one subnet per site and network, and short interface names', () => {
    const plan = planLab(spec, { prefix: 'cwl', stateDir: '/tmp/lab' });
    expect(plan.hosts.map((h) => [h.name, ...h.addresses])).toEqual([
      ['a1', '198.18.1.11', '198.19.1.11'],
      ['a2', '198.18.1.12', '198.19.1.12'],
      ['b1', '198.18.2.11', '198.19.2.11'],
      ['c1', '198.18.3.11', '198.19.3.11'],
    ]);
    const ends = plan.links.flatMap((l) => l.networks.flatMap((n) => n.ends));
    expect(new Set(ends.map((e) => e.address)).size).toBe(ends.length);
    for (const e of ends) expect(overlapsLabRange(`${e.address}/32`)).toBe(true);
    expect(plan.app.rootIf.length).toBeLessThanOrEqual(15);
    expect(plan.hosts.every((h) => h.netns.startsWith('cwl-'))).toBe(true);
  });

  it('refuses a prefix that cannot name interfaces and a state directory too long for vde sockets', () => {
    expect(errorOf(() => planLab(spec, { prefix: 'Bad-Prefix', stateDir: '/tmp/lab' })).message).toMatch(/prefix/);
    expect(errorOf(() => planLab(spec, { prefix: 'cwl', stateDir: `/tmp/${'x'.repeat(80)}` })).message).toMatch(/shorter --state/);
  });

  it('refuses a state directory that would change the meaning of the ssh_config and scripts it is written into', () => {
    for (const stateDir of ['/tmp/lab x', '/tmp/lab\n  ProxyCommand touch /tmp/pwned', '/tmp/"lab"', '/tmp/%h', "/tmp/l'ab"]) {
      expect(errorOf(() => planLab(spec, { prefix: 'cwl', stateDir })).message, stateDir).toMatch(/may hold only letters, digits/);
    }
    expect(planLab(spec, { prefix: 'cwl', stateDir: '/root/.local/share/clusterwright/lab' }).stateDir).toBe('/root/.local/share/clusterwright/lab');
  });

  it('sees which routes overlap the lab range', () => {
    expect(overlapsLabRange('default')).toBe(false);
    expect(overlapsLabRange('0.0.0.0/0')).toBe(true);
    expect(overlapsLabRange('198.16.0.0/14')).toBe(true);
    expect(overlapsLabRange('198.19.255.255')).toBe(true);
    expect(overlapsLabRange('198.20.0.0/16')).toBe(false);
    expect(overlapsLabRange('10.0.0.0/8')).toBe(false);
  });

  it('describes the lab as a workspace the workspace parser accepts', () => {
    const fourteen = loadLabSpec(shipped('fourteen-hosts.yml'));
    const plan = planLab(fourteen, { prefix: 'cwl', stateDir: '/tmp/lab' });
    const description = describeLabWorkspace(plan, { identityFile: '/tmp/lab/id_ed25519' });
    expect(description.sites.map((s) => [s.name, s.kind])).toEqual([
      ['hq', 'lan'],
      ['branch', 'man'],
      ['dr', 'wan'],
      ['dmz', 'lan'],
    ]);
    const target = description.hosts.find((h) => h.name === 'bastion-target')!;
    expect(target.ssh.jumpHost).toBe('hq1');
    expect(target.addresses).toEqual({ management: '198.18.4.11', 'corosync-link1': '198.19.4.11' });
    const parsed = parseWorkspace(labWorkspaceText(description));
    expect(parsed.issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(parsed.workspace!.nodes).toHaveLength(14);
    expect(parsed.workspace!.nodes.find((n) => n.name === 'bastion-target')!.ssh!.jump).toEqual(['hq1']);
  });
});

describe('link presets on wirefilter', () => {
  it('splits a round trip into whole-millisecond one-way delays and converts loss and bandwidth per direction', () => {
    expect(delayPlan(presets.lan)).toEqual({ lr: 0, rl: 0, jitter: 0 });
    expect(delayPlan(presets.man)).toEqual({ lr: 1, rl: 2, jitter: 0 });
    expect(wirefilterCommands(presets.wan)).toEqual(['delay LR 15.3+2.5', 'delay RL 15.3+2.5', 'loss 0.25', 'bandwidth 12500000']);
    expect(wirefilterCommands(presets.internet, true)).toContain('loss 100');
  });
});

describe('lab preflight', () => {
  it('says which Debian package is missing and how to install it', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-empty-'));
    try {
      const error = errorOf(() => preflight(['corosync-qnetd', 'vde_switch', 'wirefilter'], { searchDirs: [empty] }));
      expect(error.code).toBe('MISSING_DEPENDENCY');
      expect(error.message).toContain('corosync-qnetd (for corosync-qnetd)');
      expect(error.message).toContain('vde2 (for vde_switch, wirefilter)');
      expect(error.message).toContain('apt-get install corosync-qnetd vde2');
    } finally {
      fs.rmSync(empty, { recursive: true });
    }
  });

  it('refuses to run on another system or without root', () => {
    expect(errorOf(() => preflight([], { platform: 'darwin' })).code).toBe('UNSUPPORTED');
    const spy = vi.spyOn(process, 'getuid').mockReturnValue(1000);
    try {
      const error = errorOf(() => preflight([], { platform: 'linux' }));
      expect(error.code).toBe('FORBIDDEN');
      expect(error.message).toContain('needs root');
    } finally {
      spy.mockRestore();
    }
  });
});
