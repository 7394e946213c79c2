// The run journal: one append-only JSON-lines file per run, each record fsync'ed before the engine
// moves on, so that after a crash, a cancel or a lost link `resume` knows what finished.
import fs from 'node:fs';
import path from 'node:path';
import { CwError } from '../../common/errors.js';
import type { Redactor } from './render.js';

export type PrecheckResult = 'done' | 'not-done' | 'none';

export type JournalRecord =
  | { type: 'run'; runId: string; planId: string; planHash: string; at: string }
  | { type: 'resumed'; at: string; rerun: string[] }
  | { type: 'step'; stepId: string; state: 'started'; attempt: number; at: string }
  | {
      type: 'step';
      stepId: string;
      state: 'succeeded' | 'failed' | 'skipped';
      precheck: PrecheckResult;
      at: string;
      attempts?: number;
      code?: string;
      message?: string;
      /** The action may have been (partly) carried out: it had started when it failed. */
      interrupted?: boolean;
    }
  | { type: 'cancelled'; at: string }
  | { type: 'finished'; status: RunStatus; at: string; message?: string };

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';

export const journalFileName = 'journal.jsonl';
export const planFileName = 'plan.json';
export const outputFileName = 'output.log';

function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
  } catch {
    // Some filesystems do not allow fsync on a directory; the file's own fsync still holds.
  }
}

/** Appends records and fsyncs each one; every line goes through the redactor first. */
export class JournalWriter {
  private readonly fd: number;

  constructor(
    readonly file: string,
    private readonly redactor: Redactor,
  ) {
    const existed = fs.existsSync(file);
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    this.fd = fs.openSync(file, 'a', 0o600);
    if (!existed) fsyncDir(path.dirname(file));
  }

  append(record: JournalRecord): void {
    const line = this.redactor.redact(JSON.stringify(record)) + '\n';
    fs.writeSync(this.fd, line);
    fs.fsyncSync(this.fd);
  }

  close(): void {
    try {
      fs.closeSync(this.fd);
    } catch {
      // closed already
    }
  }
}

/** Reads a journal; a torn last line (the process died while writing it) is ignored. */
export function readJournal(file: string): JournalRecord[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new CwError('NOT_FOUND', `There is no run journal at ${file}: check the run id with \`clusterwright status\`.`);
  }
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const records: JournalRecord[] = [];
  lines.forEach((line, index) => {
    try {
      records.push(JSON.parse(line) as JournalRecord);
    } catch {
      if (index !== lines.length - 1) throw new CwError('CONFLICT', `The journal ${file} is damaged at line ${index + 1}; it cannot be resumed safely.`);
    }
  });
  if (records[0]?.type !== 'run') throw new CwError('CONFLICT', `${file} is not a Clusterwright run journal (no run record at the top).`);
  return records;
}

export interface JournalStepState {
  state: 'pending' | 'started' | 'succeeded' | 'failed' | 'skipped';
  attempts: number;
  precheck?: PrecheckResult;
  code?: string;
  message?: string;
  /** Started and never finished (the process died) or failed after the action had started. */
  midFlight: boolean;
  startedAt?: string;
  endedAt?: string;
}

export interface JournalSummary {
  runId: string;
  planId: string;
  planHash: string;
  startedAt: string;
  status: RunStatus;
  finishedAt?: string;
  message?: string;
  steps: Map<string, JournalStepState>;
}

/** What a journal says about the run and each step, from its records in order. */
export function summarizeJournal(records: JournalRecord[]): JournalSummary {
  const head = records[0];
  if (!head || head.type !== 'run') throw new CwError('CONFLICT', 'A run journal must start with a run record.');
  const summary: JournalSummary = { runId: head.runId, planId: head.planId, planHash: head.planHash, startedAt: head.at, status: 'interrupted', steps: new Map() };
  let finished = false;
  for (const record of records) {
    if (record.type === 'resumed') finished = false;
    if (record.type === 'finished') {
      finished = true;
      summary.status = record.status;
      summary.finishedAt = record.at;
      if (record.message) summary.message = record.message;
      else delete summary.message;
    }
    if (record.type !== 'step') continue;
    const previous = summary.steps.get(record.stepId);
    if (record.state === 'started') {
      summary.steps.set(record.stepId, { state: 'started', attempts: record.attempt, midFlight: true, startedAt: record.at });
    } else {
      summary.steps.set(record.stepId, {
        state: record.state,
        attempts: record.attempts ?? previous?.attempts ?? 0,
        precheck: record.precheck,
        ...(record.code ? { code: record.code } : {}),
        ...(record.message ? { message: record.message } : {}),
        midFlight: record.state === 'failed' && record.interrupted === true,
        ...(previous?.startedAt ? { startedAt: previous.startedAt } : {}),
        endedAt: record.at,
      });
    }
  }
  if (!finished) summary.status = 'interrupted';
  return summary;
}
