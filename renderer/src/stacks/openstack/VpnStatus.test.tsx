// The VPN run's verdict beside the run: connections no agent has brought up are a warning in the admin's words,
// connections that are up say so, and nothing is claimed before the run succeeded.
import { MantineProvider } from '@mantine/core';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { Job, JobStep } from '../../store/jobs-slice.js';
import type { PlanRun } from '../../features/wizard/use-plan-run.js';
import { VpnStatus } from './VpnStatus.js';

const step = (id: string, log: JobStep['log']): JobStep => ({ id, title: id, target: 'api openstack:RegionOne', state: 'skipped', attempt: 1, log });
const run = (status: Job['status'], steps: JobStep[]): PlanRun => ({
  preview: null,
  acknowledged: [],
  acknowledge: () => undefined,
  runId: 'r1',
  job: { runId: 'r1', status, steps, startedAt: '2026-12-05T12:00:00Z' },
  show: () => Promise.reject(new Error('not here')),
  start: () => Promise.resolve('r1'),
  cancel: () => Promise.resolve(),
  resume: () => Promise.resolve(),
});
const html = (r: PlanRun) => renderToStaticMarkup(
  <MantineProvider>
    <VpnStatus run={r} />
  </MantineProvider>,
);
const pending = (from: string, to: string) => ({ stream: 'stderr' as const, text: `warning: ${from} → ${to}: connection cw-${from}-to-${to} to 203.0.113.7 is PENDING_CREATE: created; no VPN agent has brought it up yet` });

describe('the VPN connections after the run', () => {
  it('warns that connections were created but no agent has brought them up, once per connection', () => {
    const markup = html(run('succeeded', [step('vpn-1-regionone-connection', [{ stream: 'stdout', text: 'RegionOne: IPsec site connection created' }]), step('vpn-1-verify', [pending('RegionOne', 'RegionTwo'), pending('RegionTwo', 'RegionOne'), pending('RegionOne', 'RegionTwo')])]));
    expect(markup).toContain('Created, not up yet');
    expect(markup.match(/created; no VPN agent has brought it up yet/g)).toHaveLength(2);
    expect(markup).not.toContain('warning: ');
    expect(markup).not.toContain('IPsec site connection created');
  });

  it('says the connections are up when neutron reports them ACTIVE', () => {
    const markup = html(run('succeeded', [step('vpn-1-verify', [{ stream: 'stdout', text: 'RegionOne → RegionTwo: connection x to 198.51.100.9 is ACTIVE (up)' }])]));
    expect(markup).toContain('Connections up');
    expect(markup).not.toContain('not up yet');
  });

  it('claims nothing while the run has not succeeded', () => {
    expect(html(run('failed', [step('vpn-1-verify', [pending('RegionOne', 'RegionTwo')])]))).not.toContain('data-testid');
    expect(html(run('running', []))).not.toContain('data-testid');
  });
});
