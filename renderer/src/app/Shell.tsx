// The main window: header, navbar (sites and hosts), main (canvas + dock), aside (inspector / findings).
import { ActionIcon, AppShell, Badge, Button, Group, Loader, NativeSelect, ScrollArea, Stack, Tabs, Text, Title, Tooltip, useComputedColorScheme } from '@mantine/core';
import { IconFocusCentered, IconGauge, IconKeyboard, IconTerminal2 } from '@tabler/icons-react';
import { Suspense, useDeferredValue, useEffect, useMemo, useState } from 'react';
import { useAppState } from '../store/context.js';
import { ColorSchemeToggle } from './ColorSchemeToggle.js';
import { BackendInfoCard } from '../features/about/BackendInfoCard.js';
import { ConnectionBanner } from '../components/ConnectionBanner.js';
import { SitesTree, type NodeAction } from '../features/navbar/SitesTree.js';
import { CanvasPanel } from '../features/topology/CanvasPanel.js';
import { FindingsPanel } from '../features/findings/FindingsPanel.js';
import { useFindingActions } from '../features/findings/finding-actions.js';
import { NodeInspector, type InspectorAction } from '../features/inspector/NodeInspector.js';
import { AddNodeForm, AddSiteForm } from '../features/inspector/EditForms.js';
import { NetworksPanel } from '../features/inspector/NetworksPanel.js';
import { FirstStart } from '../features/start/FirstStart.js';
import { FileIssues } from '../features/start/FileIssues.js';
import { useTopologyGraph } from '../features/topology/use-graph.js';
import type { ElementState } from '../features/topology/element-state.js';
import type { TerminalController } from '../features/terminal/controller.js';
import { TerminalDock } from '../features/terminal/TerminalDock.js';
import { JobsPanel } from '../features/jobs/JobsPanel.js';
import { PromptDialogs } from '../features/prompts/PromptDialogs.js';
import { defaultStacks } from '../../../main/common/stacks/compose.js';
import { stackUi } from '../stacks/registry.js';
import { ShortcutSheet } from './ShortcutSheet.js';
import { useShortcuts } from './use-shortcuts.js';
import type { DockTab } from '../store/ui-slice.js';
import { WorkspaceMenu } from '../features/workspace/WorkspaceMenu.js';
import { InventoryFreshness } from '../features/inventory/InventoryFreshness.js';
import { SecretsLock } from '../features/secrets/SecretsLock.js';
import { ScorecardPanel } from '../features/scorecard/ScorecardPanel.js';
import { lazyNamed } from '../components/lazy-named.js';
import { UnlockDialog } from '../features/secrets/UnlockDialog.js';

// Not on screen at first paint: each is its own chunk, loaded when first shown (the main bundle evaluates faster).
const LinkInspector = lazyNamed(() => import('../features/monitor/LinkInspector.js'), 'LinkInspector');
const ClusterInspector = lazyNamed(() => import('../features/monitor/ClusterInspector.js'), 'ClusterInspector');
const MonitorPanel = lazyNamed(() => import('../features/monitor/MonitorPanel.js'), 'MonitorPanel');
const SiteInspector = lazyNamed(() => import('../features/inspector/SiteInspector.js'), 'SiteInspector');
const OverlayPanel = lazyNamed(() => import('../features/overlays/OverlayPanel.js'), 'OverlayPanel');
const AdvisorDialog = lazyNamed(() => import('../features/advisor/AdvisorDialog.js'), 'AdvisorDialog');
const DrillDialog = lazyNamed(() => import('../features/drill/DrillDialog.js'), 'DrillDialog');
const loading = <Loader size="sm" aria-label="Loading" />;

const saveLabels = { saved: 'Saved', unsaved: 'Unsaved changes', saving: 'Saving…', failed: 'Not saved' } as const;

