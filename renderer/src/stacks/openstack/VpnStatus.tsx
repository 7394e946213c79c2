// The VPN run's verdict on each IPsec site connection, as its last step read it from neutron: "created, not up
// yet" (no VPN agent has taken it up) shown as a warning beside the run, not buried in a step's log.
import { Alert, Text } from '@mantine/core';
import type { PlanRun } from '../../features/wizard/use-plan-run.js';

/** What the VPN run's last step said about each connection: the warnings (not up yet) shown, not buried in a log. */
export function VpnStatus({ run }: { run: PlanRun }) {
  const lines = (run.job?.steps ?? []).filter((s) => s.id.endsWith('-verify')).flatMap((s) => s.log.filter((l) => /→/.test(l.text)).map((l) => l.text));
  if (!lines.length || run.job?.status !== 'succeeded') return null;
  const waiting = lines.filter((l) => l.startsWith('warning: '));
  return (
    <Alert color={waiting.length ? 'yellow' : 'green'} variant="light" p="xs" title={waiting.length ? 'Created, not up yet' : 'Connections up'} data-testid="openstack-vpn-status">
      {[...new Set(lines)].map((l) => (
        <Text size="xs" key={l}>
          {l.replace(/^warning: /, '')}
        </Text>
      ))}
    </Alert>
  );
}

