// "New cluster", step one: the approach advisor. A few questions, then every registered stack's approaches
// ranked with their criteria side by side and the deciding figures highlighted; "Continue with this approach"
// shows the workspace shaped for it as a diff, and saving opens that stack's wizard.
import { Alert, Badge, Button, Checkbox, Code, Group, Modal, ScrollArea, SegmentedControl, Stack, Table, Text, Tooltip } from '@mantine/core';
import { useMemo, useState } from 'react';
import { recommend } from '../../../../main/common/advisor/recommend.js';
import { shapeFor, type ShapedWorkspace } from '../../../../main/common/advisor/shape.js';
import { criterionKinds, defaultAnswers, type AdvisorAnswers, type Approach, type Criterion } from '../../../../main/common/advisor/types.js';
import { defaultStacks } from '../../../../main/common/stacks/compose.js';
import { useAppState } from '../../store/context.js';
import { stackUi } from '../../stacks/registry.js';

const verdictColour = { fits: 'green', strained: 'orange', fails: 'red' } as const;
const kindLabel: Record<(typeof criterionKinds)[number], string> = { scale: 'Scale', latency: 'Network latency', storage: 'Storage', ha: 'HA', quorum: 'Quorum', effort: 'Effort', 'use-case': 'Use case', licence: 'Licence' };

function Cell({ criteria }: { criteria: Criterion[] }) {
  if (!criteria.length) return <Text size="xs" c="dimmed">—</Text>;
  return (
    <Stack gap={2}>
      {criteria.map((c, i) => (
        <Text key={i} size="xs" c={verdictColour[c.verdict]} fw={c.deciding ? 700 : 400} data-deciding={c.deciding ? 'true' : undefined} title={c.source ? `${c.source.document}${c.source.section ? ` — ${c.source.section}` : ''}` : undefined}>
          {c.hard && c.verdict === 'fails' ? 'Limit: ' : ''}
          {c.text}
        </Text>
      ))}
    </Stack>
  );
}

