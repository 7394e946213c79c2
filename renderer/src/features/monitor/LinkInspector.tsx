// The inspector for a link (a node pair on one network): its history chart with the limit its traffic
// must keep, and the figures of the last round.
import { Stack, Text, Title } from '@mantine/core';
import { useMemo } from 'react';
import { limitsByNetwork } from '../../../../main/common/monitor/model.js';
import { trafficOf } from '../../../../main/common/stacks/compose.js';
import { useAppState } from '../../store/context.js';
import { LinkChart } from './LinkChart.js';
import { linkSeries } from './series.js';

export function LinkInspector({ network, a, b }: { network: string; a: string; b: string }) {
  const workspace = useAppState((s) => s.workspace);
  const rounds = useAppState((s) => s.rounds);
  const alerts = useAppState((s) => s.alerts);
  const points = useMemo(() => linkSeries(rounds, network, a, b), [rounds, network, a, b]);
  const limits = useMemo(() => (workspace ? limitsByNetwork(trafficOf(workspace)).get(network) : undefined), [workspace, network]);
  const mine = alerts.filter((x) => x.subject.startsWith(`link/${network}/`) && x.subject.includes(a) && x.subject.includes(b));
  return (
    <Stack gap="xs" data-testid="link-inspector">
      <Title order={3} size="h5">
        {a} – {b} on {network}
      </Title>
      <Text size="xs" c="dimmed">
        {limits ? `Held to ${limits.warnMs !== undefined ? `${limits.warnMs} ms (warning) and ` : ''}${limits.errorMs} ms: ${limits.label}.` : 'No round-trip limit applies to the traffic on this network.'}
      </Text>
      <LinkChart points={points} limits={limits} title={`${a} – ${b} on ${network}`} />
      {mine.map((x) => (
        <Text key={x.id} size="xs" c={x.severity === 'error' ? 'red' : 'orange'} data-testid="link-alert">
          {x.message} (since {new Date(x.startedAt).toLocaleTimeString()})
        </Text>
      ))}
    </Stack>
  );
}
