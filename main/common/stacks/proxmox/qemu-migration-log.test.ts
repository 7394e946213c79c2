// A QEMU migration's events become the lines of a Proxmox VE migration task log.
import { describe, expect, it } from 'vitest';
import type { MigrationEvent, MigrationRamStats } from '../../qemu/migration.js';
import { durationClock, migrationLogLines, renderBytes, renderDuration } from './qemu-migration-log.js';

const MiB = 1024 * 1024;
const ctx = { vmid: 100, node: 'b1', nodeIp: '198.18.2.11' };
const ram = (r: Partial<MigrationRamStats>): MigrationRamStats => ({ transferred: 0, remaining: 0, total: 0, speed: 0, dirtyRate: 0, mbps: 0, dirtySyncCount: 0, ...r });

describe('Proxmox migration task log lines', () => {
  it('renders bytes and durations as PVE::Tools does', () => {
    expect(renderBytes(0)).toBe('0.00 B');
    expect(renderBytes(1023, 1)).toBe('1023.0 B');
    expect(renderBytes(1024, 1)).toBe('1.0 KiB');
    expect(renderBytes(120.5 * MiB, 1)).toBe('120.5 MiB');
    expect(renderBytes(16 * 1024 ** 3, 1)).toBe('16.0 GiB');
    expect(renderDuration(0)).toBe('0s');
    expect(renderDuration(65)).toBe('1m 5s');
    expect(renderDuration(3661)).toBe('1h 1m 1s');
    expect(durationClock(65_400)).toBe('00:01:05');
  });

  it('reports progress as "migration active, transferred … of … VM-state, …/s", warning when the guest dirties faster than it moves', () => {
    expect(migrationLogLines({ type: 'progress', status: 'active', logged: true, ram: ram({ transferred: 120.5 * MiB, total: 256 * MiB, speed: 40.2 * MiB }) }, ctx)).toEqual([
      'migration active, transferred 120.5 MiB of 256.0 MiB VM-state, 40.2 MiB/s',
    ]);
    expect(migrationLogLines({ type: 'progress', status: 'active', logged: true, ram: ram({ transferred: 10 * MiB, total: 256 * MiB, speed: 5 * MiB, dirtyRate: 9 * MiB }), xbzrle: { pages: 12, bytes: 2048, cacheMissRate: 0.125, overflow: 0 } }, ctx)).toEqual([
      'migration active, transferred 10.0 MiB of 256.0 MiB VM-state, 5.0 MiB/s, VM dirties lots of memory: 9.0 MiB/s',
      'xbzrle: send updates to 12 pages in 2.0 KiB encoded memory, cache-miss 12.50%',
    ]);
    // The frequent polls near the end are not all logged.
    expect(migrationLogLines({ type: 'progress', status: 'active', logged: false, ram: ram({ transferred: MiB }) }, ctx)).toEqual([]);
  });

  it('ends with the average speed, the downtime and the status', () => {
    expect(migrationLogLines({ type: 'completed', ram: ram({ transferred: 141.3 * MiB, total: 128.5 * MiB }), totalTimeMs: 12_600, downtimeMs: 2, setupTimeMs: 3, elapsedMs: 12_600 }, ctx)).toEqual([
      'average migration speed: 10.2 MiB/s - downtime 2 ms',
      'migration completed, transferred 141.3 MiB VM-state',
      'migration status: completed',
    ]);
  });

  it('logs the set-up, the storage mirror and a cancelled migration as Proxmox does', () => {
    const lines: MigrationEvent[] = [
      { type: 'start', from: 'a1', to: 'b1', targetAddress: '198.18.2.11', memoryBytes: 128 * MiB, disks: ['drive-virtio0'] },
      { type: 'disk-mirror-start', device: 'drive-virtio0', uri: 'nbd:198.18.2.11:60001:exportname=drive-virtio0' },
      { type: 'disk-progress', device: 'drive-virtio0', transferred: 64 * MiB, total: 256 * MiB, elapsedS: 2, ready: false },
      { type: 'disk-progress', device: 'drive-virtio0', transferred: 256 * MiB, total: 256 * MiB, elapsedS: 65, ready: true },
      { type: 'capabilities', enabled: ['xbzrle', 'auto-converge', 'events'], uri: 'tcp:198.18.2.11:60000' },
      { type: 'parameters', maxBandwidth: 50 * MiB, downtimeLimitMs: 100, xbzrleCacheSize: 16 * MiB, limited: true },
      { type: 'downtime-increased', downtimeLimitMs: 200 },
      { type: 'cancelling', reason: 'cancelled' },
      { type: 'cleanup', what: 'migrate_cancel' },
    ];
    expect(lines.flatMap((e) => migrationLogLines(e, ctx))).toEqual([
      "starting migration of VM 100 to node 'b1' (198.18.2.11)",
      "found local disk 'drive-virtio0' (attached)",
      'starting storage migration',
      'virtio0: start migration to nbd:198.18.2.11:60001:exportname=drive-virtio0',
      'drive mirror is starting for drive-virtio0',
      'drive-virtio0: transferred 64.0 MiB of 256.0 MiB (25.00%) in 2s',
      'drive-virtio0: transferred 256.0 MiB of 256.0 MiB (100.00%) in 1m 5s, ready',
      'starting online/live migration on tcp:198.18.2.11:60000',
      'set migration capabilities',
      'migration speed limit: 50.0 MiB/s',
      'migration downtime limit: 100 ms',
      'migration cachesize: 16.0 MiB',
      'set migration parameters',
      'auto-increased downtime to continue migration: 200 ms',
      'ERROR: online migrate failure - interrupted by signal',
      'aborting phase 2 - cleanup resources',
      'migrate_cancel',
    ]);
  });
});
