// The inspector's Scorecard tab: each cluster's best practices with their evidence — the workspace, its facts, and
// what the core gathers (scorecard.evidence: the drill reports, the last day of monitoring, storage health) — and
// the action that fixes each line, opening the place where that is done (the stack's wizard, the drill dialog, the
// overlay panel, the QDevice host form, the monitor tab, a terminal on the node, a reading of the clocks).
import { Alert, Anchor, Badge, Button, Card, Group, Modal, Stack, Text, Tooltip } from '@mantine/core';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { MethodOutput } from '../../../../main/common/contract/index.js';
import type { ScorecardEvidence } from '../../../../main/common/scorecard/evidence.js';
import { scorecards } from '../../../../main/common/scorecard/scorecard.js';
import type { ScoreAction, ScoreStatus } from '../../../../main/common/scorecard/types.js';
import type { FindingAction } from '../../../../main/common/workspace/rules/actions.js';
import { useAppState, useTransport } from '../../store/context.js';

const colour: Record<ScoreStatus, string> = { pass: 'green', warn: 'orange', fail: 'red', unknown: 'gray' };
/** Monitoring rounds refresh the evidence at most this often. */
const REFRESH_MS = 10_000;

export interface ScoreActions {
  wizard?(stack: string): void;
  measure?(): void;
  networks?(): void;
  terminal?(node: string): void;
  /** The drill dialog for the loss of a site. */
  drill?(site: string): void;
  overlay?(): void;
  monitor?(): void;
  /** A finding's action (the QDevice host form, the networks panel at a cluster…), for a cluster of `stack`. */
  finding?(stack: string, action: FindingAction): void;
}

type Report = MethodOutput<'drill.reports'>['reports'][number];

/** The evidence the core gathers, read when the tab opens and again after a drill or (at most every 10 s) a monitoring round. */
function useEvidence(): { evidence: ScorecardEvidence | undefined; problem: string | null; refresh(storage: boolean): void } {
  const transport = useTransport();
  const [evidence, setEvidence] = useState<ScorecardEvidence | undefined>(undefined);
  const [problem, setProblem] = useState<string | null>(null);
  const live = useRef(true);
  const last = useRef(0);
  const refresh = useCallback(
    (storage: boolean) => {
      last.current = Date.now();
      transport.call('scorecard.evidence', { storage }).then(
        (next) => {
          if (!live.current) return;
          // A refresh without storage keeps what was read of it.
          setEvidence((before) => (storage || !before ? next : { ...next, storage: before.storage }));
          setProblem(null);
        },
        (e: Error) => live.current && setProblem(e.message),
      );
    },
    [transport],
  );
  useEffect(() => {
    live.current = true;
    refresh(true);
    const offs = [
      transport.on('job.finished', () => refresh(false)),
      transport.on('monitor.sampled', () => {
        if (Date.now() - last.current >= REFRESH_MS) refresh(false);
      }),
      transport.on('workspace.changed', () => refresh(false)),
    ];
    return () => {
      live.current = false;
      for (const off of offs) off();
    };
  }, [transport, refresh]);
  return { evidence, problem, refresh };
}

function ReportDialog({ file, onClose }: { file: string; onClose(): void }) {
  const transport = useTransport();
  const [report, setReport] = useState<Report | null | undefined>(undefined);
  useEffect(() => {
    let live = true;
    transport.call('drill.reports', {}).then(
      ({ reports }) => live && setReport(reports.find((r) => r.file === file) ?? null),
      () => live && setReport(null),
    );
    return () => {
      live = false;
    };
  }, [transport, file]);
  return (
    <Modal opened onClose={onClose} title="Drill report" size="lg" data-testid="score-report-dialog">
      {report === null && <Text size="sm">The report {file} is no longer there.</Text>}
      {report && (
        <Stack gap={4}>
          <Group gap="xs">
            <Text fw={600}>{report.title}</Text>
            <Badge color={report.outcome === 'as-predicted' ? 'green' : report.outcome === 'differs' ? 'red' : 'yellow'} data-testid="score-report-outcome">
              {report.outcome}
            </Badge>
            <Text size="xs" data-testid="score-report-date">
              {report.date}
            </Text>
          </Group>
          {report.comparison.map((l, i) => (
            <Text size="sm" key={i} style={{ whiteSpace: 'pre' }}>
              {l}
            </Text>
          ))}
          <Text size="xs" c="dimmed">
            Saved as {report.file}
          </Text>
        </Stack>
      )}
    </Modal>
  );
}

