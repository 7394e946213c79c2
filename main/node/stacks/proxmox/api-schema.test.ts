// The PVE schema validator against real entries of the official API schema (pve-docs 9.1.3).
import crypto from 'node:crypto';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compilePvePattern, parsePropertyString, PveApiSchema, defaultSchemaFile, validateValue } from './api-schema.js';

const schema = new PveApiSchema();
const issuesOf = (method: string, p: string, params: Record<string, unknown>): string[] =>
  schema.validateRequest(method, p, params).issues.map((i) => `${i.at}: ${i.message}`);

describe('the official API schema file', () => {
  it('is the pve-docs 9.1.3 copy noted in the fixture README', () => {
    const file = defaultSchemaFile();
    const sha = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    expect(fs.readFileSync(file.replace(/pve-apidata\.json$/, 'README.md'), 'utf8')).toContain(sha);
  });

  it('is read lazily, on first use, and only once', () => {
    const lazy = new PveApiSchema();
    expect(lazy.loaded).toBe(false);
    const readSpy = fs.readFileSync;
    let reads = 0;
    (fs as { readFileSync: typeof fs.readFileSync }).readFileSync = ((...args: Parameters<typeof fs.readFileSync>) => {
      if (String(args[0]).endsWith('pve-apidata.json')) reads++;
      return readSpy(...args);
    }) as typeof fs.readFileSync;
    try {
      lazy.match('GET', '/version');
      lazy.match('GET', '/cluster/status');
      lazy.templates();
    } finally {
      (fs as { readFileSync: typeof fs.readFileSync }).readFileSync = readSpy;
    }
    expect(lazy.loaded).toBe(true);
    expect(reads).toBe(1);
    expect(lazy.templates()).toHaveLength(435);
  });

  it('every pattern in the schema compiles for JavaScript', () => {
    const patterns: string[] = [];
    for (const t of schema.templates()) {
      for (const m of ['GET', 'POST', 'PUT', 'DELETE']) {
        const info = schema.method(t, m);
        if (info) JSON.stringify(info, (k, v: unknown) => (k === 'pattern' && typeof v === 'string' ? (patterns.push(v), v) : v));
      }
    }
    expect(patterns.length).toBeGreaterThan(60);
    expect(patterns.filter((p) => compilePvePattern(p) === null)).toEqual([]);
  });
});

describe('looking up a path', () => {
  it('finds the template and decodes the path parameters', () => {
    const m = schema.match('POST', '/nodes/pve1/qemu/100/migrate');
    expect(m?.template).toBe('/nodes/{node}/qemu/{vmid}/migrate');
    expect(m?.info.name).toBe('migrate_vm');
    expect(m?.pathParams).toEqual({ node: 'pve1', vmid: '100' });
    const upid = 'UPID:pve1:0000A1B2:0001C3D4:6745A0B1:qmigrate:100:root@pam:';
    expect(schema.match('GET', `/api2/json/nodes/pve1/tasks/${encodeURIComponent(upid)}/status`)?.pathParams.upid).toBe(upid);
  });

  it('prefers a literal segment over a parameter', () => {
    expect(schema.match('GET', '/cluster/config/join')?.template).toBe('/cluster/config/join');
    expect(schema.match('POST', '/cluster/config/nodes/pve2')?.template).toBe('/cluster/config/nodes/{node}');
  });

  it('knows which methods only root@pam may call', () => {
    expect(schema.rootOnly('/cluster/config', 'POST')).toBe(true);
    expect(schema.rootOnly('/cluster/config/join', 'POST')).toBe(true);
    expect(schema.rootOnly('/cluster/config/nodes/{node}', 'DELETE')).toBe(true);
    expect(schema.rootOnly('/cluster/status', 'GET')).toBe(false);
  });

  it('rejects an unknown path and a method the path does not have', () => {
    expect(issuesOf('GET', '/cluster/nope', {})[0]).toMatch(/no such path/);
    expect(issuesOf('DELETE', '/version', {})[0]).toMatch(/method DELETE is not implemented/);
  });
});

