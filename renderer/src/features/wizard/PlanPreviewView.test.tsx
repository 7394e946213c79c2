// The plan preview rendered on the server side of React (no browser): destructive steps are marked and
// each has its approval box; one line per step names its node; details stay collapsed until asked.
import { describe, expect, it } from 'vitest';
import { renderToStaticMarkup } from 'react-dom/server';
import { MantineProvider } from '@mantine/core';
import type { PlanPreview } from '../../../../main/common/contract/plan.js';
import { PlanPreviewView } from './PlanPreviewView.js';

const step = (id: string, target: string, extra: Partial<PlanPreview['steps'][number]> = {}): PlanPreview['steps'][number] => ({
  id,
  title: `Step ${id}`,
  target,
  kind: 'exec',
  destructive: false,
  idempotent: true,
  dependsOn: [],
  timeoutMs: 30_000,
  retryAttempts: 1,
  command: 'true',
  ...extra,
});

const preview: PlanPreview = {
  planId: 'remove-node',
  title: 'Remove pve3',
  planHash: 'a'.repeat(64),
  approved: false,
  destructiveSteps: ['delnode'],
  unapprovedDestructive: ['delnode'],
  secrets: [],
  warnings: [],
  readFailures: [{ stepId: 'stop', target: 'node pve3', code: 'UNREACHABLE' }],
  steps: [step('stop', 'node pve3', { command: 'systemctl stop pve-cluster corosync' }), step('delnode', 'node pve1', { title: 'Remove pve3 from the cluster', command: 'pvecm delnode pve3', destructive: true, idempotent: false })],
};

const render = (acknowledged: string[]) =>
  renderToStaticMarkup(
    <MantineProvider>
      <PlanPreviewView preview={preview} acknowledged={acknowledged} onAcknowledge={() => undefined} />
    </MantineProvider>,
  );

describe('the plan preview view', () => {
  it('marks the destructive step, with its approval box, and only that one', () => {
    const html = render([]);
    expect(html.match(/data-destructive="true"/g)).toHaveLength(1);
    expect(html).toMatch(/data-testid="plan-step-delnode"[^>]*data-destructive="true"/);
    expect(html).toContain('data-testid="approve-delnode"');
    expect(html).not.toContain('data-testid="approve-stop"');
    expect(html).toContain('>destructive<');
    expect(html).toContain('1 destructive (tick each to approve it)');
    // What the preview could not read live is said on the step.
    expect(html.replace(/<!-- -->/g, '')).toMatch(/data-testid="plan-step-read-failure-stop"[^]{0,300}not read live: UNREACHABLE/);
    expect(html).not.toContain('plan-step-read-failure-delnode');
  });

  it('shows one line per step with its node and what it does, details collapsed', () => {
    const html = render(['delnode']).replace(/<!-- -->/g, '');
    expect(html).toMatch(/1\. <\/span><span[^>]*>node pve3<\/span> · Step stop<span[^>]*> — runs systemctl stop pve-cluster/);
    expect(html).toMatch(/2\. <\/span><span[^>]*>node pve1<\/span> · Remove pve3 from the cluster<span[^>]*> — runs pvecm delnode pve3/);
    expect(html).not.toContain('plan-step-details-');
    expect(html).toMatch(/data-testid="approve-delnode"[^>]*checked/);
  });
});
