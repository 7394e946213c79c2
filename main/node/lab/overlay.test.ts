// What a lab with `internet` links needs for its overlay (pure): the programs, the overlay section
// its workspace gets, inside the lab's own address range.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkOverlayReferences } from '../../common/overlay/validate.js';
import { resolveOverlays } from '../../common/overlay/model.js';
import { labOverlay, labOverlayPrograms, labOverlayRange, internetLinks, withLabOverlay } from './overlay.js';
import { planLab } from './plan.js';
import { loadLabSpec } from './spec.js';
import { preflight } from './system.js';
import { describeLabWorkspace, labWorkspaceModel } from './workspace.js';

const internet = loadLabSpec(`
name: wg
sites:
  - name: a
    hosts: [a1, a2]
  - name: b
    hosts: [b1]
    link: man
  - name: c
    hosts: [c1]
    link: internet
  - name: d
    hosts: [d1]
`);
const plain = loadLabSpec(`
name: plain
sites:
  - name: a
    hosts: 2
  - name: b
    hosts: 1
    link: wan
`);

describe('the overlay of a lab', () => {
  it('joins the sites at either end of an internet link (the slower uplink decides a pair), and only labs that have one need wireguard', () => {
    expect(internetLinks(internet).map((l) => `${l.a}-${l.b}`)).toEqual(['a-c', 'b-c', 'c-d']);
    expect(labOverlayPrograms(internet)).toEqual(['wg', 'wg-quick', 'wireguard-go']);
    expect(labOverlayPrograms(plain)).toEqual([]);
    const plan = planLab(internet, { prefix: 'cwt', stateDir: '/tmp/cwt', slot: 3 });
    expect(labOverlay(plan)!.overlay).toMatchObject({ name: 'sites', sites: ['a', 'b', 'c', 'd'], addressRange: '198.18.139.0/24', underlay: 'management', keepalive: 25 });
    expect(labOverlayRange(plan)).toBe('198.18.139.0/24');
    expect(labOverlay(planLab(plain, { prefix: 'cwt', stateDir: '/tmp/cwt' }))).toBeUndefined();
  });

  it('gives the lab workspace a sound overlay whose addresses stay inside 198.18.0.0/15 and outside the lab\'s networks', () => {
    const plan = planLab(internet, { prefix: 'cwt', stateDir: '/tmp/cwt', slot: 1 });
    const ws = withLabOverlay(labWorkspaceModel(describeLabWorkspace(plan, { identityFile: '/tmp/cwt/id' })), plan);
    expect(checkOverlayReferences(ws)).toEqual([]);
    const resolved = resolveOverlays(ws)[0]!;
    expect(resolved.members.map((m) => `${m.node} ${m.endpoint?.host} ${m.addresses[0]!.address}`)).toEqual([
      'a1 198.18.17.11 198.18.137.1',
      'a2 198.18.17.12 198.18.137.2',
      'b1 198.18.18.11 198.18.137.3',
      'c1 198.18.19.11 198.18.137.4',
      'd1 198.18.20.11 198.18.137.5',
    ]);
  });

  it('names the Debian packages of missing overlay programs', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-no-wg-'));
    try {
      expect(() => preflight(['wg', 'wireguard-go'], { platform: 'linux', searchDirs: [empty] })).toThrow(/wireguard-tools \(for wg\), wireguard-go \(for wireguard-go\)/);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});
