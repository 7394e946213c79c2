// What an OpenStack move shows in the migration dialog: a live migration inside the region, or the steps of a
// cold copy into another region (snapshot, image copy, boot; the original's deletion only on approval).
import { List, Text } from '@mantine/core';
import type { MigrationFieldsProps } from '../types.js';

export function OpenstackMigrationFields({ verdict }: MigrationFieldsProps) {
  const details = verdict.details?.stack === 'openstack' ? verdict.details : undefined;
  if (!details) return null;
  if (!details.coldCopy) {
    return (
      <Text size="xs" c="dimmed" data-testid="openstack-move-kind">
        nova live migration inside region {details.region}: {details.sourceHost} → {details.targetHost} (block_migration auto, compute API 2.68).
      </Text>
    );
  }
  return (
    <div data-testid="openstack-cold-copy">
      <Text size="xs" fw={600}>
        Cold copy into region {details.coldCopy.targetRegion}: the server stops being one server. Nova cannot live-migrate between regions.
      </Text>
      <List size="xs">
        {details.coldCopy.steps.map((s) => (
          <List.Item key={s}>{s}</List.Item>
        ))}
      </List>
    </div>
  );
}
