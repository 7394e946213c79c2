// The plan preview as a person reads it: steps grouped by node, one line each (what it does, on which
// node), the commands, API calls and file diffs in collapsible, wrapped, highlighted blocks, destructive
// steps marked with their approval box, and a search over everything the plan shows.
import { ActionIcon, Badge, Box, Button, Checkbox, Collapse, Group, Paper, Stack, Text, TextInput, Tooltip } from '@mantine/core';
import { IconAlertTriangle, IconChevronDown, IconChevronRight, IconSearch, IconServer2 } from '@tabler/icons-react';
import { Fragment, useMemo, useState } from 'react';
import { toggled } from '../../components/toggled.js';
import type { PlanPreview, StepPreview } from '../../../../main/common/contract/plan.js';
import { splitMatches, stepGist, stepMatches, stepsByTarget } from './plan-summary.js';
import { tokenizeShell } from './shell-tokens.js';

export interface PlanPreviewViewProps {
  preview: PlanPreview;
  /** Destructive steps the admin ticked. */
  acknowledged: string[];
  onAcknowledge(stepId: string, on: boolean): void;
}

export function PlanPreviewView({ preview, acknowledged, onAcknowledge }: PlanPreviewViewProps) {
  const [query, setQuery] = useState('');
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const grouped = useMemo(() => stepsByTarget(preview.steps), [preview]);
  const searching = query.trim().length > 0;
  const matching = useMemo(() => new Set(preview.steps.filter((s) => stepMatches(s, query)).map((s) => s.id)), [preview, query]);
  const toggle = (id: string) => setOpen((current) => toggled(current, id));
  const destructive = preview.destructiveSteps.length;

  return (
    <Stack gap="xs" data-testid="plan-preview">
      <Text size="sm">
        {preview.steps.length} steps on {grouped.size} {grouped.size === 1 ? 'target' : 'targets'}
        {destructive ? `, ${destructive} destructive (tick each to approve it)` : ''}. Secrets are shown by id.
      </Text>
      <Group gap="xs" wrap="nowrap">
        <TextInput
          size="xs"
          style={{ flex: 1 }}
          placeholder="Search the plan: a command, a node, a file…"
          aria-label="Search the plan"
          leftSection={<IconSearch size={14} aria-hidden="true" />}
          value={query}
          onChange={(e) => setQuery(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape' && query) {
              e.stopPropagation();
              setQuery('');
            }
          }}
          data-testid="plan-search"
        />
        <Button size="compact-xs" variant="default" onClick={() => setOpen(new Set(preview.steps.map((s) => s.id)))}>
          Expand all
        </Button>
        <Button size="compact-xs" variant="default" onClick={() => setOpen(new Set())}>
          Collapse all
        </Button>
      </Group>
      {searching && (
        <Text size="xs" c="dimmed" data-testid="plan-search-count">
          {matching.size} of {preview.steps.length} steps match “{query.trim()}”
        </Text>
      )}
      {[...grouped.entries()].map(([target, steps]) => {
        const shown = steps.filter((s) => matching.has(s.id));
        if (shown.length === 0) return null;
        return (
          <Stack key={target} gap={4} data-plan-target={target}>
            <Group gap={6}>
              <IconServer2 size={15} aria-hidden="true" />
              <Text fw={600} size="sm">
                {target}
              </Text>
              <Text size="xs" c="dimmed">
                {steps.length} {steps.length === 1 ? 'step' : 'steps'}
              </Text>
            </Group>
            {shown.map((step) => (
              <StepRow
                key={step.id}
                step={step}
                index={preview.steps.indexOf(step) + 1}
                query={query}
                expanded={open.has(step.id) || searching}
                onToggle={() => toggle(step.id)}
                readFailure={preview.readFailures.find((f) => f.stepId === step.id)?.code}
                approved={acknowledged.includes(step.id)}
                onApprove={(on) => onAcknowledge(step.id, on)}
              />
            ))}
          </Stack>
        );
      })}
      {searching && matching.size === 0 && (
        <Text size="sm" c="dimmed">
          No step shows “{query.trim()}”.
        </Text>
      )}
    </Stack>
  );
}