describe('request parameters', () => {
  it('accepts a cluster create with two links, priorities and a token coefficient', () => {
    expect(issuesOf('POST', '/cluster/config', { clustername: 'homelab', link0: 'address=198.18.0.1,priority=20', link1: '198.19.0.1', 'token-coefficient': '650' })).toEqual([]);
  });

  it('rejects a cluster name longer than 15 characters or not a valid node name', () => {
    expect(issuesOf('POST', '/cluster/config', { clustername: 'a-very-long-cluster-name' })).toEqual(['clustername: value may only be 15 characters long']);
    expect(issuesOf('POST', '/cluster/config', { clustername: 'my_cluster' })[0]).toMatch(/clustername: invalid format - value does not look like a valid node name/);
  });

  it('checks link[n] property strings: keys, address format, priority range and the link0..link7 range', () => {
    expect(issuesOf('POST', '/cluster/config', { clustername: 'c', link0: 'address=1.2.3.4,priority=300' })[0]).toMatch(/link0: invalid format - priority: value must have a maximum value of 255/);
    expect(issuesOf('POST', '/cluster/config', { clustername: 'c', link0: 'address=1.2.3.4,weight=3' })[0]).toMatch(/invalid key in comma-separated list property: weight/);
    expect(issuesOf('POST', '/cluster/config', { clustername: 'c', link0: 'address=not_an@address' })[0]).toMatch(/address: invalid format - value does not look like a valid address/);
    expect(issuesOf('POST', '/cluster/config', { clustername: 'c', link0: '1.2.3.4,5.6.7.8' })[0]).toMatch(/duplicate key/);
    expect(issuesOf('POST', '/cluster/config', { clustername: 'c', link8: '1.2.3.4' })).toEqual([
      'link8: property is not defined in schema and the schema does not allow additional properties',
    ]);
  });

  it('rejects a parameter the method does not define, and a missing required one', () => {
    expect(issuesOf('POST', '/cluster/config/join', { hostname: 'pve1', password: 'x', fingerprint: 'AB:'.repeat(31) + 'CD', bogus: '1' })).toEqual([
      'bogus: property is not defined in schema and the schema does not allow additional properties',
    ]);
    expect(issuesOf('POST', '/cluster/config/join', { hostname: 'pve1', password: 'x' })).toEqual(['fingerprint: property is missing and it is not optional']);
  });

  it('checks a fingerprint against its pattern (anchored, as PVE does)', () => {
    const good = 'AB:'.repeat(31) + 'CD';
    expect(issuesOf('POST', '/cluster/config/join', { hostname: 'pve1', password: 'x', fingerprint: good })).toEqual([]);
    expect(issuesOf('POST', '/cluster/config/join', { hostname: 'pve1', password: 'x', fingerprint: `${good}:EF` })[0]).toMatch(/fingerprint: value does not match the regex pattern/);
  });

  it('checks vmid range and pve-vmid format, node names, enums and booleans', () => {
    expect(issuesOf('POST', '/nodes/pve1/qemu/100/migrate', { target: 'pve2', online: '1', 'with-local-disks': '1', targetstorage: 'local-lvm' })).toEqual([]);
    expect(issuesOf('POST', '/nodes/pve1/qemu/99/migrate', { target: 'pve2' })).toEqual(['vmid: invalid format - value does not look like a valid VM ID']);
    expect(issuesOf('POST', '/nodes/pve1/qemu/100/migrate', { target: 'pve_2' })[0]).toMatch(/^target: invalid format/);
    expect(issuesOf('POST', '/nodes/pve1/qemu/100/migrate', { target: 'pve2', migration_type: 'fast' })[0]).toMatch(/does not have a value in the enumeration 'secure, insecure'/);
    expect(issuesOf('POST', '/nodes/pve1/qemu/100/migrate', { target: 'pve2', online: 'true' })[0]).toMatch(/online: type check \('boolean'\) failed/);
    expect(issuesOf('POST', '/nodes/pve1/qemu/100/migrate', { target: 'pve2', bwlimit: '-5' })[0]).toMatch(/bwlimit: value must have a minimum value of 0/);
    expect(issuesOf('POST', '/nodes/pve1/qemu/100/migrate', { target: 'pve2', targetstorage: '1,local' })[0]).toMatch(/identity mapping cannot be combined/);
  });

  it('enforces "requires" (path needs privs on a ticket check)', () => {
    expect(issuesOf('POST', '/access/ticket', { username: 'root@pam', password: 'x', path: '/' })).toEqual(["privs: missing property required by 'path'"]);
  });

  it('validates HA rules by their type property and HA groups by their node list format', () => {
    expect(issuesOf('POST', '/cluster/ha/rules', { rule: 'keep-on-site-a', type: 'node-affinity', resources: 'vm:100,vm:101', nodes: 'pve1:2,pve2:1', strict: '1' })).toEqual([]);
    expect(issuesOf('POST', '/cluster/ha/rules', { rule: 'r1', type: 'node-affinity', resources: 'vm:100,box:1' })[0]).toMatch(/resources: invalid format/);
    expect(issuesOf('POST', '/cluster/ha/groups', { group: 'site-a', nodes: 'pve1:2,pve_2' })[0]).toMatch(/nodes: invalid format/);
    expect(issuesOf('POST', '/cluster/ha/groups', { group: '1bad', nodes: 'pve1' })[0]).toMatch(/group: invalid format - invalid configuration ID/);
  });
});

