// What an empty workspace shows: doors to start from, never a blank screen.
import { Button, Card, Group, Select, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import type { LabStatusView } from '../../../../main/common/contract/lab.js';
import { describeError } from '../../store/describe-error.js';
import { useEffect, useState } from 'react';
import { useAppState, useTransport } from '../../store/context.js';

export function FirstStart() {
  const select = useAppState((s) => s.select);
  const openWorkspace = useAppState((s) => s.openWorkspace);
  const transport = useTransport();
  const [path, setPath] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [recent, setRecent] = useState<{ path: string; name: string; exists: boolean }[]>([]);
  const [lab, setLab] = useState<LabStatusView | null>(null);
  const [example, setExample] = useState<string | null>('three-sites');
  const [exampleTouched, setExampleTouched] = useState(false);
  const [labBusy, setLabBusy] = useState(false);
  const [labError, setLabError] = useState<string | null>(null);
  useEffect(() => {
    transport.call('workspace.recent', {}).then((r) => setRecent(r.entries.filter((e) => e.exists)), () => setRecent([]));
    transport.call('lab.status', {}).then(setLab, (e) => setLabError(describeError(e)));
  }, [transport]);
  // A running lab is what the door offers first, until the admin picks another example.
  useEffect(() => {
    if (!exampleTouched && lab?.running && lab.name && lab.examples.some((e) => e.name === lab.name)) setExample(lab.name);
  }, [lab, exampleTouched]);
  // The running lab is opened as it is when it is the example chosen; another example replaces it (said on the button).
  const running = lab?.running && lab.workspacePath ? { name: lab.name, workspacePath: lab.workspacePath } : undefined;
  const reuse = running !== undefined && running.name === example;
  const startLab = async () => {
    if (!example) return;
    setLabBusy(true);
    setLabError(null);
    try {
      const started = reuse ? { workspacePath: running.workspacePath } : await transport.call('lab.up', { example, replace: true });
      const problem = await openWorkspace(started.workspacePath);
      if (problem) setLabError(problem);
    } catch (error) {
      setLabError(describeError(error));
    } finally {
      setLabBusy(false);
    }
  };
  const open = async (target: string) => {
    setError(await openWorkspace(target));
  };
  return (
    <Stack align="center" justify="center" h="100%" p="xl" data-testid="first-start">
      <Title order={2} size="h3">
        Start your estate
      </Title>
      <Text c="dimmed" size="sm" maw={560} ta="center">
        Describe your sites, nodes and networks; Clusterwright measures the links between them and tells you what each stack can do with them.
      </Text>
      <SimpleGrid cols={3} spacing="md" maw={980} w="100%">
        <Card withBorder padding="md" data-testid="door-lab">
          <Stack gap="xs">
            <Text fw={600}>Try the lab</Text>
            <Text size="sm" c="dimmed">
              Hosts with real sshd and corosync on this machine, in sites joined by LAN, metro and WAN links.
            </Text>
            {lab && !lab.available ? (
              <Text size="xs" c="orange" data-testid="lab-unavailable">
                {lab.reason}
              </Text>
            ) : (
              <>
                <Select
                  size="xs"
                  aria-label="Example lab"
                  data={(lab?.examples ?? []).map((e) => ({ value: e.name, label: `${e.name} (${e.hosts} hosts, ${e.sites} sites)` }))}
                  value={example}
                  onChange={(value) => {
                    setExampleTouched(true);
                    setExample(value);
                  }}
                  allowDeselect={false}
                />
                <Button variant="light" loading={labBusy} disabled={!lab || !example} onClick={() => void startLab()} data-testid="door-lab-start">
                  {reuse ? 'Open the lab' : running ? 'Replace the lab' : 'Start the lab'}
                </Button>
                {running && (
                  <Text size="xs" c="dimmed" data-testid="door-lab-running">
                    {reuse ? `"${running.name}" is running.` : `Stops "${running.name ?? 'the running lab'}" and starts "${example}".`}
                  </Text>
                )}
              </>
            )}
            {labError && (
              <Text size="xs" c="red">
                {labError}
              </Text>
            )}
          </Stack>
        </Card>
        <Card withBorder padding="md">
          <Stack gap="xs">
            <Text fw={600}>Add your first site and nodes</Text>
            <Text size="sm" c="dimmed">
              A site is a place (home, office, colo); nodes are the PCs in it.
            </Text>
            <Button onClick={() => select({ kind: 'add-site' })} data-testid="door-add-site">
              Add a site
            </Button>
          </Stack>
        </Card>
        <Card withBorder padding="md">
          <Stack gap="xs" component="form" onSubmit={(e) => { e.preventDefault(); void open(path); }}>
            <Text fw={600}>Open a workspace file</Text>
            <TextInput size="xs" placeholder="/path/to/clusterwright.yaml or its folder" aria-label="Workspace path" value={path} onChange={(e) => setPath(e.currentTarget.value)} />
            <Button type="submit" variant="light" disabled={!path.trim()}>
              Open
            </Button>
            {error && (
              <Text size="xs" c="red">
                {error}
              </Text>
            )}
          </Stack>
        </Card>
      </SimpleGrid>
      {recent.length > 0 && (
        <Stack gap={4} maw={980} w="100%">
          <Text size="sm" fw={600}>
            Recent
          </Text>
          {recent.slice(0, 6).map((r) => (
            <Group key={r.path} gap="xs">
              <Button variant="subtle" size="compact-sm" onClick={() => void open(r.path)}>
                {r.name}
              </Button>
              <Text size="xs" c="dimmed" truncate>
                {r.path}
              </Text>
            </Group>
          ))}
        </Stack>
      )}
    </Stack>
  );
}
