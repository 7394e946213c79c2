// The navbar: sites and their nodes, with status dots and the actions an admin reaches for.
import { ActionIcon, Badge, Group, Menu, NavLink, ScrollArea, Text, TextInput, Tooltip } from '@mantine/core';
import { useMemo, useState } from 'react';
import { IconDots } from '@tabler/icons-react';
import type { Workspace } from '../../../../main/common/workspace/schema.js';
import type { ElementState } from '../topology/element-state.js';
import { stateColours, stateLabels } from '../topology/link-styles.js';

export interface NodeAction {
  id: string;
  label: string;
  icon?: React.ReactNode;
  run(node: string): void;
  disabledReason?: string;
}

export interface SitesTreeProps {
  workspace: Workspace;
  /** Each node's state colour and why (the same as on the canvas). */
  nodeStates: Map<string, ElementState>;
  selectedNode: string | null;
  onSelectNode(name: string): void;
  onSelectSite(name: string): void;
  nodeActions: NodeAction[];
}

const kindLabel = { lan: 'LAN', man: 'MAN', wan: 'WAN', internet: 'Internet' } as const;

export function SitesTree({ workspace, nodeStates, selectedNode, onSelectNode, onSelectSite, nodeActions }: SitesTreeProps) {
  const [filter, setFilter] = useState('');
  const bySite = useMemo(() => {
    const map = new Map<string, string[]>();
    for (const site of workspace.sites) map.set(site.name, []);
    for (const node of workspace.nodes) {
      if (filter && !node.name.toLowerCase().includes(filter.toLowerCase())) continue;
      const list = map.get(node.site) ?? [];
      list.push(node.name);
      map.set(node.site, list);
    }
    return map;
  }, [workspace, filter]);

  if (workspace.sites.length === 0 && workspace.nodes.length === 0) {
    return (
      <Text size="sm" c="dimmed" data-testid="navbar-empty">
        This workspace has no sites yet.
      </Text>
    );
  }

  return (
    <>
      <TextInput size="xs" placeholder="Filter nodes" aria-label="Filter nodes" value={filter} onChange={(e) => setFilter(e.currentTarget.value)} mb="xs" />
      <ScrollArea style={{ flex: 1 }} type="auto">
        {[...bySite.entries()].map(([site, nodes]) => {
          const kind = workspace.sites.find((s) => s.name === site)?.kind;
          return (
            <NavLink
              key={site}
              label={
                <Group gap={6} wrap="nowrap">
                  <Text size="sm" fw={600} truncate>
                    {site}
                  </Text>
                  {kind && (
                    <Badge size="xs" variant="light" color="gray">
                      {kindLabel[kind]}
                    </Badge>
                  )}
                </Group>
              }
              defaultOpened
              childrenOffset={12}
              onClick={() => onSelectSite(site)}
              data-testid={`nav-site-${site}`}
            >
              {nodes.map((name) => {
                const { state, reason } = nodeStates.get(name) ?? { state: 'unmeasured' as const, reason: '' };
                return (
                  <NavLink
                    key={name}
                    active={selectedNode === name}
                    onClick={() => onSelectNode(name)}
                    data-testid={`nav-node-${name}`}
                    leftSection={
                      <Tooltip label={reason ? `${stateLabels[state]}: ${reason}` : stateLabels[state]} multiline maw={300}>
                        <span aria-label={stateLabels[state]} data-state={state} style={{ display: 'inline-block', width: 9, height: 9, borderRadius: 9, background: stateColours[state] }} />
                      </Tooltip>
                    }
                    label={<Text size="sm" truncate>{name}</Text>}
                    rightSection={
                      nodeActions.length > 0 && (
                        <Menu position="right-start" withinPortal>
                          <Tooltip label={`Actions for ${name}`}>
                            <Menu.Target>
                              <ActionIcon variant="subtle" size="sm" aria-label={`Actions for ${name}`} onClick={(e) => e.stopPropagation()}>
                                <IconDots size={16} aria-hidden="true" />
                              </ActionIcon>
                            </Menu.Target>
                          </Tooltip>
                          <Menu.Dropdown>
                            {nodeActions.map((action) => (
                              <Menu.Item key={action.id} leftSection={action.icon} disabled={Boolean(action.disabledReason)} title={action.disabledReason} onClick={() => action.run(name)}>
                                {action.label}
                              </Menu.Item>
                            ))}
                          </Menu.Dropdown>
                        </Menu>
                      )
                    }
                  />
                );
              })}
            </NavLink>
          );
        })}
      </ScrollArea>
    </>
  );
}
