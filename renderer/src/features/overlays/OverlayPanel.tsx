// The overlays panel (aside): create a WireGuard overlay for sites that meet over the Internet (the
// proposal from main/common/overlay/suggest.ts, every choice checked like any edit), and for each overlay
// its tunnels' state with the three things an admin does next: plan the keys (generated on the nodes),
// plan the tunnels (path MTU measured, public keys read back), read the tunnels' state. Plans open in
// the same preview as every other plan and run as jobs in the dock.
import { Badge, Button, Group, Modal, MultiSelect, NumberInput, Paper, SegmentedControl, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMemo, useState } from 'react';
import type { OverlayPlanResult } from '../../../../main/common/contract/overlay.js';
import type { PlanPreview } from '../../../../main/common/contract/plan.js';
import { overlaysOf, memberNames } from '../../../../main/common/overlay/model.js';
import { addOverlay, suggestOverlay, type OverlayChoices } from '../../../../main/common/overlay/suggest.js';
import type { Workspace } from '../../../../main/common/workspace/schema.js';
import { useAppState, useTransport } from '../../store/context.js';
import { describeError } from '../../store/describe-error.js';
import type { WorkspaceEdit } from '../inspector/EditForms.js';
import { tunnelLabel } from '../topology/graph.js';
import { stateColours, stateLabels } from '../topology/link-styles.js';
import { useTopologyGraph } from '../topology/use-graph.js';
import { PlanNotes } from '../wizard/PlanNotes.js';
import { PlanPreviewView } from '../wizard/PlanPreviewView.js';

type Edit = (edit: WorkspaceEdit, label: string) => string | null;

export function OverlayPanel({ workspace, onEdit }: { workspace: Workspace; onEdit: Edit }) {
  const overlays = overlaysOf(workspace);
  const [creating, setCreating] = useState(overlays.length === 0);
  return (
    <Stack gap="sm" data-testid="overlay-panel">
      <Title order={3} size="h5">
        WireGuard overlays
      </Title>
      <Text size="xs" c="dimmed">
        An encrypted path between sites that meet over the Internet, for corosync, migration and storage traffic. Keys are generated on the nodes; private keys never leave them.
      </Text>
      {overlays.map((o) => (
        <OverlayCard key={o.name} workspace={workspace} name={o.name} />
      ))}
      {creating ? (
        <CreateOverlayForm workspace={workspace} onEdit={onEdit} onDone={() => setCreating(false)} />
      ) : (
        <Button size="xs" variant="light" onClick={() => setCreating(true)} data-testid="new-overlay">
          New overlay
        </Button>
      )}
    </Stack>
  );
}

