// The Proxmox client's checks that happen before anything is sent: schema, token limits, fingerprints, UPIDs.
import { describe, expect, it } from 'vitest';
import { CwError } from '../../../common/errors.js';
import { PveApiSchema } from './api-schema.js';
import { normalizeFingerprint, parseUpid, PveClient } from './client.js';

const schema = new PveApiSchema();
const fp = 'ab:'.repeat(31) + 'cd';
// Port 1 on loopback: nothing listens, so any request that did leave would fail as UNREACHABLE.
const endpoint = { host: '127.0.0.1', port: 1, fingerprint: fp };
const tokenSecret = '7b1f6a5e-2f7c-4a39-9d54-0c6a1b2e3f40';

async function failure(p: Promise<unknown>): Promise<CwError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(CwError);
  return err as CwError;
}

describe('before sending anything', () => {
  it('refuses, for an API token, the calls only root@pam may make, naming what to do', async () => {
    const c = new PveClient({ endpoint, credentials: { kind: 'token', tokenId: 'monitor@pve!dash', secret: tokenSecret }, schema });
    const err = await failure(c.post('/cluster/config/join', { hostname: '198.18.1.1', password: 'x', fingerprint: fp }));
    expect(err.code).toBe('FORBIDDEN');
    expect(err.message).toMatch(/Joins this node into an existing cluster.*root@pam with its password.*Proxmox refuses API tokens/);
    expect(err.detail).toMatchObject({ template: '/cluster/config/join', needs: 'root@pam' });
    expect(c.requestCount).toBe(0);
  });

  it('refuses a request the schema rejects, with every reason, and never echoes a password', async () => {
    const c = new PveClient({ endpoint, credentials: { kind: 'token', tokenId: 'monitor@pve!dash', secret: tokenSecret }, schema });
    const err = await failure(c.get('/nodes/pve_1/qemu/12/migrate', { target: 'pve2', bogus: 1 }));
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toMatch(/node: invalid format/);
    expect(err.message).toMatch(/vmid: invalid format - value does not look like a valid VM ID/);
    expect(err.message).toMatch(/bogus: property is not defined/);
    expect(c.refusedCount).toBe(1);
    const rootClient = new PveClient({ endpoint, credentials: { kind: 'password', username: 'root@pam', password: 'S3cret-pass' }, schema });
    const login = await failure(rootClient.login());
    expect(login.code).toBe('UNREACHABLE');
    expect(login.message).toMatch(/127\.0\.0\.1:1/);
    expect(login.message).not.toContain('S3cret-pass');
  });
});

describe('fingerprints and task IDs', () => {
  it('normalizes fingerprints the way Proxmox prints them and rejects anything else', () => {
    expect(normalizeFingerprint(fp)).toBe('AB:'.repeat(31) + 'CD');
    expect(normalizeFingerprint('ab'.repeat(31) + 'cd')).toBe('AB:'.repeat(31) + 'CD');
    expect(() => normalizeFingerprint('AB:CD')).toThrow(/not a SHA-256 certificate fingerprint/);
  });

  it('reads the node, type and user from a UPID', () => {
    expect(parseUpid('UPID:pve2:0000C0DE:00ABCDEF:6745A0B1:qmigrate:100:root@pam:')).toEqual({ node: 'pve2', starttime: 0x6745a0b1, type: 'qmigrate', id: '100', user: 'root@pam' });
    expect(parseUpid('UPID:pve1:00001234:00000042:6745A0B1:clusterjoin::root@pam:')).toMatchObject({ type: 'clusterjoin', id: '' });
    expect(() => parseUpid('not-a-upid')).toThrow(/not a Proxmox task ID/);
  });
});
