// The inspector for a site: what it is, the nodes in it, and removing it (refused while nodes use it).
import { Badge, Button, Group, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import type { Workspace } from '../../../../main/common/workspace/schema.js';
import { DrillDialog } from '../drill/DrillDialog.js';
import type { WorkspaceEdit } from './EditForms.js';

export function SiteInspector({ workspace, name, onEdit, onAddNode, onRemoved }: { workspace: Workspace; name: string; onEdit(edit: WorkspaceEdit, label: string): string | null; onAddNode(): void; onRemoved(): void }) {
  const [error, setError] = useState<string | null>(null);
  const [drill, setDrill] = useState(false);
  const site = workspace.sites.find((s) => s.name === name);
  if (!site) return <Text size="sm">The site {name} is no longer in the workspace.</Text>;
  const nodes = workspace.nodes.filter((n) => n.site === name);
  return (
    <Stack gap="sm" data-testid="site-inspector">
      <Group justify="space-between">
        <Title order={3} size="h5">
          {site.name}
        </Title>
        <Badge variant="light">{site.kind.toUpperCase()}</Badge>
      </Group>
      {site.location && <Text size="sm">{site.location}</Text>}
      <Text size="sm">{nodes.length ? `Nodes: ${nodes.map((n) => n.name).join(', ')}` : 'No nodes yet.'}</Text>
      <Group gap="xs">
        <Button size="xs" variant="light" onClick={onAddNode}>
          Add a node here
        </Button>
        <Button size="xs" variant="light" color="orange" data-testid="drill-site" onClick={() => setDrill(true)}>
          Failover drill…
        </Button>
        <Button
          size="xs"
          variant="light"
          color="red"
          data-testid="remove-site"
          onClick={() => {
            const problem = onEdit((ws) => {
              ws.sites = ws.sites.filter((s) => s.name !== name);
            }, `remove site ${name}`);
            setError(problem);
            if (!problem) onRemoved();
          }}
        >
          Remove site
        </Button>
      </Group>
      {drill && <DrillDialog site={name} onClose={() => setDrill(false)} />}
      {error && (
        <Text size="xs" c="red" data-testid="form-error">
          {error}
        </Text>
      )}
    </Stack>
  );
}
