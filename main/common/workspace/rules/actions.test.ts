// The typed finding actions: a closed list the contract checks, each with a button text in the admin's
// words; anything else a reply or a file could carry is refused rather than shown or run.
import { describe, expect, it } from 'vitest';
import { findingActionIds, findingActionLabel, findingActionSchema, type FindingAction } from './actions.js';
import { findingSchema } from './types.js';

/** One well-formed action of each kind. */
const examples: FindingAction[] = [
  { id: 'measure-latency' },
  { id: 'set-cluster-api', cluster: 'homelab' },
  { id: 'store-cluster-password', cluster: 'homelab' },
  { id: 'accept-wan-layout', cluster: 'homelab' },
  { id: 'add-qdevice-host', cluster: 'homelab' },
  { id: 'add-corosync-link', cluster: 'homelab' },
  { id: 'open-networks' },
  { id: 'set-qdevice-algorithm', cluster: 'homelab', algorithm: 'ffsplit' },
  { id: 'set-overlay-keepalive', overlay: 'sites', seconds: 25 },
  { id: 'set-overlay-mtu', overlay: 'sites', mtu: 1360 },
];

const finding = {
  ruleId: 'proxmox.quorum-votes',
  severity: 'error',
  message: 'Cluster homelab has 2 votes.',
  elements: [],
  paths: ['proxmox.clusters[0].nodes'],
  remedy: 'Add a third node, or a QDevice.',
  source: { document: 'Proxmox VE Administration Guide', section: 'Requirements', url: 'https://pve.proxmox.com/pve-docs/chapter-pvecm.html' },
};

describe('finding actions', () => {
  it('covers every action id once, and each has a button text in words', () => {
    expect(examples.map((a) => a.id).sort()).toEqual([...findingActionIds].sort());
    const labels = examples.map((a) => findingActionLabel(a));
    expect(new Set(labels).size).toBe(labels.length);
    for (const label of labels) {
      expect(label).toMatch(/^[A-Z]/);
      expect(label).not.toMatch(/[[\]{}_]|\w\.\w|secrets|proxmox\./);
    }
    expect(findingActionLabel({ id: 'set-overlay-mtu', overlay: 'sites', mtu: 1360 })).toBe('Set the MTU to 1360');
    expect(findingActionLabel({ id: 'set-overlay-keepalive', overlay: 'sites', seconds: 25 })).toBe('Set the keepalive to 25 s');
  });

  it('parses each well-formed action unchanged', () => {
    for (const action of examples) expect(findingActionSchema.parse(action)).toEqual(action);
  });

  it('refuses unknown ids, missing targets and impossible figures', () => {
    const refused: unknown[] = [
      { id: 'run-command', command: 'rm -rf /' },
      { id: 'add-qdevice-host' },
      { id: 'add-corosync-link', cluster: '' },
      { id: 'set-qdevice-algorithm', cluster: 'homelab', algorithm: 'lms' },
      { id: 'set-overlay-mtu', overlay: 'sites', mtu: 0 },
      { id: 'set-overlay-mtu', overlay: 'sites', mtu: 1360.5 },
      { id: 'set-overlay-keepalive', overlay: 'sites', seconds: -25 },
      { id: 'set-cluster-api', cluster: 'x'.repeat(201) },
      'measure-latency',
    ];
    for (const action of refused) expect(findingActionSchema.safeParse(action).success, JSON.stringify(action)).toBe(false);
  });

  it('is checked as part of a finding: a finding with a made-up action does not pass the contract', () => {
    expect(findingSchema.safeParse({ ...finding, action: { id: 'add-qdevice-host', cluster: 'homelab' } }).success).toBe(true);
    expect(findingSchema.safeParse(finding).success).toBe(true);
    expect(findingSchema.safeParse({ ...finding, action: { id: 'open-shell', node: 'pve1' } }).success).toBe(false);
  });
});
