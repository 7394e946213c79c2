// A finding's action that edits the workspace does the remedy: after it, the rule no longer finds it.
import { describe, expect, it } from 'vitest';
import { estate, overlayFacts } from '../../../../main/common/overlay/test-estate.js';
import { validateWorkspace, type Finding } from '../../../../main/common/workspace/rules/index.js';
import type { Workspace } from '../../../../main/common/workspace/schema.js';
import { createFakeTransport } from '../../transport/fake.js';
import { createAppStore } from '../../store/index.js';
import { findingEdit } from './finding-actions.js';

function fix(ws: Workspace, finding: Finding): Workspace {
  const change = findingEdit(finding.action!);
  expect(change).not.toBeNull();
  const store = createAppStore(createFakeTransport({}));
  store.getState().setWorkspace(ws);
  expect(store.getState().edit(change!.apply, change!.label)).toBeNull();
  return store.getState().workspace!;
}

const narrowPath = [{ from: 'pve1', to: 'pve3', fromSite: 'home', toSite: 'cloud', address: '192.0.2.13', family: 4 as const, mtu: 1420, probes: 4 }];

describe('finding actions that edit the workspace', () => {
  it('sets the keepalive a NAT needs, and the keepalive finding is gone', () => {
    const ws = estate({ behindNat: ['pve1'], keepalive: 120 });
    const finding = validateWorkspace(ws).find((f) => f.ruleId === 'overlay.nat-keepalive')!;
    expect(finding.action).toEqual({ id: 'set-overlay-keepalive', overlay: 'sites', seconds: 25 });
    const fixed = fix(ws, finding);
    expect(fixed.overlays![0]!.keepalive).toBe(25);
    expect(validateWorkspace(fixed).filter((f) => f.ruleId === 'overlay.nat-keepalive')).toEqual([]);
  });

  it('sets the MTU the measured path allows, and the MTU error is gone', () => {
    const ws = estate({ mtu: 1420 });
    const facts = overlayFacts({ pathMtu: narrowPath });
    const finding = validateWorkspace(ws, facts).find((f) => f.ruleId === 'overlay.mtu' && f.severity === 'error')!;
    const fixed = fix(ws, finding);
    expect(fixed.overlays![0]!.mtu).toBe(1360);
    expect(validateWorkspace(fixed, facts).filter((f) => f.ruleId === 'overlay.mtu' && f.severity === 'error')).toEqual([]);
  });

  it('switches a QDevice to ffsplit, and the algorithm finding is gone', () => {
    const ws = estate();
    ws.nodes.push({ name: 'pve4', site: 'office', addresses: { wan: '192.0.2.14' } }, { name: 'qnetd', site: 'cloud', addresses: { wan: '192.0.2.20' } });
    ws.proxmox!.clusters[0]!.nodes.push('pve4');
    ws.proxmox!.clusters[0]!.qdevice = { host: 'qnetd', algorithm: 'lms' };
    const finding = validateWorkspace(ws).find((f) => f.ruleId === 'proxmox.qdevice-placement' && f.action?.id === 'set-qdevice-algorithm')!;
    const fixed = fix(ws, finding);
    expect(fixed.proxmox!.clusters[0]!.qdevice).toEqual({ host: 'qnetd', algorithm: 'ffsplit' });
    expect(validateWorkspace(fixed).filter((f) => f.action?.id === 'set-qdevice-algorithm')).toEqual([]);
  });

  it('opens something instead of editing for the other actions, and refuses an edit whose target is gone', () => {
    expect(findingEdit({ id: 'measure-latency' })).toBeNull();
    expect(findingEdit({ id: 'add-qdevice-host', cluster: 'homelab' })).toBeNull();
    const store = createAppStore(createFakeTransport({}));
    store.getState().setWorkspace(estate());
    const change = findingEdit({ id: 'set-overlay-keepalive', overlay: 'gone', seconds: 25 })!;
    expect(store.getState().edit(change.apply, change.label)).toMatch(/there is no overlay gone any more/);
  });
});

describe('opening the wizard for a finding', () => {
  it('remembers the cluster and the place, and tells repeated requests apart', () => {
    const store = createAppStore(createFakeTransport({}));
    store.getState().openWizard({ stack: 'proxmox', cluster: 'homelab', focus: 'password' });
    const first = store.getState().wizard!;
    expect(first).toMatchObject({ cluster: 'homelab', focus: 'password' });
    store.getState().closeWizard();
    expect(store.getState().wizard).toBeNull();
    store.getState().openWizard({ stack: 'proxmox', cluster: 'homelab', focus: 'password' });
    expect(store.getState().wizard!.seq).toBeGreaterThan(first.seq);
  });
});
