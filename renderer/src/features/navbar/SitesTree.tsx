// The navbar: sites and their nodes, with status dots and the actions an admin reaches for.
import { ActionIcon, Badge, Group, Menu, NavLink, Text, TextInput, Tooltip } from '@mantine/core';
import { memo, useMemo, useRef, useState } from 'react';
import { flushSync } from 'react-dom';
import { useProgressiveCount } from '../../components/use-progressive.js';
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

  // A large estate's rows appear a slice per frame (each row is a few Mantine components), never in one long task.
  const sitesKey = useMemo(() => workspace.sites.map((s) => s.name).join('\n'), [workspace]);
  let budget = useProgressiveCount(workspace.nodes.length, ROWS_PER_FRAME, sitesKey);
  // Rows are memoized on what they show; the callbacks and actions they run are read when they run.
  const callbacks = useRef<RowCallbacks>({ onSelectNode, nodeActions });
  callbacks.current = { onSelectNode, nodeActions };
  const actionsKey = nodeActions.map((a) => `${a.id}\u0000${a.label}\u0000${a.disabledReason ?? ''}`).join('\n');

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
      {/* Native scrolling: a scroll area's context would change as rows arrive, and React walks every row to tell them. */}
      <div style={{ flex: 1, minHeight: 0, overflowY: 'auto' }} data-testid="sites-tree-scroll">
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
                if (budget <= 0) return null;
                budget--;
                const { state, reason } = nodeStates.get(name) ?? { state: 'unmeasured' as const, reason: '' };
                return <NodeRow key={name} name={name} state={state} reason={reason} active={selectedNode === name} actionsKey={actionsKey} callbacks={callbacks} />;
              })}
            </NavLink>
          );
        })}
      </div>
    </>
  );
}

const ROWS_PER_FRAME = 20;

interface RowCallbacks {
  onSelectNode(name: string): void;
  nodeActions: NodeAction[];
}

interface NodeRowProps {
  name: string;
  state: ElementState['state'];
  reason: string;
  active: boolean;
  /** Changes whenever the actions' labels or availability do (the row then re-renders). */
  actionsKey: string;
  callbacks: React.RefObject<RowCallbacks>;
}

const NodeRow = memo(function NodeRow({ name, state, reason, active, callbacks }: NodeRowProps) {
  const nodeActions = callbacks.current.nodeActions;
  // The state dot's tooltip and the actions menu (with its tooltip) are mounted when the pointer or the
  // keyboard first reaches the row, so a thousand rows stay light: until then the dot is a plain span and
  // the actions button a plain button, whose click mounts the menu opened.
  const [live, setLive] = useState(false);
  // Controlled: a click that reaches the plain button after the row went live (the pointer's arrival re-renders
  // the row between the press and the click) still opens the menu, rather than finding it mounted closed.
  const [menuOpened, setMenuOpened] = useState(false);
  const dot = <span aria-label={stateLabels[state]} data-state={state} style={{ display: 'inline-block', width: 9, height: 9, borderRadius: 9, background: stateColours[state] }} />;
  const menuButton = (
    <ActionIcon
      variant="subtle"
      size="sm"
      aria-label={`Actions for ${name}`}
      onClick={(e) => {
        e.stopPropagation();
        if (!live) {
          setMenuOpened(true);
          setLive(true);
        }
      }}
    >
      <IconDots size={16} aria-hidden="true" />
    </ActionIcon>
  );
  return (
    <NavLink
      active={active}
      onClick={() => callbacks.current.onSelectNode(name)}
      // Rendered at once, inside the pointer's arrival: the live row replaces the actions button's element, and a
      // render left to a later task could fall between a press and its release, whose click then reaches the row
      // rather than the button (the menu stays shut).
      onMouseEnter={live ? undefined : () => flushSync(() => setLive(true))}
      onFocus={live ? undefined : (e: React.FocusEvent) => e.target === e.currentTarget && setLive(true)}
      data-testid={`nav-node-${name}`}
      leftSection={
        live ? (
          <Tooltip label={reason ? `${stateLabels[state]}: ${reason}` : stateLabels[state]} multiline maw={300}>
            {dot}
          </Tooltip>
        ) : (
          dot
        )
      }
      label={<Text size="sm" truncate>{name}</Text>}
      rightSection={
        nodeActions.length > 0 &&
        (!live ? (
          menuButton
        ) : (
          <Menu position="right-start" withinPortal opened={menuOpened} onChange={setMenuOpened}>
            <Tooltip label={`Actions for ${name}`}>
              <Menu.Target>{menuButton}</Menu.Target>
            </Tooltip>
            <Menu.Dropdown>
              {nodeActions.map((action) => (
                <Menu.Item key={action.id} leftSection={action.icon} disabled={Boolean(action.disabledReason)} title={action.disabledReason} onClick={() => callbacks.current.nodeActions.find((a) => a.id === action.id)?.run(name)}>
                  {action.label}
                </Menu.Item>
              ))}
            </Menu.Dropdown>
          </Menu>
        ))
      }
    />
  );
});
