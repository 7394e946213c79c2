// One badge per cluster at the canvas's top edge whose stack reports quorum: quorate or not, votes, and when
// that was read. A click asks the cluster again through its stack (its status method: quorum from its API,
// votes from corosync-quorumtool on a member).
import { Badge, Group, Tooltip } from '@mantine/core';
import { useMemo, useState } from 'react';
import { groupsOf } from '../../../../main/common/stacks/compose.js';
import { useAppState } from '../../store/context.js';
import { clusterState } from './element-state.js';
import { stateColours } from './link-styles.js';

export function ClusterBadges() {
  // Select the stable workspace object: a selector returning a fresh [] would re-render without end.
  const workspace = useAppState((s) => s.workspace);
  const clusters = useMemo(() => (workspace ? groupsOf(workspace).filter((g) => g.kind === 'cluster') : []), [workspace]);
  const statuses = useAppState((s) => s.clusterStatuses);
  const readClusterStatus = useAppState((s) => s.readClusterStatus);
  const [reading, setReading] = useState<string | null>(null);
  const shown = clusters.filter((c) => statuses[c.name]);
  if (!shown.length) return null;
  return (
    <Group className="cw-cluster-badges" gap={6}>
      {shown.map((c) => {
        const status = statuses[c.name]!;
        const failed = 'error' in status;
        const label = failed ? `${c.name}: status unknown` : `${c.name}: ${status.quorate ? 'quorate' : 'NOT quorate'}${status.totalVotes !== undefined ? ` · ${status.totalVotes}/${status.expectedVotes ?? '?'} votes` : ''}${status.qdevice ? ' · QDevice' : ''}`;
        const detail = failed
          ? status.error
          : `${status.nodes.map((n) => `${n.name} ${n.online ? 'online' : 'offline'}`).join(', ')}; ${status.votesFrom ?? ''}; read ${new Date(status.checkedAt).toLocaleTimeString()} — click to read again`;
        return (
          <Tooltip key={c.name} label={detail} multiline w={320}>
            <Badge
              color={clusterState(status).state === 'unmeasured' ? 'gray' : stateColours[clusterState(status).state]}
              data-state={clusterState(status).state}
              variant="filled"
              style={{ cursor: 'pointer', opacity: reading === c.name ? 0.6 : 1, textTransform: 'none' }}
              onClick={() => {
                setReading(c.name);
                readClusterStatus(c.name)
                  .catch(() => undefined)
                  .finally(() => setReading(null));
              }}
              data-testid={`cluster-status-${c.name}`}
            >
              {label}
            </Badge>
          </Tooltip>
        );
      })}
    </Group>
  );
}
