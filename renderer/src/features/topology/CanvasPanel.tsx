// The canvas area: the topology with its toolbar (fit, zoom to selection, undo/redo, add, remove, search),
// the minimap, the cluster badges and the legend.
import { ActionIcon, Group, Paper, Select, Tooltip } from '@mantine/core';
import { IconBolt } from '@tabler/icons-react';
import { IconArrowBackUp, IconArrowForwardUp, IconArrowsMaximize, IconFocusCentered, IconNetwork, IconSearch, IconServer2, IconShieldLock, IconSquareRoundedPlus, IconTrash } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { comboLabel, isMac } from '../../app/shortcuts.js';
import { useShortcuts } from '../../app/use-shortcuts.js';
import { Minimap } from './Minimap.js';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useAppState } from '../../store/context.js';
import { useTopologyGraph } from './use-graph.js';
import { siteRegions, type Point } from './layout.js';
import { useCanvasLayout } from './use-layout.js';
import { ClusterBadges } from './ClusterBadges.js';
import { Legend } from './Legend.js';
import { TopologyCanvas, type CanvasHandle, type DropVerdict, type VmChip } from './TopologyCanvas.js';
import { MigrationDialog, type MigrationRequestView } from '../migrate/MigrationDialog.js';
import { useTransport } from '../../store/context.js';
import type { GraphLink } from './graph.js';
import { Sparkline } from '../monitor/Sparkline.js';
import { linkSeries } from '../monitor/series.js';
import { WhatIfPanel } from '../whatif/WhatIfPanel.js';
import { whatIfView } from '../whatif/whatif-view.js';

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
      // While the VM is held, only its own cluster is asked: other clusters are read once it is dropped there.
      const answer = await transport.call('vm.migratePrecheck', { vm: vmId, quick: true });
      return new Map(answer.targets.map((t) => [t.node, { allowed: t.allowed, reason: t.reasons.join('; ') || (t.allowed ? '' : 'not a valid target') }]));
    },
    [transport],
  );
  const [searchOpen, setSearchOpen] = useState(false);
  const whatIfOn = useAppState((s) => s.whatIfOn);
  const setWhatIf = useAppState((s) => s.setWhatIf);
  const failures = useAppState((s) => s.whatIfFailures);
  const toggleFailure = useAppState((s) => s.toggleFailure);
  const rounds = useAppState((s) => s.rounds);
  const whatIf = useMemo(() => (whatIfOn && workspace ? whatIfView(workspace, failures) : undefined), [whatIfOn, workspace, failures]);
  const siteOfNode = useMemo(() => new Map(workspace?.nodes.map((n) => [n.name, n.site]) ?? []), [workspace]);
  const selectLink = useCallback(
    (link: GraphLink) => {
      if (whatIfOn) {
        const a = siteOfNode.get(link.source);
        const b = siteOfNode.get(link.target);
        if (a && b && a !== b) toggleFailure({ kind: 'link', between: a < b ? [a, b] : [b, a] });
        return;
      }
      select({ kind: 'link', network: link.network, a: link.source, b: link.target });
    },
    [whatIfOn, siteOfNode, toggleFailure, select],
  );
  const linkHover = useMemo(() => {
    if (rounds.length < 2) return undefined;
    return (link: GraphLink) => {
      const points = linkSeries(rounds, link.network, link.source, link.target).slice(-60);
      if (points.length < 2) return null;
      const last = points[points.length - 1]!;
      return (
        <>
          <rect width={140} height={46} rx={6} />
          <text x={8} y={13}>{`${link.source}–${link.target} · ${last.lossPercent === 100 ? 'down' : `${last.rttMs?.toFixed(1) ?? '?'} ms`}`}</text>
          <g transform="translate(10,16)">
            <Sparkline points={points} width={120} height={26} />
          </g>
        </>
      );
    };
  }, [rounds]);

  const graph = useTopologyGraph();
  // Layout depends on the structure, not on measurements: recomputed only when nodes, sites or links change
  // (in a worker on a large estate, with a provisional placement until it answers).
  const layout = useCanvasLayout(graph);
  const positions = layout.positions;

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

  // The nodes the selection stands for: a node, a site's nodes, or the nodes of the finding clicked last.
  const highlighted = useAppState((s) => s.highlighted);
  const selectionNodes = useMemo(() => {
    if (selection?.kind === 'node') return [selection.name];
    if (selection?.kind === 'site') return graph?.nodes.filter((n) => n.siteId === selection.name).map((n) => n.id) ?? [];
    return highlighted;
  }, [selection, highlighted, graph]);
  const zoomToSelection = useCallback(() => {
    if (selectionNodes.length) canvas.current?.zoomToNodes(selectionNodes);
  }, [selectionNodes]);

  useShortcuts({
    undo: () => undo() && onEdited(),
    redo: () => redo() && onEdited(),
    search: () => setSearchOpen(true),
    delete: deleteSelected,
    fit: () => canvas.current?.zoomToFit(),
    zoomSelection: zoomToSelection,
  });

  // "Show in canvas" from the navbar.
  const zoomRequest = useAppState((s) => s.zoomRequest);
  useEffect(() => {
    if (zoomRequest?.nodes.length) requestAnimationFrame(() => canvas.current?.zoomToNodes(zoomRequest.nodes));
  }, [zoomRequest]);

  const regions = useMemo(() => (graph ? siteRegions(graph, positions) : []), [graph, positions]);
  const mac = isMac();

  if (!graph) return null;
  return (
    <div className="cw-canvas-panel">
      <Paper className="cw-canvas-toolbar" withBorder p={4} radius="md" role="toolbar" aria-label="Canvas tools">
        <Group gap={4}>
          <ToolButton label="Zoom to fit" hint={comboLabel('fit', mac)} onClick={() => canvas.current?.zoomToFit()} icon={<IconArrowsMaximize {...iconProps} />} />
          <ToolButton
            label="Zoom to selection"
            hint={comboLabel('zoomSelection', mac)}
            disabledReason={selectionNodes.length ? undefined : 'Select a node or a site first'}
            onClick={zoomToSelection}
            icon={<IconFocusCentered {...iconProps} />}
          />
          <ToolButton label="Undo" hint={comboLabel('undo', mac)} disabledReason={canUndo ? undefined : 'Nothing to undo'} onClick={() => undo() && onEdited()} icon={<IconArrowBackUp {...iconProps} />} />
          <ToolButton label="Redo" hint={comboLabel('redo', mac)} disabledReason={canRedo ? undefined : 'Nothing to redo'} onClick={() => redo() && onEdited()} icon={<IconArrowForwardUp {...iconProps} />} />
          <ToolButton
            label={whatIfOn ? 'Close the what-if overlay' : 'What-if: cut sites and links on paper'}
            color={whatIfOn ? 'red' : undefined}
            onClick={() => setWhatIf(!whatIfOn)}
            icon={<IconBolt {...iconProps} />}
          />
          <ToolButton label="Add a site" onClick={() => select({ kind: 'add-site' })} icon={<IconSquareRoundedPlus {...iconProps} />} />
          <ToolButton label="Networks and corosync links" onClick={() => select({ kind: 'add-network' })} icon={<IconNetwork {...iconProps} />} />
          <ToolButton label="WireGuard overlays between sites" disabledReason={workspace?.sites.length ? undefined : 'Add a site first'} onClick={() => select({ kind: 'overlays' })} icon={<IconShieldLock {...iconProps} />} />
          <ToolButton label="Add a node" disabledReason={workspace?.sites.length ? undefined : 'Add a site first'} onClick={() => select({ kind: 'add-node' })} icon={<IconServer2 {...iconProps} />} />
          <ToolButton
            label="Remove the selected node"
            hint="Delete"
            color="red"
            disabledReason={selectedNode ? undefined : 'Select a node first'}
            onClick={deleteSelected}
            icon={<IconTrash {...iconProps} />}
          />
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
            <ToolButton label="Find a node" hint={comboLabel('search', mac)} onClick={() => setSearchOpen(true)} icon={<IconSearch {...iconProps} />} />
          )}
        </Group>
      </Paper>
      <TopologyCanvas
        handle={canvas}
        graph={graph}
        positions={positions}
        layoutState={layout.state}
        layoutSource={layout.source}
        selectedNode={selectedNode}
        onSelectNode={(id) => select(id ? { kind: 'node', name: id } : null)}
        onSelectSite={(id) => (whatIfOn ? toggleFailure({ kind: 'site', site: id }) : select({ kind: 'site', name: id }))}
        onSelectLink={selectLink}
        whatIf={whatIf ? { sites: whatIf.sites, cuts: failures.flatMap((f) => (f.kind === 'link' ? [f.between] : [])) } : undefined}
        linkHover={linkHover}
        onMoveNode={moveNode}
        vmsByNode={vmsByNode}
        onVmDragStart={precheckAll}
        onVmDrop={(vm, target) => setMigration({ vm, target })}
      />
      {whatIf && <WhatIfPanel view={whatIf} />}
      <Minimap graph={graph} positions={positions} regions={regions} canvas={canvas} />
      <ClusterBadges />
      <Legend />
      <MigrationDialog request={migration} onClose={() => setMigration(null)} onMoving={setMoving} />
    </div>
  );
}

const iconProps = { size: 18, stroke: 1.6, 'aria-hidden': true } as const;

/** An icon button of the canvas toolbar: its name is its accessible name and its tooltip (with the shortcut);
 *  a disabled one says why in the tooltip. */
function ToolButton({ label, hint, icon, onClick, disabledReason, color }: { label: string; hint?: string; icon: ReactNode; onClick(): void; disabledReason?: string | undefined; color?: string }) {
  const tip = `${label}${hint ? ` (${hint})` : ''}${disabledReason ? ` — ${disabledReason.toLowerCase()}` : ''}`;
  return (
    <Tooltip label={tip} openDelay={250}>
      {/* data-disabled rather than disabled: a disabled button gets no pointer events, so its tooltip could not say why. */}
      <ActionIcon variant="subtle" color={color} aria-label={label} aria-disabled={disabledReason ? true : undefined} data-disabled={disabledReason ? true : undefined} onClick={disabledReason ? undefined : onClick}>
        {icon}
      </ActionIcon>
    </Tooltip>
  );
}
