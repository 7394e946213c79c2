// The one legend for link roles and state colours.
import { Group, Paper, Stack, Text } from '@mantine/core';
import { roleStyles, stateColours, stateLabels } from './link-styles.js';

export function Legend() {
  return (
    <Paper withBorder p="xs" radius="md" className="cw-legend" aria-label="Legend">
      <Stack gap={4}>
        {Object.entries(roleStyles).map(([role, style]) => (
          <Group key={role} gap={6} wrap="nowrap">
            <svg width="34" height="8" aria-hidden="true">
              <line x1="1" y1="4" x2="33" y2="4" stroke={style.hue} strokeWidth={style.width} strokeDasharray={style.dash} />
            </svg>
            <Text size="xs">{style.label}</Text>
          </Group>
        ))}
        <Group gap={6} wrap="nowrap">
          <svg width="34" height="8" aria-hidden="true">
            <line x1="1" y1="4" x2="33" y2="4" stroke={roleStyles.corosync.hue} strokeWidth={2.5} strokeDasharray="7 4" />
          </svg>
          <Text size="xs">Corosync link1</Text>
        </Group>
        {Object.entries(stateColours).map(([state, colour]) => (
          <Group key={state} gap={6} wrap="nowrap">
            <svg width="34" height="10" aria-hidden="true">
              <circle cx="17" cy="5" r="5" fill={colour} />
            </svg>
            <Text size="xs">{stateLabels[state as keyof typeof stateLabels]}</Text>
          </Group>
        ))}
      </Stack>
    </Paper>
  );
}
