// What a QEMU live migration reports while it runs (pure types): the lab's migration driver emits these events,
// and a stack renders them in its vendor's task-log words.

/** RAM statistics of query-migrate (the part the log shows). */
export interface MigrationRamStats {
  transferred: number;
  remaining: number;
  total: number;
  /** Bytes/s: pages per second × page size. */
  speed: number;
  /** Bytes/s the guest dirties (dirty-pages-rate × page size). */
  dirtyRate: number;
  mbps: number;
  dirtySyncCount: number;
}

export type MigrationEvent =
  | { type: 'start'; from: string; to: string; targetAddress: string; memoryBytes: number; disks: string[] }
  | { type: 'target-started'; host: string; pid: number }
  | { type: 'incoming'; uri: string }
  | { type: 'disk-export'; device: string; uri: string }
  | { type: 'disk-mirror-start'; device: string; uri: string }
  | { type: 'disk-progress'; device: string; transferred: number; total: number; elapsedS: number; ready: boolean }
  | { type: 'disks-ready'; devices: string[] }
  | { type: 'capabilities'; enabled: string[]; uri: string }
  | { type: 'parameters'; maxBandwidth: number; downtimeLimitMs: number; xbzrleCacheSize: number; limited: boolean }
  | { type: 'migrate-start'; uri: string }
  | { type: 'setup'; status: string }
  /** `logged`: false for the frequent polls near the end that a task log shows only every tenth of. */
  | { type: 'progress'; status: string; ram: MigrationRamStats; logged: boolean; xbzrle?: { bytes: number; pages: number; cacheMissRate: number; overflow: number } }
  | { type: 'downtime-increased'; downtimeLimitMs: number }
  | { type: 'completed'; ram: MigrationRamStats; totalTimeMs: number; downtimeMs: number; setupTimeMs: number; elapsedMs: number }
  | { type: 'disk-finished'; device: string }
  | { type: 'nbd-stopped' }
  | { type: 'resumed'; host: string; pauseMs?: number }
  | { type: 'source-stopped'; host: string }
  | { type: 'cancelling'; reason: string }
  | { type: 'failed'; status: string; error: string }
  | { type: 'cleanup'; what: string };