export function CreateOverlayForm({ workspace, onEdit, onDone }: { workspace: Workspace; onEdit: Edit; onDone(): void }) {
  const [choices, setChoices] = useState<OverlayChoices>(() => suggestOverlay(workspace));
  const [error, setError] = useState<string | null>(null);
  const set = (patch: Partial<OverlayChoices>) => setChoices((c) => ({ ...c, ...patch }));
  const members = useMemo(() => workspace.nodes.filter((n) => choices.sites.includes(n.site)).map((n) => n.name), [workspace, choices.sites]);
  const internet = workspace.sites.filter((s) => s.kind === 'internet').map((s) => s.name);
  return (
    <Paper withBorder p="sm" radius="md">
      <Stack
        gap="xs"
        component="form"
        aria-label="New overlay"
        onSubmit={(e) => {
          e.preventDefault();
          const problem = onEdit((ws) => addOverlay(ws, choices), `add overlay ${choices.name}`);
          setError(problem);
          if (!problem) onDone();
        }}
      >
        <Text size="sm" fw={600}>
          New overlay
        </Text>
        <Text size="xs" c="dimmed" data-testid="overlay-proposal">
          {internet.length ? `${internet.join(', ')} ${internet.length === 1 ? 'meets' : 'meet'} the others over the Internet: proposed a mesh between every site, over the management network, keepalive 25 s.` : 'No site is marked as reached over the Internet: choose the sites the overlay joins.'}
        </Text>
        <TextInput label="Name" required value={choices.name} onChange={(e) => set({ name: e.currentTarget.value.trim() })} data-testid="overlay-name" />
        <MultiSelect label="Sites" data={workspace.sites.map((s) => ({ value: s.name, label: `${s.name} (${s.kind.toUpperCase()})` }))} value={choices.sites} onChange={(sites) => set({ sites })} data-testid="overlay-sites" />
        <SegmentedControl
          size="xs"
          aria-label="Topology"
          data={[
            { value: 'mesh', label: 'Mesh' },
            { value: 'hub-and-spoke', label: 'Hub and spoke' },
          ]}
          value={choices.topology}
          onChange={(v) => set({ topology: v as OverlayChoices['topology'] })}
        />
        {choices.topology === 'hub-and-spoke' && <Select label="Hub" description="Forwards between the spokes: a single point of failure for what rides on it" data={members} value={choices.hub ?? null} onChange={(v) => set({ ...(v ? { hub: v } : {}) })} />}
        <TextInput label="Address range" required value={choices.addressRange} onChange={(e) => set({ addressRange: e.currentTarget.value.trim() })} data-testid="overlay-range" />
        <Group grow>
          <NumberInput label="UDP port" min={1} max={65535} value={choices.port} onChange={(v) => set({ port: Number(v) || 51820 })} />
          <NumberInput label="Keepalive (s)" min={1} max={65535} value={choices.keepalive ?? ''} onChange={(v) => set(v === '' ? { keepalive: undefined } : { keepalive: Number(v) })} />
        </Group>
        <MultiSelect label="Behind NAT" description="Nobody can reach them first: they dial out and keep the mapping open" data={members} value={choices.behindNat} onChange={(behindNat) => set({ behindNat })} />
        <MultiSelect label="Also carries" description="Existing networks whose traffic rides on the overlay" data={workspace.networks.map((n) => n.name)} value={choices.carries} onChange={(carries) => set({ carries })} />
        <TextInput
          label="New network on the overlay"
          description="Made for it (corosync's second link, say); leave empty for none"
          value={choices.newNetwork ?? ''}
          onChange={(e) => {
            const value = e.currentTarget.value.trim();
            setChoices(({ newNetwork: _old, ...rest }) => (value ? { ...rest, newNetwork: value } : rest));
          }}
        />
        {error && (
          <Text size="xs" c="red" data-testid="form-error">
            {error}
          </Text>
        )}
        <Group justify="flex-end">
          <Button variant="default" size="xs" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" size="xs" data-testid="add-overlay">
            Add overlay
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

function OverlayCard({ workspace, name }: { workspace: Workspace; name: string }) {
  const transport = useTransport();
  const saveWorkspace = useAppState((s) => s.saveWorkspace);
  const reloadFacts = useAppState((s) => s.reloadFacts);
  const graph = useTopologyGraph();
  const overlay = overlaysOf(workspace).find((o) => o.name === name)!;
  const tunnels = (graph?.tunnels ?? []).filter((t) => t.overlay === name);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [planned, setPlanned] = useState<{ result: OverlayPlanResult; preview: PlanPreview } | null>(null);
  const [started, setStarted] = useState<string | null>(null);

  const guard = async (what: string, work: () => Promise<void>) => {
    setBusy(what);
    setError(null);
    try {
      await work();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(null);
    }
  };
  const plan = (phase: 'keys' | 'tunnels') =>
    guard(phase === 'keys' ? 'Planning the keys…' : 'Measuring the path MTU and reading the public keys…', async () => {
      await saveWorkspace();
      const result = await transport.call('overlay.plan', { overlay: name, phase });
      const preview = await transport.call('plan.preview', { plan: result.plan });
      setStarted(null);
      setPlanned({ result, preview });
    });
  const apply = () =>
    guard('Starting…', async () => {
      if (!planned) return;
      const run = await transport.call('plan.apply', { plan: planned.result.plan, planHash: planned.preview.planHash, wait: false });
      setStarted(run.runId);
      setPlanned(null);
    });
  const readStatus = () =>
    guard('Reading the tunnels on the members…', async () => {
      await saveWorkspace();
      await transport.call('overlay.status', { overlay: name });
      await reloadFacts();
    });

  return (
    <Paper withBorder p="sm" radius="md" data-testid={`overlay-card-${name}`}>
      <Stack gap={6}>
        <Group justify="space-between" wrap="nowrap">
          <Text size="sm" fw={600}>
            {name}
          </Text>
          <Badge size="xs" variant="light">
            {overlay.topology} · {memberNames(workspace, overlay).length} nodes{overlay.keepalive ? ` · keepalive ${overlay.keepalive} s` : ''}
          </Badge>
        </Group>
        <Text size="xs" c="dimmed">
          {overlay.addressRange} · carries {overlay.networks.join(', ')}
        </Text>
        {tunnels.map((t) => (
          <Group key={t.id} gap={6} wrap="nowrap" data-testid={`overlay-tunnel-${t.source}-${t.target}`} data-state={t.state}>
            <svg width="12" height="12" aria-hidden="true" style={{ flex: 'none' }}>
              <circle cx="6" cy="6" r="5" fill={stateColours[t.state]} />
            </svg>
            <Text size="xs" title={`${t.label} — ${stateLabels[t.state]}`}>
              {t.source} – {t.target}: {tunnelLabel(t)}
            </Text>
          </Group>
        ))}
        <Group gap={6}>
          <Button size="compact-xs" variant="light" onClick={() => void plan('keys')} disabled={Boolean(busy)} data-testid="overlay-plan-keys">
            1. Plan keys
          </Button>
          <Button size="compact-xs" variant="light" onClick={() => void plan('tunnels')} disabled={Boolean(busy)} data-testid="overlay-plan-tunnels">
            2. Plan tunnels
          </Button>
          <Button size="compact-xs" variant="default" onClick={() => void readStatus()} disabled={Boolean(busy)} data-testid="overlay-read-status">
            Read tunnels
          </Button>
        </Group>
        {busy && (
          <Text size="xs" c="dimmed">
            {busy}
          </Text>
        )}
        {started && (
          <Text size="xs" data-testid="overlay-run-started">
            Running as job {started}: follow it in the dock&apos;s Jobs tab, then read the tunnels.
          </Text>
        )}
        {error && (
          <Text size="xs" c="red" data-testid="overlay-error">
            {error}
          </Text>
        )}
      </Stack>
      <Modal opened={planned !== null} onClose={() => setPlanned(null)} title={planned?.preview.title ?? ''} size="xl">
        {planned && (
          <Stack gap="sm" data-testid="overlay-plan">
            <PlanNotes notes={planned.result.notes} />
            <PlanPreviewView preview={planned.preview} acknowledged={[]} onAcknowledge={() => undefined} />
            <Group justify="flex-end">
              <Button variant="default" size="xs" onClick={() => setPlanned(null)}>
                Close
              </Button>
              <Button size="xs" onClick={() => void apply()} disabled={Boolean(busy) || planned.preview.destructiveSteps.length > 0} data-testid="overlay-apply">
                Run the plan
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </Paper>
  );
}
