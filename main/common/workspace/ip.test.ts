// Addresses and prefixes: parsing, containment and overlap, for IPv4 and IPv6.
import { describe, expect, it } from 'vitest';
import { cidrContains, cidrsOverlap, isCidr, isIpAddress, parseCidr, parseIp } from './ip.js';
import { parseWorkspace } from './parse.js';

describe('IP addresses and prefixes', () => {
  it('accepts IPv4 and IPv6 and refuses look-alikes', () => {
    for (const ok of ['10.0.0.1', '0.0.0.0', '255.255.255.255', 'fd00::1', '::1', '::', '2001:db8:0:0:0:0:0:1', '::ffff:192.0.2.1', 'fe80::1%eth0']) expect(isIpAddress(ok), ok).toBe(true);
    for (const bad of ['10.0.0.256', '10.0.0', '010.0.0.1', '1.2.3.4.5', 'fd00:::1', '1:2:3:4:5:6:7:8:9', 'pve1', '', 'fd00::1::2']) expect(isIpAddress(bad), bad).toBe(false);
  });
  it('masks host bits and checks containment and overlap', () => {
    expect(parseCidr('10.1.2.3/16')).toEqual({ family: 4, network: parseIp('10.1.0.0')!.value, bits: 16 });
    expect(cidrContains(parseCidr('10.1.0.0/16')!, parseIp('10.1.255.7')!)).toBe(true);
    expect(cidrContains(parseCidr('10.1.0.0/16')!, parseIp('10.2.0.1')!)).toBe(false);
    expect(cidrContains(parseCidr('fd00::/64')!, parseIp('fd00::42')!)).toBe(true);
    expect(cidrsOverlap(parseCidr('10.0.0.0/8')!, parseCidr('10.9.0.0/24')!)).toBe(true);
    expect(cidrsOverlap(parseCidr('10.0.0.0/24')!, parseCidr('10.0.1.0/24')!)).toBe(false);
    expect(isCidr('10.0.0.0/33')).toBe(false);
    expect(isCidr('fd00::/129')).toBe(false);
  });
  it('reads IPv6 addresses from YAML as text, in flow and block style', () => {
    const text = 'version: 1\nname: v6\nsites: [{name: s, kind: lan}]\nnetworks:\n  - {name: n, roles: [corosync], cidr: "fd00::/64"}\nnodes:\n  - {name: a, site: s, addresses: {n: fd00::1}}\n  - name: b\n    site: s\n    addresses:\n      n: fd00::2\n';
    const parsed = parseWorkspace(text);
    expect(parsed.issues).toEqual([]);
    expect(parsed.workspace!.nodes.map((n) => n.addresses.n)).toEqual(['fd00::1', 'fd00::2']);
  });
});
