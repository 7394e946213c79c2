// The workspace menu in the header: open a file, a recent one, a new one, close (back to the first screen),
// and the local lab — which one runs, its hosts, start another, open its workspace, or stop it (lab down).
import { Alert, Badge, Button, Group, Menu, Modal, Select, Stack, Text, TextInput, Tooltip, UnstyledButton } from '@mantine/core';
import { IconChevronDown, IconDoorExit, IconFilePlus, IconFlask, IconFolderOpen, IconFolders, IconHistory, IconPlayerPlay, IconPlayerStop } from '@tabler/icons-react';
import { useCallback, useEffect, useState } from 'react';
import type { LabStatusView } from '../../../../main/common/contract/lab.js';
import { useAppState, useTransport } from '../../store/context.js';
import { describeError } from '../../store/describe-error.js';

type Dialog = { kind: 'open' } | { kind: 'new' } | { kind: 'lab-start' } | { kind: 'lab-stop' } | null;

interface RecentEntry {
  path: string;
  name: string;
  exists: boolean;
}

/** One line for the lab's state, as the menu and its tooltip show it. */
export function describeLab(lab: LabStatusView | null): string {
  if (!lab) return 'Lab: reading its state…';
  if (!lab.available) return `Lab: not available here (${lab.reason ?? 'unknown reason'})`;
  if (!lab.running) return 'Lab: not running';
  const running = lab.hosts.filter((h) => h.running).length;
  return `Lab "${lab.name ?? '?'}" running: ${running}/${lab.hosts.length} hosts${lab.stackServices.map((s) => `, ${s}`).join('')}`;
}