export function ScorecardPanel({ actions }: { actions: ScoreActions }) {
  const transport = useTransport();
  const workspace = useAppState((s) => s.workspace);
  const facts = useAppState((s) => s.facts);
  const reloadFacts = useAppState((s) => s.reloadFacts);
  const { evidence, problem } = useEvidence();
  const [reportFile, setReportFile] = useState<string | null>(null);
  const [reading, setReading] = useState(false);
  const [clockProblem, setClockProblem] = useState<string | null>(null);
  const cards = useMemo(() => (workspace ? scorecards(workspace, facts, new Date(), undefined, evidence) : []), [workspace, facts, evidence]);
  if (!cards.length) return <Text size="sm" c="dimmed">No cluster or region is defined yet: "New cluster" starts one.</Text>;

  const readClocks = async () => {
    setReading(true);
    setClockProblem(null);
    try {
      await transport.call('scorecard.readClocks', {});
      await reloadFacts();
    } catch (e) {
      setClockProblem((e as Error).message);
    } finally {
      setReading(false);
    }
  };

  const run = (stack: string, action: ScoreAction): (() => void) | undefined => {
    switch (action.kind) {
      case 'wizard':
        return actions.wizard && (() => actions.wizard!(stack));
      case 'measure':
        return actions.measure;
      case 'networks':
        return actions.networks;
      case 'terminal':
        return action.node && actions.terminal ? () => actions.terminal!(action.node!) : undefined;
      case 'drill':
        return action.site && actions.drill ? () => actions.drill!(action.site!) : undefined;
      case 'overlay':
        return actions.overlay;
      case 'monitor':
        return actions.monitor;
      case 'clocks':
        return () => void readClocks();
      case 'finding':
        return action.finding && actions.finding ? () => actions.finding!(stack, action.finding!) : undefined;
    }
  };
  return (
    <Stack gap="sm" data-testid="scorecard" data-evidence={evidence ? 'read' : 'pending'}>
      {problem && (
        <Alert color="orange" p="xs" data-testid="scorecard-evidence-problem">
          <Text size="xs">The drill reports and the monitoring history could not be read: {problem}</Text>
        </Alert>
      )}
      {cards.map((card) => (
        <Card key={`${card.stack}:${card.cluster}`} withBorder padding="xs" data-testid={`scorecard-${card.stack}-${card.cluster}`}>
          <Text fw={600} size="sm" mb={4}>
            {card.stackTitle} {card.cluster}
          </Text>
          <Stack gap={6}>
            {card.lines.map((l) => {
              const fix = l.action && run(card.stack, l.action);
              return (
                <Stack key={l.id} gap={2} data-testid={`score-${l.id}`} data-status={l.status}>
                  <Group gap={6} wrap="nowrap">
                    <Badge size="xs" color={colour[l.status]} w={62}>
                      {l.status}
                    </Badge>
                    <Text size="xs" fw={600}>
                      {l.title}
                    </Text>
                  </Group>
                  <Text size="xs" data-testid="score-evidence" title={l.source ? `${l.source.document}${l.source.section ? ` — ${l.source.section}` : ''}` : undefined}>
                    {l.evidence}
                  </Text>
                  {l.report && (
                    <Anchor size="xs" component="button" type="button" w="fit-content" data-testid="score-report" data-file={l.report.file} onClick={() => setReportFile(l.report!.file)}>
                      Open the drill report
                    </Anchor>
                  )}
                  {l.action && (
                    <Tooltip label={fix ? l.action.label : `${l.action.label}: not available in this build`}>
                      <Button size="compact-xs" variant="light" disabled={!fix} loading={l.action.kind === 'clocks' && reading} onClick={fix} w="fit-content" data-testid={`score-action-${l.action.kind}`}>
                        {l.action.label}
                      </Button>
                    </Tooltip>
                  )}
                  {l.action?.kind === 'clocks' && clockProblem && (
                    <Text size="xs" c="red" data-testid="score-clocks-problem">
                      {clockProblem}
                    </Text>
                  )}
                </Stack>
              );
            })}
          </Stack>
        </Card>
      ))}
      {reportFile && <ReportDialog file={reportFile} onClose={() => setReportFile(null)} />}
    </Stack>
  );
}
