// Networks and what rides on them: add or remove a network (refused while nodes or clusters use it), and each
// stack's own section (a cluster's numbered corosync links…).
import { IconX } from '@tabler/icons-react';
import { ActionIcon, Button, Group, Stack, Text, Title, Tooltip } from '@mantine/core';
import { useState } from 'react';
import type { Workspace } from '../../../../main/common/workspace/schema.js';
import { AddNetworkForm, type WorkspaceEdit } from './EditForms.js';
import { defaultStacks as stacks } from '../../../../main/common/stacks/compose.js';
import { stackUi } from '../../stacks/registry.js';

export function NetworksPanel({ workspace, onEdit }: { workspace: Workspace; onEdit(edit: WorkspaceEdit, label: string): string | null }) {
  const [error, setError] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  const apply = (edit: WorkspaceEdit, label: string) => setError(onEdit(edit, label));
  return (
    <Stack gap="sm" data-testid="networks-panel">
      <Title order={3} size="h5">
        Networks
      </Title>
      {workspace.networks.map((n) => (
        <Group key={n.name} justify="space-between" wrap="nowrap">
          <Text size="sm">
            <b>{n.name}</b> · {n.roles.join(', ')}
            {n.cidr ? ` · ${n.cidr}` : ''}
          </Text>
          <Tooltip label={`Remove ${n.name}`}>
            <ActionIcon
              size="sm"
              variant="subtle"
              color="red"
              aria-label={`Remove network ${n.name}`}
              onClick={() => apply((ws) => void (ws.networks = ws.networks.filter((x) => x.name !== n.name)), `remove network ${n.name}`)}
            >
              <IconX size={14} aria-hidden="true" />
            </ActionIcon>
          </Tooltip>
        </Group>
      ))}
      {adding ? (
        <AddNetworkForm onEdit={onEdit} onDone={() => setAdding(false)} />
      ) : (
        <Button size="xs" variant="light" onClick={() => setAdding(true)} data-testid="add-network">
          Add a network
        </Button>
      )}
      {stacks.map((stack) => {
        const Section = stackUi(stack.id).NetworksSection;
        return Section ? <Section key={stack.id} workspace={workspace} onEdit={onEdit} /> : null;
      })}
      {error && (
        <Text size="xs" c="red" data-testid="form-error">
          {error}
        </Text>
      )}
    </Stack>
  );
}
