// The what-if overlay's panel over the canvas: the failures picked (click a site to lose it, a link to cut
// the path between its sites), what every cluster does then, and every single failure for comparison; a
// cluster's findings (caveats such as a storage layout the stack cannot make compliant) sit beside its verdicts.
import { Badge, Button, CloseButton, Group, Paper, ScrollArea, Stack, Text } from '@mantine/core';
import { describeFailure, failureKey } from '../../../../main/common/whatif/estate.js';
import { useAppState } from '../../store/context.js';
import { caveatsOf, type WhatIfView } from './whatif-view.js';

export function WhatIfPanel({ view }: { view: WhatIfView }) {
  const failures = useAppState((s) => s.whatIfFailures);
  const toggle = useAppState((s) => s.toggleFailure);
  const clear = useAppState((s) => s.clearFailures);
  const setWhatIf = useAppState((s) => s.setWhatIf);
  return (
    <Paper className="cw-whatif-panel" withBorder shadow="sm" p="sm" radius="md" data-testid="whatif-panel" aria-label="What-if">
      <Stack gap={6}>
        <Group justify="space-between" wrap="nowrap">
          <Text fw={600} size="sm">
            What-if: nothing is cut for real
          </Text>
          <CloseButton size="sm" aria-label="Close the what-if overlay" onClick={() => setWhatIf(false)} />
        </Group>
        {view.noClusters ? (
          <Text size="xs" c="dimmed">
            No cluster in this workspace has a quorum to predict.
          </Text>
        ) : (
          <>
            <Text size="xs" c="dimmed">
              Click a site to lose it, a link to cut the path between its sites.
            </Text>
            {failures.length > 0 && (
              <Group gap={4}>
                {failures.map((f) => (
                  <Badge key={failureKey(f)} color="red" variant="light" rightSection={<CloseButton size="xs" aria-label={`Undo: ${describeFailure(f)}`} onClick={() => toggle(f)} />} data-testid="whatif-failure">
                    {describeFailure(f)}
                  </Badge>
                ))}
                <Button size="compact-xs" variant="subtle" onClick={clear}>
                  Clear
                </Button>
              </Group>
            )}
            <WhatIfVerdicts view={view} />
          </>
        )}
      </Stack>
    </Paper>
  );
}

/** A cluster's caveat: one compact amber line (two at most), the whole finding on hover. */
function Caveat({ cluster, finding, named }: { cluster: string; finding: string; named: boolean }) {
  const text = named ? `${cluster}: ${finding}` : finding;
  return (
    <Text size="xs" c="orange" lineClamp={2} title={text} data-testid="whatif-finding" data-cluster={cluster}>
      ⚠ {text}
    </Text>
  );
}

/** The picked failures' verdicts and every single failure's, each cluster's caveats beside them (needs no store). */
export function WhatIfVerdicts({ view }: { view: WhatIfView }) {
  const named = (view.singles[0]?.clusters.length ?? 0) > 1;
  return (
    <>
      {view.picked?.clusters.map((c) => (
        <Stack key={`${c.stack}/${c.cluster}`} gap={0}>
          <Text size="xs" fw={600} data-testid="whatif-verdict" data-cluster={c.cluster}>
            {c.cluster}: {c.affected ? c.sentence : `${view.picked!.scenario.title}: not touched`}
          </Text>
          {c.affected && caveatsOf(c).map((f) => <Caveat key={f} cluster={c.cluster} finding={f} named={false} />)}
        </Stack>
      ))}
      <Text size="xs" fw={600} mt={4}>
        Every single failure
      </Text>
      <ScrollArea.Autosize mah={180} type="auto">
        <Stack gap={2}>
          {view.caveats.flatMap((c) => c.findings.map((f) => <Caveat key={`${c.stack}/${c.cluster}/${f}`} cluster={c.cluster} finding={f} named={named} />))}
          {view.singles.flatMap((s) =>
            s.clusters
              .filter((c) => c.affected)
              .map((c) => (
                <Text key={`${s.scenario.id}/${c.cluster}`} size="xs" c="dimmed" data-testid="whatif-single">
                  {named ? `${c.cluster}: ` : ''}
                  {c.sentence}
                </Text>
              )),
          )}
        </Stack>
      </ScrollArea.Autosize>
    </>
  );
}
