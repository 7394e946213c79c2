// Live migration of a lab guest between two lab hosts, done by QEMU itself over the lab's shaped links: the
// target starts an incoming QEMU (`-incoming defer`, then `migrate-incoming` on its migration-network address),
// local disks are mirrored to an NBD export on the target first, then the source `migrate`s its RAM and
// device state; progress comes from `query-migrate`. Cancelling (an AbortSignal) cancels the migration and
// leaves the source running, as a cancelled migration task does.
import { CwError } from '../../../common/errors.js';
import type { LabGuests } from './launcher.js';
import type { QmpClient } from './qmp.js';
import { diskDriveId } from './spec.js';
import type { MigrationEvent, MigrationRamStats } from '../../../common/qemu/migration.js';

/** Ports tried for the incoming migration and the NBD export (the range a hypervisor node keeps for migrations). */
export const migrationPorts = { first: 60000, last: 60050 } as const;
/** "Unlimited" bandwidth: QEMU's own default would be 128 MiB/s. */
export const unlimitedBandwidth = 16 * 1024 ** 3;
/** QEMU's upper bound for downtime-limit (ms). */
export const maxDowntimeLimitMs = 2000 * 1000;

export interface LiveMigrationRequest {
  name: string;
  from: string;
  to: string;
  /** The target host's address on the migration network: its incoming QEMU and NBD server listen there. */
  targetAddress: string;
  /** Bytes/s; default unlimited. */
  maxBandwidth?: number;
  /** The longest pause the switch-over may take (ms, default 100); doubled when the migration does not converge. */
  downtimeLimitMs?: number;
  /** XBZRLE delta compression of re-sent pages and CPU throttling when not converging (both on by default). */
  xbzrle?: boolean;
  autoConverge?: boolean;
  /** Cancels the migration (migrate_cancel, block jobs cancelled, target stopped); the source keeps running. */
  signal?: AbortSignal;
  onEvent?: (event: MigrationEvent) => void;
  /** Runs once both sides are paused with identical state (source post-migrate, target not yet continued). */
  beforeResume?: (sides: { source: QmpClient; target: QmpClient }) => Promise<void>;
  /** Whole migration deadline (default 15 min). */
  timeoutMs?: number;
  /** query-migrate interval while far from done (ms, default 1000; 100 near the end). */
  pollMs?: number;
}

export interface LiveMigrationResult {
  /** QEMU's total-time: from `migrate` to completion (ms). */
  totalTimeMs: number;
  /** QEMU's downtime: how long the guest was paused at the switch-over (ms). */
  downtimeMs: number;
  setupTimeMs: number;
  /** From the request to the guest running on the target (ms). */
  elapsedMs: number;
  /**
   * How long the guest did not run: from the source's STOP event to the target's RESUME event (ms). QEMU's
   * `downtime` ends when the source has written the last bytes to its socket; this also counts the bytes still
   * queued on the link, the target loading them and the resume. Absent when an event was missed.
   */
  pauseMs?: number;
  /** Of that pause: source STOP until the target reported the incoming migration completed (ms). */
  loadedAfterStopMs?: number;
  ram: MigrationRamStats;
  /** Local disks mirrored: device, virtual size, time until in sync. */
  disks: { device: string; sizeBytes: number; ms: number }[];
  targetPid: number;
  uri: string;
}

interface QueryMigrate {
  status?: string;
  'total-time'?: number;
  downtime?: number;
  'expected-downtime'?: number;
  'setup-time'?: number;
  'error-desc'?: string;
  ram?: {
    transferred?: number;
    remaining?: number;
    total?: number;
    mbps?: number;
    'dirty-pages-rate'?: number;
    'page-size'?: number;
    'pages-per-second'?: number;
    'dirty-sync-count'?: number;
  };
  'xbzrle-cache'?: { bytes?: number; pages?: number; 'cache-miss-rate'?: number; overflow?: number };
}

interface BlockJobInfo {
  device: string;
  type: string;
  len: number;
  offset: number;
  ready: boolean;
  busy: boolean;
  status?: string;
}

