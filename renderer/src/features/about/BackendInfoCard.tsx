// Shows what app.info reports: the version, host kind, platform and workspace folder of the backend.
import { Alert, Card, Code, Loader, Stack, Table, Text } from '@mantine/core';
import { useAppState } from '../../store/context.js';

const hostLabels = { electron: 'Desktop (Electron)', web: 'Web mode (local server)', cli: 'Command line', test: 'Test host' } as const;

export function BackendInfoCard() {
  const info = useAppState((s) => s.info);
  const error = useAppState((s) => s.infoError);
  if (error) {
    return (
      <Alert color="red" title="The backend did not answer" data-testid="app-info-error">
        {error}
      </Alert>
    );
  }
  if (!info) return <Loader size="sm" aria-label="Loading backend information" />;
  return (
    <Card withBorder padding="sm" data-testid="app-info">
      <Stack gap="xs">
        <Text fw={600}>Backend</Text>
        <Table withRowBorders={false} verticalSpacing={4} fz="sm">
          <Table.Tbody>
            <Table.Tr>
              <Table.Th scope="row">Version</Table.Th>
              <Table.Td data-testid="app-info-version">{info.version}</Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th scope="row">Host</Table.Th>
              <Table.Td data-testid="app-info-host">{hostLabels[info.hostKind]}</Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th scope="row">Platform</Table.Th>
              <Table.Td data-testid="app-info-platform">
                {info.platform}, {info.arch}, Node {info.nodeVersion}
              </Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th scope="row">Workspace</Table.Th>
              <Table.Td>
                <Code data-testid="app-info-workspace" style={{ wordBreak: 'break-all' }}>
                  {info.workspaceDir}
                </Code>
              </Table.Td>
            </Table.Tr>
          </Table.Tbody>
        </Table>
      </Stack>
    </Card>
  );
}