export function WorkspaceMenu() {
  const transport = useTransport();
  const workspace = useAppState((s) => s.workspace);
  const workspacePath = useAppState((s) => s.workspacePath);
  const openWorkspace = useAppState((s) => s.openWorkspace);
  const closeWorkspace = useAppState((s) => s.closeWorkspace);
  const home = useAppState((s) => s.home);
  const [recent, setRecent] = useState<RecentEntry[]>([]);
  const [lab, setLab] = useState<LabStatusView | null>(null);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [path, setPath] = useState('');
  const [example, setExample] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const refresh = useCallback(() => {
    transport.call('workspace.recent', {}).then((r) => setRecent(r.entries.filter((e) => e.exists)), () => setRecent([]));
    transport.call('lab.status', {}).then(setLab, () => setLab(null));
  }, [transport]);
  useEffect(refresh, [refresh]);

  const show = (next: Dialog) => {
    setError(null);
    setPath('');
    if (next?.kind === 'lab-start') setExample(lab?.name && lab.examples.some((e) => e.name === lab.name) ? lab.name : (lab?.examples[0]?.name ?? null));
    setDialog(next);
  };
  const finish = (problem: string | null) => {
    setBusy(false);
    if (problem) setError(problem);
    else {
      setDialog(null);
      refresh();
    }
  };
  const open = async (target: string, create = false) => {
    setBusy(true);
    finish(await openWorkspace(target, create));
  };
  const startLab = async () => {
    if (!example) return;
    setBusy(true);
    setError(null);
    try {
      const started = await transport.call('lab.up', { example, replace: true });
      finish(await openWorkspace(started.workspacePath));
    } catch (e) {
      finish(describeError(e));
    }
  };
  const stopLab = async () => {
    setBusy(true);
    setError(null);
    try {
      const labWorkspace = lab?.workspacePath;
      await transport.call('lab.down', {});
      // The lab's hosts are gone: its workspace describes nothing that answers any more.
      finish(labWorkspace && labWorkspace === workspacePath ? await closeWorkspace() : null);
    } catch (e) {
      finish(describeError(e));
    }
  };
  const labOpen = Boolean(lab?.running && lab.workspacePath && lab.workspacePath === workspacePath && !home);

  return (
    <>
      <Menu position="bottom-start" withinPortal onOpen={refresh} width={320}>
        <Menu.Target>
          <Tooltip label={workspacePath ? `Workspace menu — ${workspacePath}` : 'Workspace menu'}>
            <UnstyledButton aria-label="Workspace menu" data-testid="workspace-menu" className="cw-workspace-menu">
              <Group gap={6} wrap="nowrap">
                <IconFolders size={18} stroke={1.6} />
                <Text size="sm" fw={500} truncate maw={220} data-testid="workspace-name">
                  {home || !workspace ? 'No workspace open' : workspace.name}
                </Text>
                {labOpen && (
                  <Badge size="xs" variant="light" color="grape">
                    lab
                  </Badge>
                )}
                <IconChevronDown size={14} />
              </Group>
            </UnstyledButton>
          </Tooltip>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Label>Workspace</Menu.Label>
          <Menu.Item leftSection={<IconFolderOpen size={16} />} onClick={() => show({ kind: 'open' })} data-testid="menu-open">
            Open a workspace file…
          </Menu.Item>
          <Menu.Item leftSection={<IconFilePlus size={16} />} onClick={() => show({ kind: 'new' })} data-testid="menu-new">
            New workspace…
          </Menu.Item>
          {recent.filter((r) => r.path !== workspacePath).length > 0 && <Menu.Label>Recent</Menu.Label>}
          {recent
            .filter((r) => r.path !== workspacePath)
            .slice(0, 6)
            .map((r) => (
              <Menu.Item key={r.path} leftSection={<IconHistory size={16} />} onClick={() => void open(r.path)} data-testid="menu-recent">
                <Text size="sm" truncate>
                  {r.name}
                </Text>
                <Text size="xs" c="dimmed" truncate>
                  {r.path}
                </Text>
              </Menu.Item>
            ))}
          <Menu.Item leftSection={<IconDoorExit size={16} />} onClick={() => void closeWorkspace().then(finish)} disabled={home} data-testid="menu-close">
            Close workspace (back to the first screen)
          </Menu.Item>
          <Menu.Divider />
          <Menu.Label>
            <Group gap={6} wrap="nowrap">
              <IconFlask size={14} />
              <span data-testid="menu-lab-status">{describeLab(lab)}</span>
            </Group>
          </Menu.Label>
          {lab?.running && (
            <Text size="xs" c="dimmed" px="sm" pb={4} data-testid="menu-lab-hosts">
              {lab.hosts.map((h) => `${h.name}${h.running ? '' : ' (down)'}`).join(', ')}
            </Text>
          )}
          {lab?.running && lab.workspacePath && !labOpen && (
            <Menu.Item leftSection={<IconFolderOpen size={16} />} onClick={() => void open(lab.workspacePath!)} data-testid="menu-lab-open">
              Open the lab's workspace
            </Menu.Item>
          )}
          {lab?.available && (
            <Menu.Item leftSection={<IconPlayerPlay size={16} />} onClick={() => show({ kind: 'lab-start' })} data-testid="menu-lab-start">
              {lab.running ? 'Start another lab (replaces this one)…' : 'Start a lab…'}
            </Menu.Item>
          )}
          {lab?.running && (
            <Menu.Item leftSection={<IconPlayerStop size={16} />} color="red" onClick={() => show({ kind: 'lab-stop' })} data-testid="menu-lab-stop">
              Stop the lab (lab down)
            </Menu.Item>
          )}
        </Menu.Dropdown>
      </Menu>

      <Modal opened={dialog?.kind === 'open' || dialog?.kind === 'new'} onClose={() => setDialog(null)} title={dialog?.kind === 'new' ? 'New workspace' : 'Open a workspace'} data-testid="workspace-dialog">
        <Stack gap="sm" component="form" onSubmit={(e) => { e.preventDefault(); void open(path.trim(), dialog?.kind === 'new'); }}>
          <TextInput
            label={dialog?.kind === 'new' ? 'Folder for the new workspace' : 'Workspace file, or the folder holding clusterwright.yaml'}
            description={dialog?.kind === 'new' ? 'An empty clusterwright.yaml is created there (an existing one is opened as it is).' : undefined}
            placeholder="/path/to/estate"
            value={path}
            onChange={(e) => setPath(e.currentTarget.value)}
            autoFocus
            data-testid="workspace-dialog-path"
          />
          {error && <Alert color="red">{error}</Alert>}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setDialog(null)}>
              Cancel
            </Button>
            <Button type="submit" disabled={!path.trim()} loading={busy} data-testid="workspace-dialog-submit">
              {dialog?.kind === 'new' ? 'Create' : 'Open'}
            </Button>
          </Group>
        </Stack>
      </Modal>

      <Modal opened={dialog?.kind === 'lab-start'} onClose={() => !busy && setDialog(null)} title="Start a lab" data-testid="lab-start-dialog">
        <Stack gap="sm">
          <Text size="sm">Hosts with real sshd and corosync on this machine, in sites joined by shaped links; its workspace opens when it is up.</Text>
          {lab?.running && (
            <Text size="sm" c="orange">
              The running lab "{lab.name}" is stopped first: its hosts and their keys go away.
            </Text>
          )}
          <Select
            label="Example"
            data={(lab?.examples ?? []).map((e) => ({ value: e.name, label: `${e.name} (${e.hosts} hosts, ${e.sites} sites)` }))}
            value={example}
            onChange={setExample}
            allowDeselect={false}
            data-testid="lab-start-example"
          />
          {error && <Alert color="red">{error}</Alert>}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setDialog(null)} disabled={busy}>
              Cancel
            </Button>
            <Button onClick={() => void startLab()} loading={busy} disabled={!example} data-testid="lab-start-submit">
              Start
            </Button>
          </Group>
        </Stack>
      </Modal>

      <Modal opened={dialog?.kind === 'lab-stop'} onClose={() => !busy && setDialog(null)} title="Stop the lab" data-testid="lab-stop-dialog">
        <Stack gap="sm">
          <Text size="sm">
            Stops every host of the lab "{lab?.name}" ({lab?.hosts.length ?? 0} hosts) and removes its namespaces{lab?.stackServices.length ? ` and its ${lab.stackServices.join(' and ')}` : ''}.
            {labOpen ? ' Its workspace is closed, as nothing it describes will answer.' : ''}
          </Text>
          {error && <Alert color="red">{error}</Alert>}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setDialog(null)} disabled={busy}>
              Cancel
            </Button>
            <Button color="red" onClick={() => void stopLab()} loading={busy} data-testid="lab-stop-submit">
              Stop the lab
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
