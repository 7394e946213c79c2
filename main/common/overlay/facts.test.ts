import { describe, expect, it } from 'vitest';
import { estateOf, factsForEstate } from '../workspace/facts.js';
import { estate, overlayFacts } from './test-estate.js';

describe("an overlay's stored tunnels belong to the estate they were read on", () => {
  const ws = estate();
  const current = { workspace: ws.name, nodes: Object.fromEntries(ws.nodes.map((n) => [n.name, { addresses: n.addresses }])) };
  const stored = (e = estateOf(ws)) => ({ overlays: overlayFacts({ estate: e, mtu: 1360 }).overlays });

  it('keeps them while the workspace and the members’ addresses are unchanged', () => {
    const checked = factsForEstate(stored(), current);
    expect(checked.facts.overlays?.[0]?.mtu).toBe(1360);
    expect(checked.setAside).toEqual([]);
  });

  it('sets them aside, saying why, when a member moved, the workspace is another, or no estate was recorded', () => {
    const moved = factsForEstate(stored(), { ...current, nodes: { ...current.nodes, pve3: { addresses: { wan: '192.0.2.99' } } } });
    expect(moved.facts.overlays).toBeUndefined();
    expect(moved.setAside.join(' ')).toMatch(/tunnels of overlay sites .* set aside: pve3 was measured at 192\.0\.2\.13 on wan and is now at 192\.0\.2\.99/);
    expect(factsForEstate(stored({ ...estateOf(ws), workspace: 'other' }), current).setAside.join(' ')).toMatch(/read on the workspace "other"/);
    const bare = overlayFacts({});
    expect(factsForEstate(bare, current).setAside.join(' ')).toMatch(/without a record of the estate/);
  });
});