export function Shell({ terminals, onEdited }: { terminals: TerminalController | null; onEdited(): void }) {
  const info = useAppState((s) => s.info);
  const dockOpen = useAppState((s) => s.dockOpen);
  const dockHeight = useAppState((s) => s.dockHeight);
  const setDockHeight = useAppState((s) => s.setDockHeight);
  const current = useAppState((s) => s.workspace);
  // The first workspace to arrive is shown by a background render in small steps (the store's updates
  // render all at once, and a large estate's navbar and canvas would take one long task); later ones,
  // edits included, show at once as before.
  const firstArrived = useDeferredValue(current);
  const workspace = firstArrived === null ? null : current;
  const workspacePath = useAppState((s) => s.workspacePath);
  const issues = useAppState((s) => s.issues);
  const findings = useAppState((s) => s.findings);
  const selection = useAppState((s) => s.selection);
  const select = useAppState((s) => s.select);
  const edit = useAppState((s) => s.edit);
  const saveState = useAppState((s) => s.saveState);
  const saveError = useAppState((s) => s.saveError);
  const loadError = useAppState((s) => s.loadError);
  const validate = useAppState((s) => s.validate);
  const measureLatency = useAppState((s) => s.measureLatency);
  const measuring = useAppState((s) => s.measuring);
  const measureError = useAppState((s) => s.measureError);
  const latencyEveryMinutes = useAppState((s) => s.latencyEveryMinutes);
  const setLatencySchedule = useAppState((s) => s.setLatencySchedule);
  const highlight = useAppState((s) => s.highlight);
  const vms = useAppState((s) => s.vms);
  const inventoryProblems = useAppState((s) => s.inventoryProblems);
  const [asideTab, setAsideTab] = useState<string | null>('inspector');
  const monitorAlerts = useAppState((s) => s.alerts);
  // A link picked on the canvas or in the Monitor tab: its chart is in the inspector.
  useEffect(() => {
    if (selection?.kind === 'link' || selection?.kind === 'cluster') setAsideTab('inspector');
  }, [selection]);
  const scheme = useComputedColorScheme('light');
  // Terminal colours follow the light/dark scheme.
  useEffect(() => terminals?.setScheme(scheme), [scheme, terminals]);
  const dockTab = useAppState((s) => s.dockTab);
  const setDockTab = useAppState((s) => s.setDockTab);
  const toggleDock = useAppState((s) => s.toggleDock);
  const requestZoom = useAppState((s) => s.requestZoom);
  const [sheetOpen, setSheetOpen] = useState(false);
  useShortcuts({ dock: toggleDock, help: () => setSheetOpen(true) });
  /** The open wizard (a stack's \"New cluster\", or where a finding's action points). */
  const wizard = useAppState((s) => s.wizard);
  const openWizard = useAppState((s) => s.openWizard);
  const closeWizard = useAppState((s) => s.closeWizard);
  const [wizardsUsed, setWizardsUsed] = useState<ReadonlySet<string>>(new Set());
  useEffect(() => {
    if (wizard && !wizardsUsed.has(wizard.stack)) setWizardsUsed(new Set([...wizardsUsed, wizard.stack]));
  }, [wizard, wizardsUsed]);
  /** "New cluster" opens the approach advisor first. */
  const [advisorOpen, setAdvisorOpen] = useState(false);
  /** The dialogs opened at least once: mounted from then on (their code is loaded on first opening). */
  const [advisorUsed, setAdvisorUsed] = useState(false);
  useEffect(() => {
    if (advisorOpen) setAdvisorUsed(true);
  }, [advisorOpen]);
  /** The site whose loss the drill dialog opened from the scorecard proposes. */
  const [drillSite, setDrillSite] = useState<string | null>(null);
  const tabCount = useAppState((s) => s.tabs.length);
  const jobCount = useAppState((s) => s.jobs.length);
  const runningJobs = useAppState((s) => s.jobs.filter((j) => j.status === 'running').length);

  const graph = useTopologyGraph();
  const nodeStates = useMemo(() => new Map<string, ElementState>(graph?.nodes.map((n) => [n.id, { state: n.state, reason: n.stateReason ?? '' }]) ?? []), [graph]);
  const empty = workspace !== null && workspace.sites.length === 0 && workspace.nodes.length === 0;
  const home = useAppState((s) => s.home);
  /** The first screen: an empty workspace, or the one "Close" went back to, until a door is chosen. */
  const firstScreen = (empty || home) && selection === null;
  const errorCount = findings.filter((f) => f.severity === 'error' && !f.accepted).length;
  const warningCount = findings.filter((f) => f.severity === 'warning' && !f.accepted).length;

  const editAndSave = (change: Parameters<typeof edit>[0], label: string) => {
    const problem = edit(change, label);
    if (!problem) onEdited();
    return problem;
  };
  // A finding's button: forms open in the inspector, so show it.
  const runFindingAction = useFindingActions({ onEdited, onOpened: () => setAsideTab('inspector') });

  const siteOf = (node: string) => workspace?.nodes.find((n) => n.name === node)?.site;
  const nodeActions: NodeAction[] = [
    ...(terminals ? [{ id: 'terminal', label: 'Open terminal', icon: <IconTerminal2 size={14} />, run: (node: string) => terminals.openTab(node, siteOf(node)) }] : []),
    { id: 'measure', label: 'Measure latency', icon: <IconGauge size={14} />, run: () => void measureLatency(), ...(measuring ? { disabledReason: 'A measurement is running' } : {}) },
    { id: 'show', label: 'Show in canvas', icon: <IconFocusCentered size={14} />, run: (node: string) => (select({ kind: 'node', name: node }), requestZoom([node])) },
  ];
  const inspectorActions = (node: string): InspectorAction[] => [
    ...(terminals ? [{ id: 'terminal', label: 'Open terminal', run: () => terminals.openTab(node, siteOf(node)) }] : []),
    { id: 'measure', label: measuring ? 'Measuring…' : 'Measure latency', run: () => void measureLatency(), ...(measuring ? { disabledReason: 'A measurement is running' } : {}) },
    { id: 'validate', label: 'Validate', run: () => void validate() },
  ];

  let aside: React.ReactNode = <BackendInfoCard />;
  if (workspace && selection?.kind === 'node') {
    aside = (
      <NodeInspector
        workspace={workspace}
        name={selection.name}
        graphNode={graph?.nodes.find((n) => n.id === selection.name)}
        findings={findings}
        actions={inspectorActions(selection.name)}
        vms={vms.filter((vm) => vm.node === selection.name)}
      />
    );
  } else if (workspace && selection?.kind === 'link') {
    aside = <LinkInspector network={selection.network} a={selection.a} b={selection.b} />;
  } else if (workspace && selection?.kind === 'cluster') {
    aside = <ClusterInspector stack={selection.stack} name={selection.name} />;
  } else if (workspace && selection?.kind === 'add-site') {
    aside = <AddSiteForm onEdit={editAndSave} onDone={() => select(null)} />;
  } else if (workspace && selection?.kind === 'add-network') {
    aside = <NetworksPanel workspace={workspace} onEdit={editAndSave} {...(selection.cluster ? { focusGroup: selection.cluster } : {})} />;
  } else if (workspace && selection?.kind === 'overlays') {
    aside = <OverlayPanel workspace={workspace} onEdit={editAndSave} />;
  } else if (workspace && selection?.kind === 'site') {
    aside = <SiteInspector workspace={workspace} name={selection.name} onEdit={editAndSave} onAddNode={() => select({ kind: 'add-node' })} onRemoved={() => select(null)} />;
  } else if (workspace && selection?.kind === 'add-node') {
    aside = <AddNodeForm key={selection.qdeviceFor ?? ''} workspace={workspace} onEdit={editAndSave} onDone={() => select(null)} {...(selection.qdeviceFor ? { qdeviceFor: selection.qdeviceFor } : {})} />;
  }

  return (
    <AppShell header={{ height: 52 }} navbar={{ width: 260, breakpoint: 'sm' }} aside={{ width: 340, breakpoint: 'md' }} padding={0}>
      <PromptDialogs />
      <ShortcutSheet opened={sheetOpen} onClose={() => setSheetOpen(false)} />
      <UnlockDialog />
      <Suspense fallback={null}>
        {drillSite && <DrillDialog site={drillSite} onClose={() => setDrillSite(null)} />}
        {(advisorOpen || advisorUsed) && <AdvisorDialog opened={advisorOpen} onClose={() => setAdvisorOpen(false)} onOpenWizard={(stack) => openWizard({ stack })} onEdited={onEdited} />}
        {workspace &&
          defaultStacks.map((stack) => {
            const Wizard = stackUi(stack.id).Wizard;
            const opened = wizard?.stack === stack.id;
            return Wizard && (opened || wizardsUsed.has(stack.id)) ? <Wizard key={stack.id} opened={opened} request={opened ? wizard : null} onClose={closeWizard} onEdited={onEdited} onFindingAction={runFindingAction} /> : null;
          })}
      </Suspense>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap" style={{ minWidth: 0 }}>
            <Title order={1} size="h4">
              Clusterwright
            </Title>
            <WorkspaceMenu />
            {workspace && !home && (
              <Tooltip label={saveError ?? (workspacePath ? `Saved in ${workspacePath}` : '')}>
                <Text size="xs" c={saveState === 'failed' ? 'red' : 'dimmed'} data-testid="save-state">
                  {saveLabels[saveState]}
                </Text>
              </Tooltip>
            )}
            {workspace && !home && <InventoryFreshness />}
          </Group>
          <Group gap="xs" wrap="nowrap">
            {workspace && !empty && !home && (
              <>
                <Button size="xs" variant="default" onClick={() => void measureLatency()} disabled={Boolean(measuring)} data-testid="measure-latency">
                  {measuring ? `Measuring ${measuring.done}/${measuring.total || '…'}` : 'Measure latency'}
                </Button>
                {/* A native list: a Mantine Select keeps its closed list mounted and positions it, a forced layout of the
                    whole page (the canvas's thousands of elements included) whenever the header is laid out anew. */}
                <NativeSelect
                  size="xs"
                  w={128}
                  aria-label="Measure latency on a schedule"
                  data={[
                    { value: '0', label: 'On demand' },
                    { value: '5', label: 'Every 5 min' },
                    { value: '15', label: 'Every 15 min' },
                    { value: '60', label: 'Every hour' },
                  ]}
                  value={String(latencyEveryMinutes ?? 0)}
                  onChange={(event) => {
                    const v = event.currentTarget.value;
                    setLatencySchedule(v && v !== '0' ? Number(v) : null);
                  }}
                />
                <Button size="xs" variant="default" onClick={() => { void validate(); setAsideTab('findings'); }} data-testid="validate">
                  Validate
                </Button>
                <Button size="xs" data-testid="open-wizard" onClick={() => setAdvisorOpen(true)}>
                  New cluster
                </Button>
              </>
            )}
            <Tooltip label="Keyboard shortcuts (?)">
              <ActionIcon variant="default" size="lg" aria-label="Keyboard shortcuts" onClick={() => setSheetOpen(true)} data-testid="open-shortcuts">
                <IconKeyboard size={18} stroke={1.6} />
              </ActionIcon>
            </Tooltip>
            <SecretsLock />
            <ColorSchemeToggle />
          </Group>
        </Group>
      </AppShell.Header>

      <AppShell.Navbar p="md" aria-label="Sites and hosts">
        <Stack gap="xs" h="100%">
          <Text fw={600} size="sm">
            Sites and hosts
          </Text>
          {workspace ? (
            <SitesTree
              workspace={workspace}
              nodeStates={nodeStates}
              selectedNode={selection?.kind === 'node' ? selection.name : null}
              onSelectNode={(name) => select({ kind: 'node', name })}
              onSelectSite={(name) => select({ kind: 'site', name })}
              nodeActions={nodeActions}
            />
          ) : (
            <Text size="sm" c="dimmed" data-testid="navbar-empty">
              {loadError ?? 'No workspace is open.'}
            </Text>
          )}
        </Stack>
      </AppShell.Navbar>

      <AppShell.Main>
        <ConnectionBanner />
        <div className="cw-main">
          <section className="cw-canvas" aria-label="Topology canvas">
            {!workspace && issues.length > 0 && <FileIssues path={workspacePath} issues={issues} />}
            {!workspace && issues.length === 0 && !loadError && <Loader size="sm" aria-label="Loading the workspace" />}
            {workspace && firstScreen && <FirstStart />}
            {workspace && !firstScreen && <CanvasPanel onEdited={onEdited} />}
          </section>
          {dockOpen && (
            <>
            <div
              className="cw-dock-resizer"
              role="separator"
              aria-orientation="horizontal"
              aria-label="Resize the dock"
              onPointerDown={(e) => {
                const startY = e.clientY;
                const startHeight = dockHeight;
                const move = (ev: PointerEvent) => setDockHeight(startHeight + startY - ev.clientY);
                const up = () => {
                  window.removeEventListener('pointermove', move);
                  window.removeEventListener('pointerup', up);
                };
                window.addEventListener('pointermove', move);
                window.addEventListener('pointerup', up);
              }}
            />
            <section className="cw-dock" aria-label="Terminal and job dock" style={{ height: dockHeight }}>
              <Tabs value={dockTab} onChange={(tab) => tab && setDockTab(tab as DockTab)} className="cw-dock-tabs" keepMounted>
                <Tabs.List>
                  <Tabs.Tab value="terminals">Terminals{tabCount ? ` (${tabCount})` : ''}</Tabs.Tab>
                  <Tabs.Tab value="jobs" data-testid="dock-jobs" rightSection={runningJobs ? <Loader size={10} /> : null}>
                    Jobs{jobCount ? ` (${jobCount})` : ''}
                  </Tabs.Tab>
                </Tabs.List>
                <Tabs.Panel value="terminals" className="cw-dock-panel">
                  {terminals ? (
                    <TerminalDock controller={terminals} sites={workspace?.sites.map((s) => s.name) ?? []} />
                  ) : (
                    <Text c="dimmed" size="sm" p="sm">
                      Terminals need the SSH service, which this backend does not offer.
                    </Text>
                  )}
                </Tabs.Panel>
                <Tabs.Panel value="jobs" className="cw-dock-panel">
                  <JobsPanel />
                </Tabs.Panel>
              </Tabs>
            </section>
            </>
          )}
        </div>
      </AppShell.Main>

      <AppShell.Aside p="md" aria-label="Inspector">
        <Tabs value={asideTab} onChange={setAsideTab} keepMounted={false}>
          <Tabs.List mb="sm">
            <Tabs.Tab value="inspector" data-testid="inspector-tab">
              Inspector
            </Tabs.Tab>
            <Tabs.Tab value="findings" data-testid="findings-tab" rightSection={errorCount + warningCount > 0 ? <Badge size="xs" color={errorCount ? 'red' : 'orange'}>{errorCount + warningCount}</Badge> : null}>
              Findings
            </Tabs.Tab>
            <Tabs.Tab value="scorecard" data-testid="scorecard-tab">
              Scorecard
            </Tabs.Tab>
            <Tabs.Tab value="monitor" data-testid="monitor-tab" rightSection={monitorAlerts.length > 0 ? <Badge size="xs" color={monitorAlerts.some((a) => a.severity === 'error') ? 'red' : 'orange'}>{monitorAlerts.length}</Badge> : null}>
              Monitor
            </Tabs.Tab>
            <Tabs.Tab value="about">About</Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="inspector">
            <ScrollArea.Autosize mah="calc(100vh - 140px)">
              <Suspense fallback={loading}>{aside}</Suspense>
            </ScrollArea.Autosize>
            {measureError && (
              <Text size="xs" c="red" mt="sm">
                {measureError}
              </Text>
            )}
            {inventoryProblems.map((p) => (
              <Text key={p} size="xs" c="orange" mt="sm" data-testid="inventory-problem">
                VM inventory: {p}
              </Text>
            ))}
          </Tabs.Panel>
          <Tabs.Panel value="findings">
            <FindingsPanel
              findings={findings}
              alerts={monitorAlerts}
              onAction={runFindingAction}
              onSelect={(f) => {
                const nodes = f.elements.filter((e) => e.kind === 'node' || e.kind === 'link').flatMap((e) => [e.name, ...(e.peer ? [e.peer] : [])]);
                highlight(nodes);
                if (nodes[0]) select({ kind: 'node', name: nodes[0] });
              }}
            />
          </Tabs.Panel>
          <Tabs.Panel value="scorecard">
            <ScrollArea.Autosize mah="calc(100vh - 140px)">
              <ScorecardPanel
                actions={{
                  wizard: (stack) => (stackUi(stack).Wizard ? openWizard({ stack }) : setAdvisorOpen(true)),
                  measure: () => void measureLatency(),
                  networks: () => (select({ kind: 'add-network' }), setAsideTab('inspector')),
                  drill: (site) => setDrillSite(site),
                  overlay: () => (select({ kind: 'overlays' }), setAsideTab('inspector')),
                  monitor: () => setAsideTab('monitor'),
                  // A stack without a QDevice host form gets its wizard instead.
                  finding: (stack, action) => {
                    if (action.id === 'add-qdevice-host' && !stackUi(stack).addQdeviceHost) return void (stackUi(stack).Wizard ? openWizard({ stack }) : setAdvisorOpen(true));
                    runFindingAction(action);
                  },
                  ...(terminals ? { terminal: (node: string) => terminals.openTab(node, siteOf(node)) } : {}),
                }}
              />
            </ScrollArea.Autosize>
          </Tabs.Panel>
          <Tabs.Panel value="monitor">
            <ScrollArea.Autosize mah="calc(100vh - 140px)">
              <Suspense fallback={loading}>
                <MonitorPanel />
              </Suspense>
            </ScrollArea.Autosize>
          </Tabs.Panel>
          <Tabs.Panel value="about">{info ? <BackendInfoCard /> : null}</Tabs.Panel>
        </Tabs>
      </AppShell.Aside>
    </AppShell>
  );
}
