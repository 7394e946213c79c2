// The one legend for link roles and state colours.
import { Button, Group, Paper, Popover, Stack, Text } from '@mantine/core';
import { roleStyles, stateColours, stateLabels } from './link-styles.js';

/** A small button at the canvas corner that opens the legend, so it never hides nodes. */
export function Legend() {
  return (
    <Popover position="top-end" withArrow shadow="md">
      <Popover.Target>
        <Button size="compact-xs" variant="default" className="cw-legend-button" aria-label="Show the legend">
          Legend
        </Button>
      </Popover.Target>
      <Popover.Dropdown p={0}>
        <LegendBody />
      </Popover.Dropdown>
    </Popover>
  );
}

export function LegendBody() {
  return (
    <Paper p="xs" radius="md" aria-label="Legend">
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
