// The inspector for one node: addresses, roles, stack, its host keys, the findings that concern it, and actions.
import { Badge, Button, Code, Group, Stack, Table, Text, Title } from '@mantine/core';
import type { Workspace } from '../../../../main/common/workspace/schema.js';
import type { Finding } from '../../../../main/common/workspace/rules/types.js';
import type { GraphNode } from '../topology/graph.js';
import { StateLine } from '../topology/StateLine.js';
import type { VmRecord } from '../../../../main/common/contract/inventory.js';
import { NodeHostKeys } from './NodeHostKeys.js';

export interface InspectorAction {
  id: string;
  label: string;
  run(): void;
  disabledReason?: string;
  color?: string;
}

export function NodeInspector({
  workspace,
  name,
  graphNode,
  findings,
  actions,
  vms = [],
}: {
  workspace: Workspace;
  name: string;
  graphNode?: GraphNode;
  findings: Finding[];
  actions: InspectorAction[];
  vms?: VmRecord[];
}) {
  const node = workspace.nodes.find((n) => n.name === name);
  if (!node) return <Text size="sm">The node {name} is no longer in the workspace.</Text>;
  const concerning = findings.filter((f) => f.elements.some((e) => e.name === name || e.peer === name));
  const ssh = node.ssh;
  return (
    <Stack gap="sm" data-testid="node-inspector">
      <Group justify="space-between" wrap="nowrap">
        <Title order={3} size="h5">
          {node.name}
        </Title>
        {graphNode?.stack && <Badge variant="light">{graphNode.stack}</Badge>}
      </Group>
      <Text size="xs" c="dimmed">
        Site {node.site}
        {graphNode?.roles.length ? ` · ${graphNode.roles.join(', ')}` : ''}
      </Text>
      {graphNode && <StateLine state={graphNode.state} reason={graphNode.stateReason} testId="node-state" />}
      <Table withRowBorders={false} verticalSpacing={2} fz="sm" data-testid="node-addresses">
        <Table.Tbody>
          {Object.entries(node.addresses).map(([network, address]) => (
            <Table.Tr key={network}>
              <Table.Th scope="row">{network}</Table.Th>
              <Table.Td>
                <Code>{address}</Code>
              </Table.Td>
            </Table.Tr>
          ))}
          {ssh && (
            <Table.Tr>
              <Table.Th scope="row">SSH</Table.Th>
              <Table.Td>
                <Code>
                  {ssh.user ?? 'root'}@{ssh.host ?? Object.values(node.addresses)[0] ?? node.name}
                  {ssh.port && ssh.port !== 22 ? `:${ssh.port}` : ''}
                </Code>
                {ssh.jump?.length ? (
                  <Text size="xs" c="dimmed">
                    via {ssh.jump.join(' → ')}
                  </Text>
                ) : null}
              </Table.Td>
            </Table.Tr>
          )}
        </Table.Tbody>
      </Table>
      <Group gap="xs">
        {actions.map((a) => (
          <Button key={a.id} size="xs" variant="light" color={a.color} disabled={Boolean(a.disabledReason)} title={a.disabledReason} onClick={a.run}>
            {a.label}
          </Button>
        ))}
      </Group>
      <NodeHostKeys node={node.name} />
      {vms.length > 0 && (
        <Stack gap={2} data-testid="node-vms">
          <Text size="sm" fw={600}>
            VMs ({vms.length})
          </Text>
          {vms.map((vm) => (
            <Text key={vm.id} size="xs">
              {vm.name} · {vm.status}
              {vm.memoryMiB ? ` · ${Math.round(vm.memoryMiB / 1024)} GiB` : ''}
              {vm.haManaged ? ` · HA${vm.haState ? ` ${vm.haState}` : ''}` : ''}
            </Text>
          ))}
          <Text size="xs" c="dimmed">
            Drag a VM from the node card onto another node to move it.
          </Text>
        </Stack>
      )}
      {concerning.length > 0 && (
        <Stack gap={4}>
          <Text size="sm" fw={600}>
            Findings
          </Text>
          {concerning.map((f, i) => (
            <Text key={i} size="xs" c={f.severity === 'error' ? 'red' : f.severity === 'warning' ? 'orange' : 'dimmed'}>
              {f.message}
            </Text>
          ))}
        </Stack>
      )}
    </Stack>
  );
}
