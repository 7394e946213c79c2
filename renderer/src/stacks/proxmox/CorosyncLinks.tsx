// A Proxmox cluster's corosync links in the networks panel: add or remove link0…link7 on a workspace network.
import { IconX } from '@tabler/icons-react';
import { ActionIcon, Button, Divider, Group, Select, Stack, Text, Tooltip } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import type { WorkspaceEdit } from '../../features/inspector/EditForms.js';
import type { NetworksSectionProps } from '../types.js';

/** `focusGroup`: a cluster shown outlined and scrolled to (a finding's "Add a corosync link"). */
export function CorosyncLinks({ workspace, onEdit, focusGroup }: NetworksSectionProps) {
  const [error, setError] = useState<string | null>(null);
  const focused = useRef<HTMLDivElement>(null);
  // Braces: scrollIntoView returns a promise in current Chromium, and an effect may return only its cleanup.
  useEffect(() => {
    focused.current?.scrollIntoView({ block: 'nearest' });
  }, [focusGroup]);
  const [linkNetwork, setLinkNetwork] = useState<Record<string, string | null>>({});
  const apply = (edit: WorkspaceEdit, label: string) => setError(onEdit(edit, label));
  return (
    <>
        {(workspace.proxmox?.clusters ?? []).map((cluster, ci) => {
          const used = new Set(cluster.links.map((l) => l.link));
          const next = [0, 1, 2, 3, 4, 5, 6, 7].find((n) => !used.has(n));
          return (
            <Stack
              key={cluster.name}
              gap={4}
              data-testid={`corosync-links-${cluster.name}`}
              {...(cluster.name === focusGroup ? { ref: focused, 'data-focused': 'true', style: { outline: '2px solid var(--mantine-color-blue-5)', outlineOffset: 4, borderRadius: 4 } } : {})}
            >
              <Divider />
              <Text size="sm" fw={600}>
                Corosync links of {cluster.name}
              </Text>
              {cluster.links.map((l) => (
                <Group key={l.link} justify="space-between" wrap="nowrap">
                  <Text size="sm">
                    link{l.link} on {l.network}
                    {l.priority !== undefined ? ` (priority ${l.priority})` : ''}
                  </Text>
                  <Tooltip label={`Remove link${l.link} of ${cluster.name}`}>
                    <ActionIcon
                      size="sm"
                      variant="subtle"
                      color="red"
                      aria-label={`Remove link${l.link} of ${cluster.name}`}
                      onClick={() => apply((ws) => void (ws.proxmox!.clusters[ci]!.links = ws.proxmox!.clusters[ci]!.links.filter((x) => x.link !== l.link)), `remove link${l.link} of ${cluster.name}`)}
                    >
                      <IconX size={14} aria-hidden="true" />
                    </ActionIcon>
                  </Tooltip>
                </Group>
              ))}
              {next !== undefined && (
                <Group gap="xs" align="flex-end">
                  <Select
                    size="xs"
                    label={`Add link${next} on`}
                    data={workspace.networks.map((n) => n.name)}
                    value={linkNetwork[cluster.name] ?? null}
                    onChange={(v) => setLinkNetwork((m) => ({ ...m, [cluster.name]: v }))}
                  />
                  <Button
                    size="xs"
                    variant="light"
                    disabled={!linkNetwork[cluster.name]}
                    onClick={() => apply((ws) => void ws.proxmox!.clusters[ci]!.links.push({ link: next, network: linkNetwork[cluster.name]! }), `add link${next} to ${cluster.name}`)}
                  >
                    Add link
                  </Button>
                </Group>
              )}
            </Stack>
          );
        })}
      {error && (
        <Text size="xs" c="red" data-testid="form-error">
          {error}
        </Text>
      )}
    </>
  );
}
