// The Proxmox test server's reading of remote_migrate parameters: the endpoint property string and the
// storage / bridge id maps, with PVE's rules (pairs, one default, identity `1`, fallback to the same id).
import { describe, expect, it } from 'vitest';
import { PveApiSchema } from '../api-schema.js';
import { mapId, parseIdMap, parseRemoteEndpoint } from './remote-migrate.js';

const schema = new PveApiSchema();

describe('remote_migrate storage and bridge maps', () => {
  it('maps listed sources to their targets and leaves an unlisted source on the same id, as PVE does', () => {
    const map = parseIdMap('ceph-vm:local-lvm,local:local-zfs', 'storage');
    expect(map).toEqual({ identity: false, entries: { 'ceph-vm': 'local-lvm', local: 'local-zfs' } });
    expect(mapId(map, 'ceph-vm')).toBe('local-lvm');
    expect(mapId(map, 'nfs-images')).toBe('nfs-images');
  });

  it('sends every source to a single id given alone, except sources with their own pair', () => {
    const map = parseIdMap('vmbr1:vmbr9 vmbr0', 'bridge');
    expect(mapId(map, 'vmbr1')).toBe('vmbr9');
    expect(mapId(map, 'vmbr7')).toBe('vmbr0');
  });

  it('refuses two defaults, duplicate sources, identity mixed with pairs, and invalid ids', () => {
    expect(() => parseIdMap('local,local-lvm', 'storage')).toThrow('default target ID can only be provided once');
    expect(() => parseIdMap('a1:b1,a1:c1', 'storage')).toThrow("duplicate mapping for source 'a1'");
    expect(() => parseIdMap('1,local:x1', 'storage')).toThrow(/identity/);
    expect(() => parseIdMap('ceph vm:x', 'storage')).toThrow(/invalid/);
    expect(() => parseIdMap('a:b:c', 'bridge')).toThrow("invalid map entry 'a:b:c'");
    expect(parseIdMap('1', 'storage').identity).toBe(true);
  });
});

describe('remote_migrate target endpoint', () => {
  const fp = 'AB:'.repeat(31) + 'CD';
  it('reads token, host, port and fingerprint (the secret may contain dashes, the token id a "!")', () => {
    const text = `apitoken=PVEAPIToken=migrate@pve!east=0f6c-44aa-9c1e,host=198.18.0.1,port=8007,fingerprint=${fp}`;
    expect(schema.validateRequest('POST', '/nodes/a1/qemu/101/remote_migrate', { 'target-endpoint': text, 'target-storage': 'local', 'target-bridge': 'vmbr0' }, 'form').ok).toBe(true);
    expect(parseRemoteEndpoint(text)).toEqual({ tokenId: 'migrate@pve!east', secret: '0f6c-44aa-9c1e', host: '198.18.0.1', port: 8007, fingerprint: fp });
  });

  it('defaults the port to 8006 and leaves the fingerprint out when none is given', () => {
    expect(parseRemoteEndpoint('host=pve-west,apitoken=PVEAPIToken=root@pam!m=s3cret')).toEqual({ tokenId: 'root@pam!m', secret: 's3cret', host: 'pve-west', port: 8006 });
  });

  it('refuses a missing token or host, a password instead of a token, unknown keys and bad ports', () => {
    expect(() => parseRemoteEndpoint('host=1.2.3.4')).toThrow('apitoken: property is missing');
    expect(() => parseRemoteEndpoint('apitoken=PVEAPIToken=a@pve!t=x')).toThrow('host: property is missing');
    expect(() => parseRemoteEndpoint('apitoken=root@pam:secret,host=h')).toThrow(/PVEAPIToken=user@realm!token=SECRET/);
    expect(() => parseRemoteEndpoint('apitoken=PVEAPIToken=a@pve!t=x,host=h,user=root')).toThrow("invalid key 'user'");
    expect(() => parseRemoteEndpoint('apitoken=PVEAPIToken=a@pve!t=x,host=h,port=99999')).toThrow("port: invalid port '99999'");
  });
});
