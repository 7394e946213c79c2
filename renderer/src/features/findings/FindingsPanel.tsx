// Validation findings with severity filters: each with its remedy, the button that does it, and its
// source; clicking a finding's text selects the elements it concerns.
import { Alert, Badge, Chip, Group, ScrollArea, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import type { FindingAction } from '../../../../main/common/workspace/rules/actions.js';
import type { Finding } from '../../../../main/common/workspace/rules/types.js';
import type { MonitorAlert } from '../../../../main/common/monitor/model.js';
import { FindingCard, severityColour } from './FindingCard.js';

export function FindingsPanel({ findings, onSelect, onAction, alerts = [] }: { findings: Finding[]; onSelect(finding: Finding): void; onAction?(action: FindingAction): string | null; alerts?: readonly MonitorAlert[] }) {
  const [shown, setShown] = useState<string[]>(['error', 'warning', 'info']);
  const [problem, setProblem] = useState<{ index: number; text: string } | null>(null);
  const counts = { error: 0, warning: 0, info: 0 };
  for (const f of findings) counts[f.severity]++;
  const visible = findings.filter((f) => shown.includes(f.severity));
  return (
    <Stack gap="xs" data-testid="findings">
      <Chip.Group multiple value={shown} onChange={setShown}>
        <Group gap={6}>
          {(['error', 'warning', 'info'] as const).map((s) => (
            <Chip key={s} value={s} size="xs" color={severityColour[s]} data-testid={`findings-filter-${s}`}>
              {s === 'error' ? 'Errors' : s === 'warning' ? 'Warnings' : 'Info'} ({counts[s]})
            </Chip>
          ))}
        </Group>
      </Chip.Group>
      {alerts.map((a) => (
        <Alert key={a.id} color={severityColour[a.severity]} variant="light" p="xs" data-testid="finding-monitor" data-kind={a.kind}>
          <Group gap={6} wrap="nowrap" align="flex-start">
            <Badge size="xs" color={severityColour[a.severity]}>
              monitor
            </Badge>
            <Text size="xs" fw={600}>
              {a.message} — since {new Date(a.startedAt).toLocaleTimeString()}
            </Text>
          </Group>
        </Alert>
      ))}
      {findings.length === 0 && (
        <Text size="sm" c="dimmed">
          No findings: the layout passes every rule for what was measured.
        </Text>
      )}
      <ScrollArea.Autosize mah="calc(100vh - 220px)" type="auto">
        <Stack gap={6}>
          {visible.map((f, i) => (
            <FindingCard
              key={`${f.ruleId}-${i}`}
              finding={f}
              onSelect={onSelect}
              {...(onAction
                ? {
                    onAction: (action: FindingAction) => {
                      const text = onAction(action);
                      setProblem(text ? { index: i, text } : null);
                    },
                  }
                : {})}
              problem={problem?.index === i ? problem.text : null}
            />
          ))}
        </Stack>
      </ScrollArea.Autosize>
    </Stack>
  );
}
