// What the wizard shows while the plan waits for nodes joined by hand: the cluster's join information (the text
// Proxmox's Join Cluster dialog takes) and, per node, the pvecm add command; neither carries a password.
import { Alert, Button, Code, CopyButton, Group, Stack, Text, Textarea } from '@mantine/core';
import type { MethodOutput } from '../../../../main/common/contract/index.js';

export function JoinInfoPanel({ joinInfo, error, onRetry }: { joinInfo: MethodOutput<'proxmox.joinInformation'> | null; error: string | null; onRetry(): void }) {
  return (
    <Alert color="blue" variant="light" title="Join these nodes by hand" data-testid="wizard-join-info">
      {error && (
        <Group gap="xs">
          <Text size="sm" c="red">
            {error}
          </Text>
          <Button size="xs" variant="default" onClick={onRetry}>
            Try again
          </Button>
        </Group>
      )}
      {!joinInfo && !error && <Text size="sm">Reading the join information from the new cluster…</Text>}
      {joinInfo && (
        <Stack gap={6}>
          <Text size="sm">
            On each node below, open its web UI → Datacenter → Cluster → Join Cluster and paste this, then enter the root password of {joinInfo.preferredNode}. Or run the command on the node; it asks for that password. The plan waits until the node has joined.
          </Text>
          <Text size="xs">
            Peer {joinInfo.ipAddress}, certificate {joinInfo.fingerprint}
          </Text>
          <Textarea readOnly autosize maxRows={4} value={joinInfo.joinInformation} label="Join information" styles={{ input: { fontFamily: 'monospace', fontSize: 11 } }} data-testid="wizard-join-info-text" />
          <CopyButton value={joinInfo.joinInformation}>{({ copied, copy }) => <Button size="xs" variant="default" onClick={copy}>{copied ? 'Copied' : 'Copy the join information'}</Button>}</CopyButton>
          {joinInfo.commands.map((c) => (
            <Stack key={c.node} gap={2}>
              <Text size="xs" fw={600}>
                On {c.node}:
              </Text>
              <Group gap="xs" wrap="nowrap" align="flex-start">
                <Code block fz="xs" style={{ flex: 1 }} data-testid={`wizard-join-command-${c.node}`}>
                  {c.command}
                </Code>
                <CopyButton value={c.command}>{({ copied, copy }) => <Button size="xs" variant="subtle" onClick={copy}>{copied ? 'Copied' : 'Copy'}</Button>}</CopyButton>
              </Group>
            </Stack>
          ))}
        </Stack>
      )}
    </Alert>
  );
}
