// The inspector for a cluster (or region) picked in the Monitor tab: its quorum over time where its stack
// reads one, the timeline of its services, resources, hosts, health and APIs, what is not ok in the last round,
// and the alerts that concern it now.
import { Stack, Text, Title } from '@mantine/core';
import { useMemo } from 'react';
import { clusterSeriesKey } from '../../../../main/common/monitor/model.js';
import { useAppState } from '../../store/context.js';
import { ClusterChart } from './ClusterChart.js';
import { ClusterTimeline } from './ClusterTimeline.js';
import { clusterSeries, clusterTimeline } from './series.js';

export function ClusterInspector({ stack, name }: { stack: string; name: string }) {
  const rounds = useAppState((s) => s.rounds);
  const alerts = useAppState((s) => s.alerts);
  const points = useMemo(() => clusterSeries(rounds, stack, name), [rounds, stack, name]);
  const rows = useMemo(() => clusterTimeline(rounds, stack, name), [rounds, stack, name]);
  const key = clusterSeriesKey(stack, name);
  const mine = alerts.filter((a) => a.subject === key || a.subject.startsWith(`${key}/`));
  const last = [...rounds].reverse().find((r) => r.clusters.some((c) => clusterSeriesKey(c.stack, c.cluster) === key))?.clusters.find((c) => clusterSeriesKey(c.stack, c.cluster) === key);
  const hasQuorum = points.some((p) => p.quorate !== undefined || p.totalVotes !== undefined);
  return (
    <Stack gap="xs" data-testid="cluster-inspector">
      <Title order={3} size="h5">
        {name}
      </Title>
      {!last ? (
        <Text size="xs" c="dimmed">
          Nothing recorded for it yet: start monitoring in the Monitor tab.
        </Text>
      ) : (
        <Text size="xs" c="dimmed" data-testid="cluster-inspector-summary">
          {last.reachable ? `Read${last.readOn ? ` on ${last.readOn}` : ''}` : `No answer${last.error ? `: ${last.error}` : ''}`}
          {last.health ? ` · health ${last.health.status}` : ''}
          {last.apis?.length ? ` · ${last.apis.map((a) => `${a.name} ${a.reachable ? `${a.ms ?? '?'} ms` : 'no answer'}`).join(', ')}` : ''}
          {last.services?.length ? ` · ${last.services.filter((s) => s.level === 'ok').length} of ${last.services.length} ok` : ''}
        </Text>
      )}
      {hasQuorum && <ClusterChart points={points} title={name} />}
      <ClusterTimeline rows={rows} title={name} />
      {mine.map((x) => (
        <Text key={x.id} size="xs" c={x.severity === 'error' ? 'red' : 'orange'} data-testid="cluster-alert">
          {x.message} (since {new Date(x.startedAt).toLocaleTimeString()})
        </Text>
      ))}
    </Stack>
  );
}
