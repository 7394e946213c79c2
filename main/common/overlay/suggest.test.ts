import { describe, expect, it } from 'vitest';
import { checkReferences } from '../workspace/references.js';
import { workspaceSchema, type Workspace } from '../workspace/schema.js';
import { addOverlay, freeOverlayRange, suggestOverlay } from './suggest.js';
import { resolveOverlays } from './model.js';
import { estate } from './test-estate.js';

const plain = (): Workspace => {
  const { overlays: _none, ...ws } = estate();
  return structuredClone(ws) as Workspace;
};

describe('a new overlay for sites that meet over the Internet', () => {
  it('proposes every site when one is an Internet site, a range that overlaps no network, and a keepalive for NAT', () => {
    const ws = plain();
    ws.networks.push({ name: 'lan', roles: ['vm-data'], cidr: '10.99.0.0/23' });
    expect(suggestOverlay(ws)).toMatchObject({ name: 'sites', sites: ['home', 'office', 'cloud'], topology: 'mesh', addressRange: '10.99.2.0/24', keepalive: 25, port: 51820, newNetwork: 'overlay' });
  });

  it('proposes no sites when none is reached over the Internet, and names that are still free', () => {
    const ws = estate();
    ws.sites = ws.sites.map((s) => ({ ...s, kind: 'lan' }));
    ws.networks.push({ name: 'overlay', roles: ['corosync'] });
    const s = suggestOverlay(ws);
    expect(s.sites).toEqual([]);
    expect(s.name).toBe('sites2');
    expect(s.newNetwork).toBe('overlay2');
    // estate()'s own overlay holds 10.99.0.0/24, and mig 10.98.0.0/24.
    expect(freeOverlayRange(ws)).toBe('10.99.1.0/24');
  });

  it('writes an overlay that passes the schema and the cross-references, carrying a new network of its own', () => {
    const ws = plain();
    addOverlay(ws, { ...suggestOverlay(ws), behindNat: ['pve3'] });
    const parsed = workspaceSchema.parse(ws);
    expect(checkReferences(parsed).filter((r) => r.severity === 'error')).toEqual([]);
    expect(parsed.networks.at(-1)).toMatchObject({ name: 'overlay', roles: ['corosync'], cidr: '10.99.0.0/24' });
    const [resolved] = resolveOverlays(parsed);
    expect(resolved!.members.map((m) => [m.node, m.addresses[0]?.address])).toEqual([
      ['pve1', '10.99.0.1'],
      ['pve2', '10.99.0.2'],
      ['pve3', '10.99.0.3'],
    ]);
    expect(parsed.overlays?.[0]).toMatchObject({ underlay: 'wan', keepalive: 25, behindNat: ['pve3'], networks: ['overlay'] });
  });

  it('leaves a bad choice to the checks, which refuse it with the reason', () => {
    const ws = plain();
    addOverlay(ws, { ...suggestOverlay(ws), sites: ['mars'] });
    const parsed = workspaceSchema.parse(ws);
    expect(checkReferences(parsed).filter((r) => r.severity === 'error').map((r) => r.message).join('\n')).toMatch(/mars/);
  });
});
