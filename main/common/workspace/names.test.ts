// Names that end up on hosts, checked by the rules of the system that reads them, and refused in a
// workspace file with the field, line and column.
import { describe, expect, it } from 'vitest';
import { checkEndpoint, checkHost, checkIdentityFile, checkIpAddress, checkJumpSpec, checkSshHost, checkUserName } from './names.js';
import { isCidr } from './ip.js';
import { parseWorkspace } from './parse.js';

const ok = (check: (v: string) => string | undefined, values: string[]) => values.forEach((v) => expect(check(v), JSON.stringify(v)).toBeUndefined());
const bad = (check: (v: string) => string | undefined, values: string[]) => values.forEach((v) => expect(check(v), JSON.stringify(v)).toBeDefined());

describe('names on hosts', () => {
  it('takes an IPv6 zone id only as an interface name (letters, digits, . _ -, at most 15 characters)', () => {
    ok(checkIpAddress, ['10.0.0.1', 'fd00::1', 'fe80::1%eth0', 'fe80::1%vmbr0.10', 'fe80::1%enp0s31f6', 'fe80::1%2', 'fe80::1%a_b-c.d']);
    bad(checkIpAddress, ['fe80::1%$(reboot)', 'fe80::1%eth0;id', 'fe80::1%', 'fe80::1%eth 0', 'fe80::1%abcdefghijklmnop', 'fe80::1%..', '10.0.0.1%eth0', 'fe80::1%eth0%eth1', '-1.2.3.4']);
    expect(isCidr('fd00::%eth0/64')).toBe(false);
  });

  it('checks host names by RFC 1123 and SSH hosts as host names, addresses or ssh_config aliases, never options', () => {
    ok(checkHost, ['pve1', 'pve1.example.lan', 'a-b.c', '10.0.0.1', 'fe80::1%eth0']);
    bad(checkHost, ['-pve1', 'pve1-', 'pve_1', 'a..b', 'pve1 ', '', 'x'.repeat(64), '1.2.3']);
    ok(checkSshHost, ['pve1', 'my_alias', '10.0.0.1', 'fe80::1%eth0']);
    bad(checkSshHost, ['-oProxyCommand=id', 'host;id', 'a b', '$(id)', '..', 'a..b']);
  });

  it('takes POSIX user names, not options, not all digits', () => {
    ok(checkUserName, ['root', 'admin', 'ceph-deploy', 'svc_backup', 'a.b', '_apt']);
    bad(checkUserName, ['-oProxyCommand=id', '', '1000', 'root user', 'root;id', "{{ lookup('pipe','id') }}", 'x'.repeat(33), '.']);
  });

  it('takes identity files as absolute paths or under ~/, on one line', () => {
    ok(checkIdentityFile, ['/root/.ssh/id_ed25519', '~/.ssh/id ed25519']);
    bad(checkIdentityFile, ['id_rsa', '~root/.ssh/id', '/a\nb', '/a\0b', '-i']);
  });

  it('takes jump hosts as OpenSSH writes them', () => {
    ok(checkJumpSpec, ['pve1', 'admin@bastion.example.lan', 'admin@bastion:2222', 'root@[fd00::1]:22']);
    bad(checkJumpSpec, ['-oProxyCommand=id', 'a@-b', 'bastion:99999', 'x y', 'user;id@host']);
  });

  it('takes API endpoints as host[:port], never URLs or user parts', () => {
    ok(checkEndpoint, ['pve1', 'pve1:8006', '10.0.0.1:8006', '[fd00::1]:8006', 'fd00::1']);
    bad(checkEndpoint, ['pve1:0', 'pve1:x', 'https://pve1', 'pve1/x', 'a@pve1:8006']);
  });
});

describe('a workspace file with a hostile value', () => {
  it('is refused at the field, with its line and column and what was expected', () => {
    const text = [
      'version: 1',
      'name: t',
      'sites: [{ name: s, kind: lan }]',
      'networks: [{ name: n, roles: [corosync] }]',
      'nodes:',
      '  - name: a',
      '    site: s',
      "    addresses: { n: 'fe80::1%$(touch /tmp/x)' }",
      "    ssh: { user: '{{ lookup(\"pipe\", \"id\") }}' }",
      '',
    ].join('\n');
    const parsed = parseWorkspace(text);
    expect(parsed.ok).toBe(false);
    const errors = parsed.issues.filter((i) => i.severity === 'error');
    expect(errors.map((i) => [i.path, i.line])).toEqual([
      ['nodes[0].addresses.n', 8],
      ['nodes[0].ssh.user', 9],
    ]);
    expect(errors[0]!.message).toMatch(/zone id after "%" that names an interface/);
    expect(errors[1]!.message).toMatch(/expected a user name .* found "\{\{ lookup/);
    expect(errors.every((i) => i.column !== undefined)).toBe(true);
  });
});
