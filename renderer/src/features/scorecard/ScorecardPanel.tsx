// The inspector's Scorecard tab: each cluster's best practices with their evidence and the action that fixes
// each line (the stack's wizard, a latency measurement, the networks panel, a terminal on the node).
import { Badge, Button, Card, Group, Stack, Text, Tooltip } from '@mantine/core';
import { useMemo } from 'react';
import { scorecards } from '../../../../main/common/scorecard/scorecard.js';
import type { ScoreAction, ScoreStatus } from '../../../../main/common/scorecard/types.js';
import { useAppState } from '../../store/context.js';

const colour: Record<ScoreStatus, string> = { pass: 'green', warn: 'orange', fail: 'red', unknown: 'gray' };

export interface ScoreActions {
  wizard?(stack: string): void;
  measure?(): void;
  networks?(): void;
  terminal?(node: string): void;
}

export function ScorecardPanel({ actions }: { actions: ScoreActions }) {
  const workspace = useAppState((s) => s.workspace);
  const facts = useAppState((s) => s.facts);
  const cards = useMemo(() => (workspace ? scorecards(workspace, facts) : []), [workspace, facts]);
  if (!cards.length) return <Text size="sm" c="dimmed">No cluster or region is defined yet: "New cluster" starts one.</Text>;
  const run = (stack: string, action: ScoreAction): (() => void) | undefined => {
    if (action.kind === 'wizard') return actions.wizard && (() => actions.wizard!(stack));
    if (action.kind === 'measure') return actions.measure;
    if (action.kind === 'networks') return actions.networks;
    if (action.kind === 'terminal' && action.node) return actions.terminal && (() => actions.terminal!(action.node!));
    return undefined;
  };
  return (
    <Stack gap="sm" data-testid="scorecard">
      {cards.map((card) => (
        <Card key={`${card.stack}:${card.cluster}`} withBorder padding="xs" data-testid={`scorecard-${card.stack}-${card.cluster}`}>
          <Text fw={600} size="sm" mb={4}>
            {card.stackTitle} {card.cluster}
          </Text>
          <Stack gap={6}>
            {card.lines.map((l) => {
              const fix = l.action && run(card.stack, l.action);
              return (
                <Stack key={l.id} gap={2} data-testid={`score-${l.id}`} data-status={l.status}>
                  <Group gap={6} wrap="nowrap">
                    <Badge size="xs" color={colour[l.status]} w={62}>
                      {l.status}
                    </Badge>
                    <Text size="xs" fw={600}>
                      {l.title}
                    </Text>
                  </Group>
                  <Text size="xs" title={l.source ? `${l.source.document}${l.source.section ? ` — ${l.source.section}` : ''}` : undefined}>
                    {l.evidence}
                  </Text>
                  {l.action && (
                    <Tooltip label={fix ? l.action.label : `${l.action.label}: not available in this build`}>
                      <Button size="compact-xs" variant="light" disabled={!fix} onClick={fix} w="fit-content">
                        {l.action.label}
                      </Button>
                    </Tooltip>
                  )}
                </Stack>
              );
            })}
          </Stack>
        </Card>
      ))}
    </Stack>
  );
}
