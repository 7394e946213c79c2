import { describe, expect, it } from 'vitest';
import type { StepPreview } from '../../../../main/common/contract/plan.js';
import { splitMatches, stepGist, stepMatches, stepsByTarget } from './plan-summary.js';

const step = (extra: Partial<StepPreview>): StepPreview => ({
  id: 's',
  title: 'A step',
  target: 'pve1',
  kind: 'exec',
  destructive: false,
  idempotent: true,
  dependsOn: [],
  timeoutMs: 1000,
  retryAttempts: 1,
  ...extra,
});

describe('plan preview summaries', () => {
  it('says in a few words what each kind of step does', () => {
    expect(stepGist(step({ command: "pvecm create homelab --link0 10.10.0.11 --link1 10.11.0.11" }))).toBe('runs pvecm create homelab');
    expect(stepGist(step({ command: 'set -eu\ncd /etc/pve && systemctl restart corosync' }))).toBe('runs systemctl restart corosync');
    expect(stepGist(step({ kind: 'upload', upload: { path: '/etc/hosts', mode: '0644', diff: '--- a\n+++ b\n@@\n-old\n+new\n+more', exists: true, unchanged: false } }))).toBe('changes /etc/hosts (+2 −1)');
    expect(stepGist(step({ kind: 'upload', upload: { path: '/etc/x', mode: '0644', diff: '', exists: false, unchanged: false } }))).toBe('creates /etc/x');
    expect(stepGist(step({ kind: 'api', request: { method: 'POST', path: '/cluster/config' } }))).toBe('calls POST /cluster/config');
    expect(stepGist(step({ kind: 'wait', wait: { until: 'the cluster is quorate', intervalMs: 2000, deadlineMs: 120000 } }))).toBe('waits until the cluster is quorate (up to 120 s)');
    expect(stepGist(step({ kind: 'wait', wait: { until: '`out=$(timeout 3 corosync-quorumtool -s) && printf "%s" "$out" | awk \'/^Total votes:/\'` exits 0', intervalMs: 2000, deadlineMs: 60000 } }))).toBe('waits for its check to pass (up to 60 s)');
    expect(stepGist(step({ command: 'pvesh create /cluster/config --clustername homelab' }))).toBe('runs pvesh create /cluster/config');
  });

  it('finds steps by any word they show, every word of the query required', () => {
    const s = step({ title: 'Join pve2', command: 'pvecm add 10.10.0.11 --link0 10.10.0.12', rollback: 'pvecm delnode pve2' });
    expect(stepMatches(s, 'PVECM add')).toBe(true);
    expect(stepMatches(s, 'delnode')).toBe(true);
    expect(stepMatches(s, 'pvecm qdevice')).toBe(false);
    expect(stepMatches(s, '  ')).toBe(true);
  });

  it('marks the matched parts of a text', () => {
    expect(splitMatches('pvecm add --link0', 'ADD')).toEqual([
      ['pvecm ', false],
      ['add', true],
      [' --link0', false],
    ]);
    expect(splitMatches('abc', '')).toEqual([['abc', false]]);
  });

  it('groups the steps per node in plan order', () => {
    const grouped = stepsByTarget([step({ id: 'a', target: 'pve1' }), step({ id: 'b', target: 'pve2' }), step({ id: 'c', target: 'pve1' })]);
    expect([...grouped.entries()].map(([t, s]) => [t, s.map((x) => x.id)])).toEqual([
      ['pve1', ['a', 'c']],
      ['pve2', ['b']],
    ]);
  });
});