function ramStats(q: QueryMigrate): MigrationRamStats {
  const ram = q.ram ?? {};
  const pageSize = ram['page-size'] ?? 4096;
  return {
    transferred: ram.transferred ?? 0,
    remaining: ram.remaining ?? 0,
    total: ram.total ?? 0,
    speed: (ram['pages-per-second'] ?? 0) * pageSize,
    dirtyRate: (ram['dirty-pages-rate'] ?? 0) * pageSize,
    mbps: ram.mbps ?? 0,
    dirtySyncCount: ram['dirty-sync-count'] ?? 0,
  };
}

/** XBZRLE cache size: a tenth of guest RAM, rounded to a power of two (as the hypervisor's migration does). */
export function xbzrleCacheSize(memoryBytes: number): number {
  const tenth = Math.max(1, Math.floor(memoryBytes / 10));
  return 2 ** Math.round(Math.log2(tenth));
}

/** Tries `attempt` on each migration port until one is free; rethrows anything but "address in use". */
async function onFreePort<T>(what: string, attempt: (port: number) => Promise<T>): Promise<{ port: number; value: T }> {
  for (let port = migrationPorts.first; port <= migrationPorts.last; port += 1) {
    try {
      return { port, value: await attempt(port) };
    } catch (error) {
      if (!/in use|already|bind/i.test(error instanceof Error ? error.message : String(error))) throw error;
    }
  }
  throw new CwError('CONFLICT', `No free port in ${migrationPorts.first}–${migrationPorts.last} for ${what}.`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Moves a running guest to another lab host with QEMU's live migration. On success the guest runs on `to`
 * (same name), the source QEMU has exited and its directory (and local disk) is gone.
 */
export async function liveMigrate(guests: LabGuests, request: LiveMigrationRequest): Promise<LiveMigrationResult> {
  const { name, from, to, targetAddress } = request;
  const emit = request.onEvent ?? (() => undefined);
  const started = Date.now();
  const deadline = started + (request.timeoutMs ?? 15 * 60_000);
  if (from === to) throw new CwError('INVALID_INPUT', `Guest ${name} is already on ${to}.`);
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(targetAddress)) throw new CwError('INVALID_INPUT', `The migration address must be an IPv4 address, not "${targetAddress}".`);
  const checkAbort = () => {
    if (request.signal?.aborted) throw new CwError('CANCELLED', `The migration of guest ${name} from ${from} to ${to} was cancelled.`);
  };
  const source = guests.record(from, name);
  if (!source) throw new CwError('NOT_FOUND', `Lab host ${from} has no guest "${name}".`);
  const sourceStatus = await guests.status(from, name);
  if (sourceStatus.status === 'stopped') throw new CwError('CONFLICT', `Guest ${name} on ${from} is not running; a live migration needs a running guest.`);
  const existing = guests.record(to, name);
  if (existing) {
    const there = await guests.status(to, name);
    if (there.status !== 'stopped') throw new CwError('CONFLICT', `Guest ${name} already runs on ${to} (PID ${there.pid}).`);
    await guests.destroy(to, name);
  }
  const memoryBytes = source.spec.memoryMiB * 1024 * 1024;
  const disks = source.spec.disk ? [diskDriveId] : [];
  emit({ type: 'start', from, to, targetAddress, memoryBytes, disks });
  checkAbort();

  const sq = await guests.qmp(from, name);
  let targetStarted = false;
  let mirroring = false;
  let migrating = false;
  const cleanup = async (why: string) => {
    if (migrating) {
      emit({ type: 'cleanup', what: 'migrate_cancel' });
      await sq.execute('migrate_cancel').catch(() => undefined);
      // Wait until QEMU has left the migration (cancelling → cancelled) before touching the guest.
      for (let i = 0; i < 100; i += 1) {
        const s = await sq.execute<QueryMigrate>('query-migrate').catch(() => ({}) as QueryMigrate);
        if (s.status !== 'cancelling' && s.status !== 'active' && s.status !== 'device') break;
        await sleep(100);
      }
      const state = await sq.execute<{ status: string }>('query-status').catch(() => undefined);
      if (state?.status === 'postmigrate') await sq.execute('cont').catch(() => undefined);
    }
    if (mirroring) {
      emit({ type: 'cleanup', what: 'block-job-cancel' });
      for (const device of disks) await sq.execute('block-job-cancel', { device, force: true }).catch(() => undefined);
      await waitForJobsGone(sq, disks, 10_000).catch(() => undefined);
    }
    if (targetStarted) {
      emit({ type: 'cleanup', what: `stopping the incoming guest on ${to}` });
      await guests.destroy(to, name).catch(() => undefined);
    }
    void why;
  };

  try {
    // 1. The target: an incoming QEMU with the same machine, paused until the migration has completed.
    const target = await guests.start(to, source.spec, { incoming: true });
    targetStarted = true;
    emit({ type: 'target-started', host: to, pid: target.pid });
    const tq = await guests.qmp(to, name);
    // The target announces when it has loaded everything (and the source when it stops): the switch-over's timing.
    await tq.execute('migrate-set-capabilities', { capabilities: [{ capability: 'events', state: true }] });
    const targetLoaded = tq.waitForEvent('MIGRATION', { since: tq.events.length, match: (e) => e.data.status === 'completed', timeoutMs: Math.max(1_000, deadline - Date.now()) });
    targetLoaded.catch(() => undefined);
    const incoming = await onFreePort('the incoming migration', async (port) => {
      const uri = `tcp:${targetAddress}:${port}`;
      await tq.execute('migrate-incoming', { uri });
      return uri;
    });
    const uri = incoming.value;
    emit({ type: 'incoming', uri });
    checkAbort();

    // 2. Local disks: the target exports its (empty) disk over NBD, the source mirrors into it until in sync.
    const diskResults: LiveMigrationResult['disks'] = [];
    if (disks.length) {
      const nbd = await onFreePort('the NBD export', async (port) => {
        await tq.execute('nbd-server-start', { addr: { type: 'inet', data: { host: targetAddress, port: String(port) } } });
        return port;
      });
      for (const device of disks) {
        await tq.execute('nbd-server-add', { device, writable: true });
        const nbdUri = `nbd:${targetAddress}:${nbd.port}:exportname=${device}`;
        emit({ type: 'disk-export', device, uri: nbdUri });
        emit({ type: 'disk-mirror-start', device, uri: nbdUri });
        await sq.execute('drive-mirror', { device, 'job-id': device, target: nbdUri, format: 'nbd', sync: 'full', mode: 'existing', 'auto-dismiss': false });
        mirroring = true;
      }
      const mirrorStarted = Date.now();
      const reported = new Map<string, boolean>();
      for (;;) {
        checkAbort();
        if (Date.now() > deadline) throw new CwError('TIMEOUT', `The disk mirror of guest ${name} to ${to} was not in sync within the migration's deadline.`);
        const jobs = await sq.execute<BlockJobInfo[]>('query-block-jobs');
        let ready = 0;
        for (const device of disks) {
          const job = jobs.find((j) => j.device === device);
          if (!job) throw new CwError('REMOTE_FAILED', `The disk mirror job ${device} of guest ${name} vanished (cancelled or failed).`);
          if (job.status === 'concluded' || job.status === 'aborting') throw new CwError('REMOTE_FAILED', `The disk mirror job ${device} of guest ${name} ended before it was in sync.`);
          if (!reported.get(device)) emit({ type: 'disk-progress', device, transferred: job.offset, total: job.len, elapsedS: Math.round((Date.now() - mirrorStarted) / 1000), ready: job.ready });
          if (job.ready) {
            reported.set(device, true);
            ready += 1;
          }
        }
        if (ready === disks.length) break;
        await sleep(request.pollMs ?? 1000);
      }
      const mirrorMs = Date.now() - mirrorStarted;
      for (const device of disks) diskResults.push({ device, sizeBytes: (source.spec.disk?.sizeMiB ?? 0) * 1024 * 1024, ms: mirrorMs });
      emit({ type: 'disks-ready', devices: disks });
    }

    // 3. RAM and device state.
    const capabilities = { xbzrle: request.xbzrle ?? true, 'auto-converge': request.autoConverge ?? true, events: true };
    await sq.execute('migrate-set-capabilities', { capabilities: Object.entries(capabilities).map(([capability, state]) => ({ capability, state })) });
    emit({ type: 'capabilities', enabled: Object.entries(capabilities).filter(([, on]) => on).map(([c]) => c), uri });
    let downtimeLimitMs = Math.min(request.downtimeLimitMs ?? 100, maxDowntimeLimitMs);
    const maxBandwidth = request.maxBandwidth ?? unlimitedBandwidth;
    const cacheSize = xbzrleCacheSize(memoryBytes);
    await sq.execute('migrate-set-parameters', { 'max-bandwidth': Math.round(maxBandwidth), 'downtime-limit': Math.round(downtimeLimitMs), 'xbzrle-cache-size': cacheSize });
    emit({ type: 'parameters', maxBandwidth, downtimeLimitMs, xbzrleCacheSize: cacheSize, limited: request.maxBandwidth !== undefined });
    checkAbort();
    emit({ type: 'migrate-start', uri });
    const migrateStarted = Date.now();
    // The `events` capability announces the end at once: no need to wait for the next poll to switch over.
    const ended = sq.waitForEvent('MIGRATION', { since: sq.events.length, match: (e) => ['completed', 'failed', 'cancelled'].includes(String(e.data.status)), timeoutMs: Math.max(1_000, deadline - Date.now()) });
    ended.catch(() => undefined);
    const sourceEventsBefore = sq.events.length;
    await sq.execute('migrate', { uri });
    migrating = true;

    let pollMs = request.pollMs ?? 1000;
    let iteration = 0;
    let lastTransferred = 0;
    let lastRemaining: number | undefined;
    let notConverging = 0;
    let final: QueryMigrate;
    for (;;) {
      iteration += 1;
      const averagePerPoll = lastTransferred ? lastTransferred / iteration : 0;
      await Promise.race([sleep(pollMs), ended.catch(() => undefined)]);
      checkAbort();
      if (Date.now() > deadline) throw new CwError('TIMEOUT', `The live migration of guest ${name} to ${to} did not complete within ${(request.timeoutMs ?? 15 * 60_000) / 1000} s.`);
      const q = await sq.execute<QueryMigrate>('query-migrate');
      const status = q.status ?? 'unknown';
      if (status === 'setup' || status === 'cancelling' || status === 'wait-unplug') {
        emit({ type: 'setup', status });
        continue;
      }
      if (status === 'failed' || status === 'cancelled') {
        const error = q['error-desc'] ? `${status} - ${q['error-desc']}` : status;
        emit({ type: 'failed', status, error });
        throw new CwError('REMOTE_FAILED', `The live migration of guest ${name} from ${from} to ${to} ended: ${error}.`);
      }
      if (status === 'completed') {
        // QEMU sets `completed` a moment before it has computed the times (total-time and downtime read 0).
        let settled = q;
        for (let i = 0; i < 200 && !settled['total-time']; i += 1) {
          await sleep(10);
          settled = await sq.execute<QueryMigrate>('query-migrate');
        }
        final = settled;
        break;
      }
      if (status !== 'active' && status !== 'device' && status !== 'pre-switchover') throw new CwError('REMOTE_FAILED', `Unexpected migration status "${status}" for guest ${name}.`);
      const ram = ramStats(q);
      if (ram.transferred !== lastTransferred) {
        // Near the end, look more often (the remaining RAM is less than what one poll moves).
        if (averagePerPoll && ram.remaining < averagePerPoll) pollMs = Math.min(pollMs, 100);
        const x = q['xbzrle-cache'];
        emit({ type: 'progress', status, ram, logged: pollMs > 100 || iteration % 10 === 0, ...(x && (x.bytes || x.pages) ? { xbzrle: { bytes: x.bytes ?? 0, pages: x.pages ?? 0, cacheMissRate: x['cache-miss-rate'] ?? 0, overflow: x.overflow ?? 0 } } : {}) });
        if ((lastRemaining !== undefined && ram.remaining > lastRemaining) || ram.remaining === 0) notConverging += 1;
        lastRemaining = ram.remaining;
        if (notConverging > 5) {
          notConverging = 0;
          if (downtimeLimitMs < maxDowntimeLimitMs) {
            downtimeLimitMs = Math.min(downtimeLimitMs * 2, maxDowntimeLimitMs);
            await sq.execute('migrate-set-parameters', { 'downtime-limit': Math.round(downtimeLimitMs) }).catch(() => undefined);
            emit({ type: 'downtime-increased', downtimeLimitMs });
          }
        }
      }
      lastTransferred = ram.transferred;
    }
    migrating = false;
    const ram = ramStats(final);
    emit({ type: 'completed', ram, totalTimeMs: final['total-time'] ?? Date.now() - migrateStarted, downtimeMs: final.downtime ?? 0, setupTimeMs: final['setup-time'] ?? 0, elapsedMs: Date.now() - migrateStarted });

    // 4. Disks: the mirror is in sync and the source paused; cancelling a ready mirror completes it without
    //    switching the source over, and disconnects it from the export. Then the target stops its NBD server.
    if (disks.length) {
      for (const device of disks) {
        const since = sq.events.length;
        await sq.execute('block-job-cancel', { device });
        await sq.waitForEvent('BLOCK_JOB_COMPLETED', { since, match: (e) => e.data.device === device, timeoutMs: 60_000 });
        await sq.execute('job-dismiss', { id: device }).catch(() => undefined);
        emit({ type: 'disk-finished', device });
      }
      mirroring = false;
      await tq.execute('nbd-server-stop');
      emit({ type: 'nbd-stopped' });
    }

    // 5. Switch over once the target has loaded the last bytes still in flight: both sides hold the same state now.
    const loaded = await targetLoaded;
    const stopped = sq.events.slice(sourceEventsBefore).find((e) => e.event === 'STOP');
    if (request.beforeResume) await request.beforeResume({ source: sq, target: tq });
    const resumeMark = tq.events.length;
    await tq.execute('cont');
    const running = await waitUntil(async () => (await tq.execute<{ status: string }>('query-status')).status === 'running', 10_000);
    if (!running) throw new CwError('REMOTE_FAILED', `Guest ${name} did not resume on ${to} after the migration.`);
    targetStarted = false; // from here on the target is the guest
    const targetRecord = guests.record(to, name);
    if (targetRecord) markRunning(guests, to, targetRecord);
    const resumed = await tq.waitForEvent('RESUME', { since: resumeMark, timeoutMs: 10_000 }).catch(() => undefined);
    // Both QEMUs run on this machine's clock in the lab: their event time stamps measure the pause itself.
    const at = (e: { timestamp: { seconds: number; microseconds: number } }) => e.timestamp.seconds * 1000 + e.timestamp.microseconds / 1000;
    const pause = stopped && resumed ? { pauseMs: Math.round(at(resumed) - at(stopped)), loadedAfterStopMs: Math.round(at(loaded) - at(stopped)) } : undefined;
    emit({ type: 'resumed', host: to, ...(pause ? { pauseMs: pause.pauseMs } : {}) });
    await guests.destroy(from, name);
    emit({ type: 'source-stopped', host: from });
    return {
      ...(pause ?? {}),
      totalTimeMs: final['total-time'] ?? 0,
      downtimeMs: final.downtime ?? 0,
      setupTimeMs: final['setup-time'] ?? 0,
      elapsedMs: Date.now() - started,
      ram,
      disks: diskResults,
      targetPid: target.pid,
      uri,
    };
  } catch (error) {
    const cancelled = request.signal?.aborted ?? false;
    emit({ type: 'cancelling', reason: cancelled ? 'cancelled' : error instanceof Error ? error.message : String(error) });
    await cleanup(cancelled ? 'cancelled' : 'failed');
    if (cancelled && !(error instanceof CwError && error.code === 'CANCELLED')) {
      throw new CwError('CANCELLED', `The migration of guest ${name} from ${from} to ${to} was cancelled; it keeps running on ${from}.`);
    }
    throw error;
  }
}

/** The target's record no longer says "incoming" once it runs the guest. */
function markRunning(guests: LabGuests, host: string, record: NonNullable<ReturnType<LabGuests['record']>>): void {
  guests.updateRecord(host, { ...record, incoming: false });
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return true;
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
}

async function waitForJobsGone(q: QmpClient, devices: string[], timeoutMs: number): Promise<void> {
  await waitUntil(async () => {
    const jobs = await q.execute<BlockJobInfo[]>('query-block-jobs');
    for (const j of jobs) if (devices.includes(j.device) && j.status === 'concluded') await q.execute('job-dismiss', { id: j.device }).catch(() => undefined);
    return !jobs.some((j) => devices.includes(j.device) && j.status !== 'concluded');
  }, timeoutMs);
}

