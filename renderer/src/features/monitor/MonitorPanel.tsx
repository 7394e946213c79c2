// The Monitor tab: start or stop polling (and how often), what the last round did, the limits crossed now
// with the time each started, every cluster's quorum history and the timeline of its services (a click on a
// cluster shows all of it in the inspector).
import { Alert, Badge, Button, Group, Select, Stack, Text } from '@mantine/core';
import { useMemo, useState } from 'react';
import { clusterSeriesKey, linkSeriesKey } from '../../../../main/common/monitor/model.js';
import { useAppState } from '../../store/context.js';
import { ClusterChart } from './ClusterChart.js';
import { ClusterTimeline } from './ClusterTimeline.js';
import { clusterSeries, clusterTimeline, linkSeries } from './series.js';
import { Sparkline } from './Sparkline.js';

const clock = (t: number) => new Date(t).toLocaleTimeString();

export function MonitorPanel() {
  const monitor = useAppState((s) => s.monitor);
  const monitorError = useAppState((s) => s.monitorError);
  const rounds = useAppState((s) => s.rounds);
  const alerts = useAppState((s) => s.alerts);
  const start = useAppState((s) => s.startMonitor);
  const stop = useAppState((s) => s.stopMonitor);
  const [interval, setIntervalS] = useState('30');
  const select = useAppState((s) => s.select);
  /** Every link of the last round, worst first (lost probes, then the longest round trip). */
  const links = useMemo(() => {
    const last = rounds[rounds.length - 1];
    if (!last) return [];
    return last.links
      .filter((l) => l.source === 'ping')
      .sort((x, y) => y.lossPercent - x.lossPercent || (y.rttMs ?? 0) - (x.rttMs ?? 0))
      .slice(0, 40);
  }, [rounds]);
  const clusters = useMemo(() => {
    const seen = new Map<string, { stack: string; cluster: string }>();
    for (const r of rounds) for (const c of r.clusters) seen.set(clusterSeriesKey(c.stack, c.cluster), { stack: c.stack, cluster: c.cluster });
    return [...seen.values()];
  }, [rounds]);
  return (
    <Stack gap="sm" data-testid="monitor-panel">
      <Group gap="xs">
        <Select
          size="xs"
          w={120}
          aria-label="Polling interval"
          data={[
            { value: '2', label: 'Every 2 s' },
            { value: '10', label: 'Every 10 s' },
            { value: '30', label: 'Every 30 s' },
            { value: '120', label: 'Every 2 min' },
          ]}
          value={monitor?.running ? String(monitor.intervalS) : interval}
          onChange={(v) => v && setIntervalS(v)}
          allowDeselect={false}
          disabled={monitor?.running}
        />
        {monitor?.running ? (
          <Button size="xs" variant="default" onClick={() => void stop()} data-testid="monitor-stop">
            Stop monitoring
          </Button>
        ) : (
          <Button size="xs" onClick={() => void start(Number(interval))} data-testid="monitor-start">
            Start monitoring
          </Button>
        )}
      </Group>
      <Text size="xs" c="dimmed" data-testid="monitor-status">
        {monitor?.running ? `Polling every ${monitor.intervalS} s` : 'Not polling'}
        {monitor?.lastRoundAt ? ` · last round ${clock(monitor.lastRoundAt)}${monitor.lastRoundMs !== undefined ? ` (${(monitor.lastRoundMs / 1000).toFixed(1)} s)` : ''}` : ''}
        {monitor?.store ? ` · ${monitor.store.rounds} rounds kept (${(monitor.store.diskBytes / 1024).toFixed(0)} KiB; ${monitor.store.retentionDays} days, at most ${monitor.store.maxMiB} MiB)` : ''}
        {monitor?.backingOff.length ? ` · backing off: ${monitor.backingOff.join(', ')}` : ''}
      </Text>
      {(monitorError ?? monitor?.problem) && (
        <Text size="xs" c="red">
          {monitorError ?? monitor?.problem}
        </Text>
      )}
      <Text fw={600} size="sm">
        Limits crossed now
      </Text>
      {alerts.length === 0 ? (
        <Text size="xs" c="dimmed" data-testid="monitor-no-alerts">
          None.
        </Text>
      ) : (
        alerts.map((a) => (
          <Alert key={a.id} color={a.severity === 'error' ? 'red' : 'orange'} p="xs" data-testid="monitor-alert" data-kind={a.kind}>
            <Group gap={6} wrap="nowrap" align="flex-start">
              <Badge size="xs" color={a.severity === 'error' ? 'red' : 'orange'}>
                {a.kind}
              </Badge>
              <Text size="xs">
                {a.message} — since {clock(a.startedAt)}
              </Text>
            </Group>
          </Alert>
        ))
      )}
      {links.length > 0 && (
        <Text fw={600} size="sm">
          Links (last round, worst first)
        </Text>
      )}
      {links.map((l) => {
        const key = linkSeriesKey(l.network, l.a, l.b);
        return (
          <Group
            key={key}
            gap={6}
            wrap="nowrap"
            role="button"
            tabIndex={0}
            style={{ cursor: 'pointer' }}
            data-testid="monitor-link"
            data-link={key}
            aria-label={`Show the history of ${l.a} – ${l.b} on ${l.network}`}
            onClick={() => select({ kind: 'link', network: l.network, a: l.a, b: l.b })}
            onKeyDown={(e) => {
              if (e.key === 'Enter') select({ kind: 'link', network: l.network, a: l.a, b: l.b });
            }}
          >
            <svg width={90} height={22} aria-hidden="true">
              <Sparkline points={linkSeries(rounds, l.network, l.a, l.b).slice(-40)} width={90} height={22} />
            </svg>
            <Text size="xs" c={l.lossPercent >= 100 ? 'red' : undefined}>
              {l.a} – {l.b} ({l.network}): {l.lossPercent >= 100 ? 'down' : `${l.rttMs?.toFixed(1) ?? '?'} ms${l.lossPercent ? `, ${l.lossPercent.toFixed(0)} % loss` : ''}`}
            </Text>
          </Group>
        );
      })}
      {clusters.map((c) => (
        <Stack key={`${c.stack}/${c.cluster}`} gap={2}>
          <Text
            fw={600}
            size="sm"
            role="button"
            tabIndex={0}
            style={{ cursor: 'pointer' }}
            data-testid="monitor-cluster"
            data-cluster={c.cluster}
            aria-label={`Show the state of ${c.cluster} over time`}
            onClick={() => select({ kind: 'cluster', stack: c.stack, name: c.cluster })}
            onKeyDown={(e) => {
              if (e.key === 'Enter') select({ kind: 'cluster', stack: c.stack, name: c.cluster });
            }}
          >
            Cluster {c.cluster}
          </Text>
          {clusterSeries(rounds, c.stack, c.cluster).some((p) => p.quorate !== undefined || p.totalVotes !== undefined) && <ClusterChart points={clusterSeries(rounds, c.stack, c.cluster)} title={c.cluster} />}
          <ClusterTimeline rows={clusterTimeline(rounds, c.stack, c.cluster)} title={c.cluster} maxRows={4} />
        </Stack>
      ))}
    </Stack>
  );
}
