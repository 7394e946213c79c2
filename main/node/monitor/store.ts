// The monitoring history beside the workspace: a rolling set of JSON-lines segment files
// (`clusterwright.monitor/<start>.jsonl`, one polling round per line), bounded by age and by size on disk,
// read back on open so the history survives restarts. A torn last line (a crash mid-write) is skipped.
import fs from 'node:fs';
import path from 'node:path';
import { monitorSampleSchema, type MonitorSample } from '../../common/monitor/model.js';

export interface MonitorStoreOptions {
  dir: string;
  /** Rounds older than this are dropped (default 7 days). */
  retentionMs?: number;
  /** Segments are dropped, oldest first, while all of them together exceed this (default 64 MiB). */
  maxBytes?: number;
  /** A segment is closed at this size (default 1 MiB) or age (default 1 h). */
  segmentBytes?: number;
  segmentMs?: number;
  /** Rounds kept in memory for queries (default 20,000: about a week at 30 s). */
  memoryRounds?: number;
  now?: () => number;
}

export const monitorDefaults = { retentionMs: 7 * 24 * 3600_000, maxBytes: 64 * 1024 * 1024, segmentBytes: 1024 * 1024, segmentMs: 3600_000, memoryRounds: 20_000 };

export const segmentName = /^(\d{13})\.jsonl$/;

export class MonitorStore {
  readonly dir: string;
  private readonly opts: Required<Omit<MonitorStoreOptions, 'dir' | 'now'>>;
  private readonly now: () => number;
  private rounds: MonitorSample[] = [];
  private current?: { file: string; start: number; bytes: number };
  private chain: Promise<void> = Promise.resolve();
  /** Lines that could not be read back (torn or foreign), counted on open. */
  skippedLines = 0;

  constructor(options: MonitorStoreOptions) {
    this.dir = options.dir;
    this.opts = {
      retentionMs: options.retentionMs ?? monitorDefaults.retentionMs,
      maxBytes: options.maxBytes ?? monitorDefaults.maxBytes,
      segmentBytes: options.segmentBytes ?? monitorDefaults.segmentBytes,
      segmentMs: options.segmentMs ?? monitorDefaults.segmentMs,
      memoryRounds: options.memoryRounds ?? monitorDefaults.memoryRounds,
    };
    this.now = options.now ?? Date.now;
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.load();
  }

  private segments(): { file: string; start: number; bytes: number }[] {
    return fs
      .readdirSync(this.dir)
      .map((name) => ({ name, m: segmentName.exec(name) }))
      .filter((e) => e.m)
      .map((e) => {
        const file = path.join(this.dir, e.name);
        return { file, start: Number(e.m![1]), bytes: fs.statSync(file).size };
      })
      .sort((a, b) => a.start - b.start);
  }

  /** Reads the kept rounds back, newest segments first, up to the memory bound. */
  private load(): void {
    this.prune();
    const cutoff = this.now() - this.opts.retentionMs;
    const loaded: MonitorSample[][] = [];
    let count = 0;
    for (const seg of this.segments().reverse()) {
      if (count >= this.opts.memoryRounds) break;
      const rounds: MonitorSample[] = [];
      for (const line of fs.readFileSync(seg.file, 'utf8').split('\n')) {
        if (!line) continue;
        try {
          const parsed = monitorSampleSchema.safeParse(JSON.parse(line));
          if (parsed.success) {
            if (parsed.data.t >= cutoff) rounds.push(parsed.data);
          } else this.skippedLines++;
        } catch {
          this.skippedLines++;
        }
      }
      loaded.push(rounds);
      count += rounds.length;
    }
    this.rounds = loaded.reverse().flat().sort((a, b) => a.t - b.t).slice(-this.opts.memoryRounds);
  }

  /** Drops segments past the retention (by their last possible round) and the oldest while over the size bound. */
  private prune(): void {
    const segs = this.segments();
    const cutoff = this.now() - this.opts.retentionMs;
    let total = segs.reduce((s, x) => s + x.bytes, 0);
    for (const [i, seg] of segs.entries()) {
      const next = segs[i + 1];
      const isCurrent = this.current?.file === seg.file;
      const tooOld = next !== undefined && next.start < cutoff;
      if (!isCurrent && (tooOld || total > this.opts.maxBytes)) {
        fs.rmSync(seg.file, { force: true });
        total -= seg.bytes;
      }
    }
  }

  /** Appends one round (in memory at once, on disk in order). */
  append(sample: MonitorSample): Promise<void> {
    this.rounds.push(sample);
    if (this.rounds.length > this.opts.memoryRounds) this.rounds.splice(0, this.rounds.length - this.opts.memoryRounds);
    const cutoff = this.now() - this.opts.retentionMs;
    while (this.rounds.length && this.rounds[0]!.t < cutoff) this.rounds.shift();
    const line = JSON.stringify(sample) + '\n';
    this.chain = this.chain.then(async () => {
      const t = sample.t;
      if (!this.current || this.current.bytes >= this.opts.segmentBytes || t - this.current.start >= this.opts.segmentMs) {
        const start = Math.max(t, (this.current?.start ?? 0) + 1);
        this.current = { file: path.join(this.dir, `${String(start).padStart(13, '0')}.jsonl`), start, bytes: 0 };
        this.prune();
      }
      await fs.promises.appendFile(this.current.file, line, { mode: 0o600 });
      this.current.bytes += Buffer.byteLength(line);
    });
    return this.chain;
  }

  /** Waits for every write so far. */
  flush(): Promise<void> {
    return this.chain;
  }

  /** Rounds since `sinceMs` (all kept ones without it), oldest first. */
  query(sinceMs?: number): readonly MonitorSample[] {
    if (sinceMs === undefined) return this.rounds;
    let lo = 0;
    let hi = this.rounds.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.rounds[mid]!.t < sinceMs) lo = mid + 1;
      else hi = mid;
    }
    return this.rounds.slice(lo);
  }

  latest(): MonitorSample | undefined {
    return this.rounds[this.rounds.length - 1];
  }

  /** Bytes on disk now. */
  diskBytes(): number {
    return this.segments().reduce((s, x) => s + x.bytes, 0);
  }
}