function StepRow({ step, index, query, expanded, onToggle, readFailure, approved, onApprove }: { step: StepPreview; index: number; query: string; expanded: boolean; onToggle(): void; readFailure: string | undefined; approved: boolean; onApprove(on: boolean): void }) {
  const blocks: { label: string; text: string; kind: 'shell' | 'diff' | 'plain' }[] = [];
  if (step.command) blocks.push({ label: 'Command', text: step.command, kind: 'shell' });
  if (step.operation) blocks.push({ label: `Calls (${step.operation.stack})`, text: step.operation.text, kind: 'plain' });
  if (step.request) blocks.push({ label: 'API call', text: `${step.request.method} ${step.request.path}${step.request.body ? `\n${step.request.body}` : ''}`, kind: 'plain' });
  if (step.upload) blocks.push({ label: `File ${step.upload.path} (mode ${step.upload.mode}${step.upload.owner ? `, owner ${step.upload.owner}` : ''})`, text: step.upload.unchanged ? '(unchanged on the node)' : step.upload.diff || '(new file)', kind: step.upload.diff ? 'diff' : 'plain' });
  if (step.wait) blocks.push({ label: `Waits (every ${step.wait.intervalMs / 1000} s, up to ${step.wait.deadlineMs / 1000} s) until`, text: step.wait.until, kind: 'plain' });
  if (step.precheck) blocks.push({ label: 'Already done when', text: step.precheck, kind: 'shell' });
  if (step.verify) blocks.push({ label: 'Verified by', text: step.verify, kind: 'shell' });
  if (step.rollback) blocks.push({ label: 'To undo by hand', text: step.rollback, kind: 'plain' });
  const gist = stepGist(step);
  return (
    <Paper
      withBorder
      radius="sm"
      px="xs"
      py={4}
      ml="sm"
      data-testid={`plan-step-${step.id}`}
      data-destructive={step.destructive || undefined}
      className={step.destructive ? 'cw-plan-step destructive' : 'cw-plan-step'}
    >
      <Group gap={6} wrap="nowrap" align="flex-start">
        <Tooltip label={expanded ? 'Hide the details' : 'Show the commands and checks'}>
          <ActionIcon size="sm" variant="subtle" color="gray" aria-label={`${expanded ? 'Hide' : 'Show'} the details of step ${index}: ${step.title}`} aria-expanded={expanded} onClick={onToggle} data-testid={`plan-step-toggle-${step.id}`}>
            {expanded ? <IconChevronDown size={14} aria-hidden="true" /> : <IconChevronRight size={14} aria-hidden="true" />}
          </ActionIcon>
        </Tooltip>
        <Box style={{ flex: 1, minWidth: 0 }} onClick={onToggle} className="cw-plan-step-line">
          <Text size="xs" data-testid={`plan-step-summary-${step.id}`} style={{ overflowWrap: 'anywhere' }}>
            <Text span c="dimmed" size="xs">
              {index}.{' '}
            </Text>
            <Text span fw={600} size="xs">
              <Marked text={step.target} query={query} />
            </Text>
            {' · '}
            <Marked text={step.title} query={query} />
            <Text span c="dimmed" size="xs">
              {' — '}
              <Marked text={gist} query={query} />
            </Text>
          </Text>
        </Box>
        {readFailure && (
          <Tooltip label="The preview could not read this step's current state from the node; the warnings below say why.">
            <Badge size="xs" color="orange" variant="light" style={{ flex: 'none', textTransform: 'none' }} data-testid={`plan-step-read-failure-${step.id}`}>
              not read live: {readFailure}
            </Badge>
          </Tooltip>
        )}
        {step.destructive && (
          <Badge size="xs" color="red" variant="light" leftSection={<IconAlertTriangle size={11} aria-hidden="true" />} style={{ flex: 'none' }}>
            destructive
          </Badge>
        )}
      </Group>
      {step.destructive && (
        <Checkbox
          size="xs"
          color="red"
          mt={4}
          ml={30}
          label="I approve this destructive step"
          checked={approved}
          onChange={(e) => onApprove(e.currentTarget.checked)}
          data-testid={`approve-${step.id}`}
        />
      )}
      <Collapse expanded={expanded} transitionDuration={120} keepMounted={false}>
        <Stack gap={4} mt={4} ml={30} data-testid={`plan-step-details-${step.id}`}>
          {blocks.map((b) => (
            <div key={b.label}>
              <Text size="xs" c="dimmed">
                {b.label}
              </Text>
              <pre className={`cw-code cw-code-${b.kind}`} data-block={b.kind}>
                {b.kind === 'shell' ? <ShellText text={b.text} query={query} /> : b.kind === 'diff' ? <DiffText text={b.text} query={query} /> : <Marked text={b.text} query={query} />}
              </pre>
            </div>
          ))}
          <Text size="xs" c="dimmed">
            {step.idempotent ? 'Safe to run again' : 'Not safe to run twice: a resume checks first'}
            {step.retryAttempts > 1 ? ` · up to ${step.retryAttempts} attempts` : ''} · times out after {Math.round(step.timeoutMs / 1000)} s
            {step.dependsOn.length ? ` · after ${step.dependsOn.join(', ')}` : ''}
          </Text>
        </Stack>
      </Collapse>
    </Paper>
  );
}

function Marked({ text, query }: { text: string; query: string }) {
  return (
    <>
      {splitMatches(text, query).map(([part, hit], i) =>
        hit ? (
          <mark key={i} className="cw-search-hit">
            {part}
          </mark>
        ) : (
          <Fragment key={i}>{part}</Fragment>
        ),
      )}
    </>
  );
}

function ShellText({ text, query }: { text: string; query: string }) {
  return (
    <>
      {tokenizeShell(text).map((token, i) =>
        token.kind === 'space' || token.kind === 'text' ? (
          <Marked key={i} text={token.text} query={query} />
        ) : (
          <span key={i} className={`cw-sh-${token.kind}`} data-token={token.kind}>
            <Marked text={token.text} query={query} />
          </span>
        ),
      )}
    </>
  );
}

function DiffText({ text, query }: { text: string; query: string }) {
  return (
    <>
      {text.split('\n').map((line, i) => {
        const kind = line.startsWith('+++') || line.startsWith('---') ? 'file' : line.startsWith('+') ? 'add' : line.startsWith('-') ? 'del' : line.startsWith('@@') ? 'hunk' : 'same';
        return (
          <span key={i} className={`cw-diff-${kind}`}>
            <Marked text={line} query={query} />
            {'\n'}
          </span>
        );
      })}
    </>
  );
}
