// One finding as the admin reads it: what is wrong (with its figures), what to do in words, the button
// that does it where the app can, the source document as a link, and the field path only as a detail.
import { Alert, Anchor, Badge, Button, Group, Stack, Text, UnstyledButton } from '@mantine/core';
import { findingActionLabel, type FindingAction } from '../../../../main/common/workspace/rules/actions.js';
import type { Finding, Severity } from '../../../../main/common/workspace/rules/types.js';
import { safeExternalUrl } from '../../../../main/common/urls.js';
import { openExternal } from '../../components/open-external.js';

export const severityColour: Record<Severity, string> = { error: 'red', warning: 'orange', info: 'blue' };

export function FindingCard({ finding: f, onSelect, onAction, problem }: { finding: Finding; onSelect?(finding: Finding): void; onAction?(action: FindingAction): void; problem?: string | null }) {
  const source = [f.source.document, f.source.section].filter(Boolean).join(' — ');
  // Only an http(s) address without credentials becomes a link; anything else stays text.
  const url = f.source.url ? safeExternalUrl(f.source.url) : null;
  const message = (
    <Text size="xs" fw={600} data-testid="finding-message">
      {f.message}
      {f.accepted ? ' (accepted)' : ''}
    </Text>
  );
  return (
    <Alert color={severityColour[f.severity]} variant={f.accepted ? 'outline' : 'light'} p="xs" data-testid="finding" data-rule={f.ruleId}>
      <Group gap={6} wrap="nowrap" align="flex-start">
        <Badge size="xs" color={severityColour[f.severity]}>
          {f.severity}
        </Badge>
        <Stack gap={4} style={{ minWidth: 0 }}>
          {onSelect ? (
            <UnstyledButton onClick={() => onSelect(f)} title="Show what it concerns on the canvas" style={{ textAlign: 'left' }}>
              {message}
            </UnstyledButton>
          ) : (
            message
          )}
          <Text size="xs" data-testid="finding-remedy">
            {f.remedy}
          </Text>
          {f.action && onAction && (
            <Group gap={6}>
              <Button size="compact-xs" variant="light" color={severityColour[f.severity]} onClick={() => onAction(f.action!)} data-testid="finding-action" data-action={f.action.id}>
                {findingActionLabel(f.action)}
              </Button>
            </Group>
          )}
          {problem && (
            <Text size="xs" c="red" data-testid="finding-action-problem">
              {problem}
            </Text>
          )}
          <Text size="xs" c="dimmed">
            Source:{' '}
            {url ? (
              <Anchor
                href={url}
                size="xs"
                target="_blank"
                rel="noopener noreferrer"
                onClick={(e) => {
                  e.preventDefault();
                  openExternal(url);
                }}
                data-testid="finding-source"
              >
                {source}
              </Anchor>
            ) : (
              <span data-testid="finding-source">{source}</span>
            )}
          </Text>
          {f.paths.length > 0 && (
            <Text size="10px" c="dimmed" ff="monospace" data-testid="finding-paths" title="Where the workspace file says so" style={{ overflowWrap: 'anywhere' }}>
              in the file: {f.paths.join(', ')}
            </Text>
          )}
        </Stack>
      </Group>
    </Alert>
  );
}
