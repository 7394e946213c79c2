// One line saying an element's state colour and why, for the inspectors (the canvas language).
import { Group, Text } from '@mantine/core';
import type { LinkState } from './graph.js';
import { stateColours, stateLabels } from './link-styles.js';

export function StateLine({ state, reason, testId }: { state: LinkState; reason?: string | undefined; testId?: string }) {
  return (
    <Group gap={6} wrap="nowrap" align="flex-start" data-testid={testId} data-state={state}>
      <span aria-hidden="true" style={{ flex: 'none', marginTop: 4, width: 9, height: 9, borderRadius: 9, background: stateColours[state] }} />
      <Text size="xs">
        <b>{stateLabels[state]}</b>
        {reason ? ` — ${reason}` : ''}
      </Text>
    </Group>
  );
}
