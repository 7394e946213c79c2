// The cluster timeline rendered on the server side of React (no browser): one row per service with its runs
// coloured by level, the current state on the row, the worst first, and what is not ok now in its label.
import { describe, expect, it } from 'vitest';
import { renderToStaticMarkup } from 'react-dom/server';
import { ClusterTimeline } from './ClusterTimeline.js';
import type { TimelineRow } from './series.js';
import { stateColours } from '../topology/link-styles.js';

const rows: TimelineRow[] = [
  { key: 'nova-compute/host2', label: 'nova-compute host2', segments: [{ from: 1000, to: 2000, level: 'ok', state: 'up' }, { from: 2000, to: 4000, level: 'error', state: 'down' }] },
  { key: 'nova-compute/host1', label: 'nova-compute host1', segments: [{ from: 1000, to: 4000, level: 'ok', state: 'up' }] },
];

describe('the cluster timeline', () => {
  it('draws each row’s runs in their colours and says what is not ok now', () => {
    const html = renderToStaticMarkup(<ClusterTimeline rows={rows} title="RegionOne" />);
    expect(html).toContain('aria-label="State of RegionOne over time: now not ok: nova-compute host2"');
    expect(html.match(/data-testid="timeline-row"/g)).toHaveLength(2);
    expect(html).toContain('data-row="nova-compute/host2" data-level="error" data-state="down"');
    expect(html.match(/<rect /g)).toHaveLength(3);
    expect(html).toContain(`fill="${stateColours.error}"`);
    expect(html).toMatch(/<title>nova-compute host2: down \(/);
    const later = renderToStaticMarkup(<ClusterTimeline rows={rows.slice(1)} title="RegionOne" />);
    expect(later).toContain('everything ok now');
    expect(renderToStaticMarkup(<ClusterTimeline rows={rows} title="R" maxRows={1} />)).toContain('+1 more');
    expect(renderToStaticMarkup(<ClusterTimeline rows={[]} title="R" />)).toBe('');
  });

  it('names each tick of its time axis apart, over seconds as over hours', () => {
    const ticks = (from: number, to: number) =>
      [...renderToStaticMarkup(<ClusterTimeline rows={[{ key: 'api/x', label: 'x', segments: [{ from, to, level: 'ok', state: '5 ms' }] }]} title="R" />).matchAll(/text-anchor="middle" class="cw-chart-tick"[^>]*>([^<]*)</g)].map((m) => m[1]);
    const start = new Date(2026, 11, 5, 12, 14, 41).getTime();
    // A few 2 s rounds span seconds: the ticks must not all read "12:14 PM", nor crowd seven into the axis.
    for (const span of [6_000, 8_000, 20_000, 60_000, 3 * 3_600_000]) {
      const labels = ticks(start, start + span);
      expect(labels.length, `ticks over ${span} ms`).toBeGreaterThanOrEqual(2);
      expect(labels.length, `ticks over ${span} ms`).toBeLessThanOrEqual(4);
      expect(new Set(labels).size, `distinct ticks over ${span} ms: ${labels.join(' ')}`).toBe(labels.length);
    }
    expect(ticks(start, start + 6_000).every((label) => /^:\d\d$/.test(label!))).toBe(true);
  });
});
