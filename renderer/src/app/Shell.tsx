// The main window: header, navbar (sites and hosts), main (canvas + dock), aside (inspector / log).
import { AppShell, Badge, Group, Text, Title } from '@mantine/core';
import { useAppState } from '../store/context.js';
import { ColorSchemeToggle } from './ColorSchemeToggle.js';
import { BackendInfoCard } from '../features/about/BackendInfoCard.js';
import { ConnectionBanner } from '../components/ConnectionBanner.js';

export function Shell() {
  const info = useAppState((s) => s.info);
  const dockOpen = useAppState((s) => s.dockOpen);
  return (
    <AppShell
      header={{ height: 52 }}
      navbar={{ width: 260, breakpoint: 'sm' }}
      aside={{ width: 320, breakpoint: 'md' }}
      padding={0}
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Title order={1} size="h4">
              Clusterwright
            </Title>
            {info && (
              <Badge variant="light" color="gray" title={info.workspaceDir} data-testid="workspace-badge">
                {info.workspaceDir.split(/[\\/]/).filter(Boolean).slice(-1)[0] ?? info.workspaceDir}
              </Badge>
            )}
          </Group>
          <Group gap="xs">
            <ColorSchemeToggle />
          </Group>
        </Group>
      </AppShell.Header>

      <AppShell.Navbar p="md" aria-label="Sites and hosts">
        <Text fw={600} size="sm" mb="xs">
          Sites and hosts
        </Text>
        <Text size="sm" c="dimmed" data-testid="navbar-empty">
          This workspace has no sites yet.
        </Text>
      </AppShell.Navbar>

      <AppShell.Main>
        <ConnectionBanner />
        <div className="cw-main">
          <section className="cw-canvas" aria-label="Topology canvas">
            <Text c="dimmed" size="sm">
              The topology canvas shows sites, nodes and links once the workspace has some.
            </Text>
          </section>
          {dockOpen && (
            <section className="cw-dock" aria-label="Terminal and job dock">
              <Text c="dimmed" size="sm">
                Terminals and job logs open here.
              </Text>
            </section>
          )}
        </div>
      </AppShell.Main>

      <AppShell.Aside p="md" aria-label="Inspector">
        <BackendInfoCard />
      </AppShell.Aside>
    </AppShell>
  );
}
