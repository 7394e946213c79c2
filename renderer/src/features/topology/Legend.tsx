// The one legend for link roles and state colours.
import { Button, Group, Paper, Popover, Stack, Text } from '@mantine/core';
import type { LinkState } from './graph.js';
import { roleStyles, stateColours, stateLabels, stateMeanings } from './link-styles.js';
import { TUNNEL_CORE, TUNNEL_WALL } from './Tunnels.js';

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
        {Object.entries(roleStyles).flatMap(([role, style]) =>
          style.numbered
            ? [
                <Group key={`${role}-link1`} gap={6} wrap="nowrap">
                  <svg width="34" height="8" aria-hidden="true">
                    <line x1="1" y1="4" x2="33" y2="4" stroke={style.hue} strokeWidth={style.width} strokeDasharray={style.numbered.link1} />
                  </svg>
                  <Text size="xs">{style.label} link1</Text>
                </Group>,
              ]
            : [],
        )}
        <Group gap={6} wrap="nowrap" data-testid="legend-tunnel">
          <svg width="34" height="10" aria-hidden="true">
            <line x1="3" y1="5" x2="31" y2="5" stroke={stateColours.ok} strokeWidth={TUNNEL_WALL} strokeLinecap="round" />
            <line x1="3" y1="5" x2="31" y2="5" className="cw-tunnel-core" strokeWidth={TUNNEL_CORE} strokeLinecap="round" />
          </svg>
          <Text size="xs" maw={240}>WireGuard tunnel (overlay): RTT over it, MTU, handshake age; red when down or its handshake is older than the keepalive allows</Text>
        </Group>
        {(Object.keys(stateColours) as LinkState[]).map((state) => (
          <Group key={state} gap={6} wrap="nowrap" align="flex-start" data-testid={`legend-state-${state}`}>
            <svg width="34" height="12" aria-hidden="true" style={{ flex: 'none' }}>
              <circle cx="17" cy="6" r="5" fill={stateColours[state]} />
            </svg>
            <div>
              <Text size="xs">{stateLabels[state]}</Text>
              <Text size="xs" c="dimmed" maw={240}>
                {stateMeanings[state]}
              </Text>
            </div>
          </Group>
        ))}
      </Stack>
    </Paper>
  );
}
