// The canvas area: the topology with its toolbar (fit, add, undo/redo, search) and the legend.
import { ActionIcon, Group, Paper, Select, Tooltip } from '@mantine/core';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useAppState } from '../../store/context.js';
import { useTopologyGraph } from './use-graph.js';
import { computeLayout, type Point } from './layout.js';
import { ClusterBadges } from './ClusterBadges.js';
import { Legend } from './Legend.js';
import { TopologyCanvas, type CanvasHandle, type DropVerdict, type VmChip } from './TopologyCanvas.js';
import { MigrationDialog, type MigrationRequestView } from '../migrate/MigrationDialog.js';
import { useTransport } from '../../store/context.js';

export function CanvasPanel({ onEdited }: { onEdited(): void }) {
  const workspace = useAppState((s) => s.workspace);
  const selection = useAppState((s) => s.selection);
  const select = useAppState((s) => s.select);
  const edit = useAppState((s) => s.edit);
  const undo = useAppState((s) => s.undo);
  const redo = useAppState((s) => s.redo);
  const canUndo = useAppState((s) => s.past.length > 0);
  const canRedo = useAppState((s) => s.future.length > 0);
  const canvas = useRef<CanvasHandle>(null);
  const transport = useTransport();
  const vms = useAppState((s) => s.vms);
  const [migration, setMigration] = useState<MigrationRequestView | null>(null);
  const [moving, setMoving] = useState<string | null>(null);
  const vmsByNode = useMemo(() => {
    const map = new Map<string, VmChip[]>();
    for (const vm of vms) map.set(vm.node, [...(map.get(vm.node) ?? []), { id: vm.id, name: vm.name, status: vm.id === moving ? 'migrating' : vm.status }]);
    return map;
  }, [vms, moving]);
  const precheckAll = useCallback(
    async (vmId: string): Promise<Map<string, DropVerdict>> => {
      const answer = await transport.call('vm.migratePrecheck', { vm: vmId });
      return new Map(answer.targets.map((t) => [t.node, { allowed: t.allowed, reason: t.reasons.join('; ') || (t.allowed ? '' : 'not a valid target') }]));
    },
    [transport],
  );
  const [searchOpen, setSearchOpen] = useState(false);

  const graph = useTopologyGraph();
  // Layout depends on the structure, not on measurements: recompute only when nodes, sites or links change.
  const structureKey = useMemo(
    () => (graph ? JSON.stringify([graph.sites.map((s) => s.id), graph.nodes.map((n) => [n.id, n.siteId, n.x, n.y]), graph.links.map((l) => l.id)]) : ''),
    [graph],
  );
  const positions = useMemo(() => (graph ? computeLayout(graph).positions : new Map<string, Point>()), [structureKey]);

  const selectedNode = selection?.kind === 'node' ? selection.name : null;

  const moveNode = useCallback(
    (id: string, to: Point) => {
      const problem = edit((ws) => {
        // Pin the whole picture once the admin arranges it, so one move never reshuffles the rest.
        const pinned: Record<string, Point> = {};
        for (const [name, p] of positions) if (ws.nodes.some((n) => n.name === name)) pinned[name] = { x: Math.round(p.x), y: Math.round(p.y) };
        pinned[id] = { x: Math.round(to.x), y: Math.round(to.y) };
        ws.layout = { ...(ws.layout ?? {}), nodes: pinned };
      }, `move ${id}`);
      if (!problem) onEdited();
    },
    [edit, onEdited, positions],
  );

  const deleteSelected = useCallback(() => {
    if (selection?.kind !== 'node') return;
    const name = selection.name;
    const problem = edit((ws) => {
      ws.nodes = ws.nodes.filter((n) => n.name !== name);
      if (ws.layout?.nodes) delete ws.layout.nodes[name];
    }, `remove node ${name}`);
    if (!problem) {
      select(null);
      onEdited();
    }
  }, [selection, edit, select, onEdited]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      if (target && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName) || target.closest('.xterm'))) return;
      const mod = e.ctrlKey || e.metaKey;
      if (mod && e.key.toLowerCase() === 'z' && !e.shiftKey) {
        e.preventDefault();
        if (undo()) onEdited();
      } else if (mod && (e.key.toLowerCase() === 'y' || (e.key.toLowerCase() === 'z' && e.shiftKey))) {
        e.preventDefault();
        if (redo()) onEdited();
      } else if (mod && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        setSearchOpen(true);
      } else if (e.key === 'Delete' || e.key === 'Backspace') {
        deleteSelected();
      } else if (e.key === 'f' && !mod) {
        canvas.current?.zoomToFit();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [undo, redo, onEdited, deleteSelected]);

  if (!graph) return null;
  return (
    <div className="cw-canvas-panel">
      <Paper className="cw-canvas-toolbar" withBorder p={4} radius="md">
        <Group gap={4}>
          <Tooltip label="Zoom to fit (F)">
            <ActionIcon variant="subtle" aria-label="Zoom to fit" onClick={() => canvas.current?.zoomToFit()}>
              ⤢
            </ActionIcon>
          </Tooltip>
          <Tooltip label="Undo (Ctrl+Z)">
            <ActionIcon variant="subtle" aria-label="Undo" disabled={!canUndo} onClick={() => undo() && onEdited()}>
              ↶
            </ActionIcon>
          </Tooltip>
          <Tooltip label="Redo (Ctrl+Shift+Z)">
            <ActionIcon variant="subtle" aria-label="Redo" disabled={!canRedo} onClick={() => redo() && onEdited()}>
              ↷
            </ActionIcon>
          </Tooltip>
          <Tooltip label="Add a site">
            <ActionIcon variant="subtle" aria-label="Add a site" onClick={() => select({ kind: 'add-site' })}>
              ⬚
            </ActionIcon>
          </Tooltip>
          <Tooltip label="Networks and corosync links">
            <ActionIcon variant="subtle" aria-label="Networks and corosync links" onClick={() => select({ kind: 'add-network' })}>
              ⇄
            </ActionIcon>
          </Tooltip>
          <Tooltip label={workspace?.sites.length ? 'Add a node' : 'Add a site first'}>
            <ActionIcon variant="subtle" aria-label="Add a node" disabled={!workspace?.sites.length} onClick={() => select({ kind: 'add-node' })}>
              ＋
            </ActionIcon>
          </Tooltip>
          <Tooltip label="Remove the selected node (Delete)">
            <ActionIcon variant="subtle" color="red" aria-label="Remove the selected node" disabled={!selectedNode} onClick={deleteSelected}>
              ✕
            </ActionIcon>
          </Tooltip>
          {searchOpen ? (
            <Select
              size="xs"
              w={200}
              autoFocus
              searchable
              placeholder="Find a node"
              aria-label="Find a node"
              data={graph.nodes.map((n) => n.name)}
              onChange={(name) => {
                setSearchOpen(false);
                if (name) {
                  select({ kind: 'node', name });
                  canvas.current?.zoomToNode(name);
                }
              }}
              onBlur={() => setSearchOpen(false)}
              onKeyDown={(e) => {
                if (e.key === 'Escape') setSearchOpen(false);
              }}
            />
          ) : (
            <Tooltip label="Find a node (Ctrl+K)">
              <ActionIcon variant="subtle" aria-label="Find a node" onClick={() => setSearchOpen(true)}>
                ⌕
              </ActionIcon>
            </Tooltip>
          )}
        </Group>
      </Paper>
      <TopologyCanvas
        handle={canvas}
        graph={graph}
        positions={positions}
        selectedNode={selectedNode}
        onSelectNode={(id) => select(id ? { kind: 'node', name: id } : null)}
        onSelectSite={(id) => select({ kind: 'site', name: id })}
        onMoveNode={moveNode}
        vmsByNode={vmsByNode}
        onVmDragStart={precheckAll}
        onVmDrop={(vm, target) => setMigration({ vm, target })}
      />
      <ClusterBadges />
      <Legend />
      <MigrationDialog request={migration} onClose={() => setMigration(null)} onMoving={setMoving} />
    </div>
  );
}