describe('responses', () => {
  it('accepts a /cluster/status reply as PVE sends it (booleans as 0/1) and rejects a wrong type', () => {
    const ok = [
      { type: 'cluster', id: 'cluster', name: 'homelab', nodes: 3, quorate: 1, version: 4 },
      { type: 'node', id: 'node/pve1', name: 'pve1', ip: '198.18.1.1', local: 1, nodeid: 1, online: 1, level: '' },
    ];
    expect(schema.validateResponse('GET', '/cluster/status', ok).issues).toEqual([]);
    const bad = [{ type: 'cluster', id: 'cluster', name: 'homelab', quorate: 'yes' }];
    expect(schema.validateResponse('GET', '/cluster/status', bad).issues[0]).toMatchObject({ at: '[0].quorate' });
    expect(schema.validateResponse('GET', '/cluster/status', [{ type: 'site', id: 'x', name: 'x' }]).issues[0]!.message).toMatch(/enumeration 'cluster, node'/);
  });

  it('rejects an extra key where the schema says additionalProperties 0 (join info)', () => {
    const info = { nodelist: [], preferred_node: 'pve1', totem: {}, config_digest: 'abc', secret: 'x' };
    expect(schema.validateResponse('GET', '/cluster/config/join', info).issues.map((i) => i.at)).toEqual(['secret']);
  });

  it('requires the non-optional keys of a task status', () => {
    const res = schema.validateResponse('GET', '/nodes/pve1/tasks/UPID%3Ax/status', { status: 'stopped', upid: 'x', node: 'pve1' });
    expect(res.issues.map((i) => i.at).sort()).toEqual(['id', 'pid', 'pstart', 'starttime', 'type', 'user']);
  });
});

describe('property strings', () => {
  it('parses the default key and named keys as PVE does', () => {
    const format = { address: { type: 'string', default_key: 1 }, priority: { type: 'integer', optional: 1 } };
    expect(parsePropertyString(format, '10.0.0.1')).toEqual({ value: { address: '10.0.0.1' } });
    expect(parsePropertyString(format, 'priority=5,address=10.0.0.1')).toEqual({ value: { priority: '5', address: '10.0.0.1' } });
    expect(parsePropertyString(format, 'priority=5,=x').error).toMatch(/missing key/);
    expect(validateValue('priority=5', { type: 'string', format }).issues[0]!.message).toMatch(/address: property is missing/);
  });
});
