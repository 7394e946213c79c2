// Validation findings with severity filters; clicking one selects the elements it concerns.
import { Alert, Badge, Chip, Group, ScrollArea, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import type { Finding, Severity } from '../../../../main/common/workspace/rules/types.js';
import type { MonitorAlert } from '../../../../main/common/monitor/model.js';

const colour: Record<Severity, string> = { error: 'red', warning: 'orange', info: 'blue' };

export function FindingsPanel({ findings, onSelect, alerts = [] }: { findings: Finding[]; onSelect(finding: Finding): void; alerts?: readonly MonitorAlert[] }) {
  const [shown, setShown] = useState<string[]>(['error', 'warning', 'info']);
  const counts = { error: 0, warning: 0, info: 0 };
  for (const f of findings) counts[f.severity]++;
  const visible = findings.filter((f) => shown.includes(f.severity));
  return (
    <Stack gap="xs" data-testid="findings">
      <Chip.Group multiple value={shown} onChange={setShown}>
        <Group gap={6}>
          {(['error', 'warning', 'info'] as const).map((s) => (
            <Chip key={s} value={s} size="xs" color={colour[s]} data-testid={`findings-filter-${s}`}>
              {s === 'error' ? 'Errors' : s === 'warning' ? 'Warnings' : 'Info'} ({counts[s]})
            </Chip>
          ))}
        </Group>
      </Chip.Group>
      {alerts.map((a) => (
        <Alert key={a.id} color={colour[a.severity]} variant="light" p="xs" data-testid="finding-monitor" data-kind={a.kind}>
          <Group gap={6} wrap="nowrap" align="flex-start">
            <Badge size="xs" color={colour[a.severity]}>
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
      <ScrollArea.Autosize mah={420} type="auto">
        <Stack gap={6}>
          {visible.map((f, i) => (
            <Alert
              key={`${f.ruleId}-${i}`}
              color={colour[f.severity]}
              variant={f.accepted ? 'outline' : 'light'}
              p="xs"
              role="button"
              tabIndex={0}
              style={{ cursor: 'pointer' }}
              onClick={() => onSelect(f)}
              onKeyDown={(e) => {
                if (e.key === 'Enter') onSelect(f);
              }}
              data-testid="finding"
              data-rule={f.ruleId}
              title={`${f.ruleId} — ${f.source.document}${f.source.section ? `, ${f.source.section}` : ''}`}
            >
              <Group gap={6} wrap="nowrap" align="flex-start">
                <Badge size="xs" color={colour[f.severity]}>
                  {f.severity}
                </Badge>
                <Stack gap={2}>
                  <Text size="xs" fw={600}>
                    {f.message}
                    {f.accepted ? ' (accepted)' : ''}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {f.remedy}
                  </Text>
                </Stack>
              </Group>
            </Alert>
          ))}
        </Stack>
      </ScrollArea.Autosize>
    </Stack>
  );
}