export function AdvisorDialog({ opened, onClose, onOpenWizard, onEdited }: { opened: boolean; onClose(): void; onOpenWizard(stack: string): void; onEdited(): void }) {
  const workspace = useAppState((s) => s.workspace);
  const facts = useAppState((s) => s.facts);
  const edit = useAppState((s) => s.edit);
  const [answers, setAnswers] = useState<AdvisorAnswers>(defaultAnswers);
  const [review, setReview] = useState<{ approach: Approach; shaped: ShapedWorkspace } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  // Ranked only while the dialog is open: on a large estate the ranking costs a long main-thread task.
  const advice = useMemo(() => (opened && workspace ? recommend(workspace, facts, answers) : null), [opened, workspace, facts, answers]);
  const licensed = defaultStacks.filter((s) => s.advisor?.licence);
  const close = () => {
    setReview(null);
    setProblem(null);
    onClose();
  };
  const hasWizard = (stack: string) => stackUi(stack).Wizard !== undefined;

  const question = <K extends keyof AdvisorAnswers>(key: K, label: string, data: { value: string; label: string }[]) => (
    <Group gap="xs" wrap="nowrap">
      <Text size="sm" w={210}>
        {label}
      </Text>
      <SegmentedControl size="xs" data={data} value={answers[key] as string} onChange={(v) => setAnswers({ ...answers, [key]: v })} data-testid={`advisor-${key}`} />
    </Group>
  );

  return (
    <Modal opened={opened} onClose={close} title="New cluster: choose an approach" size="95%" data-testid="advisor">
      {!advice || !workspace ? (
        <Text size="sm">Open a workspace first.</Text>
      ) : review ? (
        <Stack gap="sm" data-testid="advisor-review">
          <Text size="sm">
            {review.approach.title} ({review.approach.summary}): the workspace with it written in. Nothing is saved until you confirm.
          </Text>
          {review.shaped.unchanged ? (
            <Text size="sm">The workspace already has this shape.</Text>
          ) : (
            <ScrollArea.Autosize mah={360}>
              <Code block data-testid="advisor-diff">
                {review.shaped.diff.map((l, i) => (
                  <div key={i} style={{ color: l.kind === 'added' ? 'var(--mantine-color-green-7)' : l.kind === 'removed' ? 'var(--mantine-color-red-7)' : undefined }}>
                    {l.kind === 'added' ? '+ ' : l.kind === 'removed' ? '- ' : '  '}
                    {l.text}
                  </div>
                ))}
              </Code>
            </ScrollArea.Autosize>
          )}
          {problem && <Alert color="red">{problem}</Alert>}
          {!hasWizard(review.approach.stack) && (
            <Alert color="orange" data-testid="advisor-no-wizard">
              {review.approach.stackTitle}: wizard not yet available in this build. You can still save the shaped workspace.
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setReview(null)}>
              Back
            </Button>
            <Button
              data-testid="advisor-save"
              onClick={() => {
                const shaped = review.shaped.workspace;
                const failed = review.shaped.unchanged ? null : edit((draft) => Object.assign(draft, structuredClone(shaped)), `shape the workspace for ${review.approach.title}`);
                if (failed) return setProblem(failed);
                if (!review.shaped.unchanged) onEdited();
                const stack = review.approach.stack;
                close();
                if (hasWizard(stack)) onOpenWizard(stack);
              }}
            >
              {hasWizard(review.approach.stack) ? 'Save and open the wizard' : 'Save the shaped workspace'}
            </Button>
          </Group>
        </Stack>
      ) : (
        <Stack gap="sm">
          {question('workload', 'What runs on it', [
            { value: 'vms', label: 'VMs and containers' },
            { value: 'self-service-cloud', label: 'A self-service cloud' },
            { value: 'vendor-apps', label: 'Apps certified on a vendor hypervisor' },
          ])}
          {question('downtime', 'Downtime a failure may cause', [
            { value: 'seconds', label: 'Seconds' },
            { value: 'minutes', label: 'Minutes' },
            { value: 'hours', label: 'Hours' },
          ])}
          {question('effort', 'Setup and care you will put in', [
            { value: 'low', label: 'Little' },
            { value: 'medium', label: 'Some' },
            { value: 'high', label: 'A lot' },
          ])}
          {licensed.length > 0 && (
            <Group gap="md">
              <Text size="sm" w={210}>
                Licences you own
              </Text>
              {licensed.map((s) => (
                <Checkbox
                  key={s.id}
                  size="xs"
                  label={s.advisor!.licence}
                  checked={answers.licences.includes(s.id)}
                  onChange={(e) => setAnswers({ ...answers, licences: e.currentTarget.checked ? [...answers.licences, s.id] : answers.licences.filter((l) => l !== s.id) })}
                  data-testid={`advisor-licence-${s.id}`}
                />
              ))}
            </Group>
          )}
          <Alert color={advice.recommendation ? 'blue' : 'orange'} data-testid="advisor-reason">
            {advice.recommendation ? (
              <Text size="sm">
                Recommended: <b data-testid="advisor-recommendation">{advice.recommendation.title}</b> — {advice.reason}
              </Text>
            ) : (
              <Text size="sm">{advice.reason}</Text>
            )}
          </Alert>
          <ScrollArea>
            <Table withTableBorder withColumnBorders verticalSpacing={4} data-testid="advisor-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Approach</Table.Th>
                  {criterionKinds.map((k) => (
                    <Table.Th key={k}>{kindLabel[k]}</Table.Th>
                  ))}
                  <Table.Th>To make it work</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {advice.ranked.map((a, i) => (
                  <Table.Tr key={`${a.stack}:${a.id}`} data-testid={`advisor-row-${a.stack}-${a.id}`} data-rank={i + 1}>
                    <Table.Td>
                      <Stack gap={2}>
                        <Text size="sm" fw={600}>
                          {i + 1}. {a.title}
                        </Text>
                        <Text size="xs" c="dimmed">
                          {a.summary}
                        </Text>
                        <Group gap={4}>
                          <Badge size="xs" color={a.viable ? (i === 0 ? 'green' : 'gray') : 'red'}>{a.viable ? `score ${a.score}` : 'outside a limit'}</Badge>
                          {!hasWizard(a.stack) && (
                            <Badge size="xs" color="gray" variant="outline">
                              wizard not yet available
                            </Badge>
                          )}
                        </Group>
                      </Stack>
                    </Table.Td>
                    {criterionKinds.map((k) => (
                      <Table.Td key={k}>
                        <Cell criteria={a.criteria.filter((c) => c.kind === k)} />
                      </Table.Td>
                    ))}
                    <Table.Td>
                      <Stack gap={2}>
                        {a.changes.map((c, j) => (
                          <Text key={j} size="xs">
                            {c}
                          </Text>
                        ))}
                      </Stack>
                    </Table.Td>
                    <Table.Td>
                      <Tooltip label={a.viable ? 'Review the workspace shaped for it' : 'Outside a vendor limit: see "To make it work"'}>
                        <Button
                          size="xs"
                          variant={i === 0 ? 'filled' : 'default'}
                          disabled={!a.viable}
                          data-testid={`advisor-continue-${a.stack}-${a.id}`}
                          onClick={() => setReview({ approach: a, shaped: shapeFor(workspace, a, advice.estate) })}
                        >
                          Continue with this approach
                        </Button>
                      </Tooltip>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea>
          <Group gap="xs">
            <Text size="xs" c="dimmed">
              Or go straight to a wizard:
            </Text>
            {defaultStacks.map((stack) =>
              hasWizard(stack.id) ? (
                <Button key={stack.id} size="compact-xs" variant="subtle" onClick={() => (close(), onOpenWizard(stack.id))} data-testid={`new-cluster-${stack.id}`}>
                  {stack.title}
                </Button>
              ) : (
                <Button key={stack.id} size="compact-xs" variant="subtle" disabled data-testid={`new-cluster-${stack.id}`}>
                  {stack.title} — no wizard yet
                </Button>
              ),
            )}
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
