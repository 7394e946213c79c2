// A QEMU live migration's events in the words of a Proxmox VE migration task log (qm migrate --online,
// with-local-disks): what the lab's simulator writes to the task log while a real QEMU guest moves (pure).
import type { MigrationEvent } from '../../qemu/migration.js';

/** PVE::Tools::render_bytes: the largest binary unit, `precision` decimals ("120.5 MiB"). */
export function renderBytes(value: number, precision = 2): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let unit = 0;
  let v = value;
  if (v > 1023) {
    unit = Math.min(units.length - 1, Math.floor(Math.log(v) / Math.log(1024)));
    v /= 1024 ** unit;
  }
  return `${v.toFixed(precision)} ${units[unit]}`;
}

/** PVE::Tools::render_duration: "0s", "12s", "1m 5s", "2h 3m". */
export function renderDuration(seconds: number): string {
  let rest = Math.round(seconds);
  if (!rest) return '0s';
  const parts: string[] = [];
  for (const [unit, length] of [['w', 7 * 24 * 3600], ['d', 24 * 3600], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    const v = Math.floor(rest / length);
    if (v > 0) {
      parts.push(`${v}${unit}`);
      rest -= v * length;
    }
  }
  return parts.join(' ');
}

/** `00:01:05`, the duration of the final "migration finished successfully" line. */
export function durationClock(ms: number): string {
  const d = Math.round(ms / 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(Math.floor(d / 3600))}:${two(Math.floor((d % 3600) / 60))}:${two(d % 60)}`;
}

export interface MigrationLogContext {
  vmid: number;
  /** The target node's name and migration address. */
  node: string;
  nodeIp: string;
  /** The source node (for the "[target] …" style lines some events carry). */
  source?: string;
}

/**
 * The task log lines (without the time stamp PVE prefixes) one migration event becomes. Lines follow
 * QemuMigrate.pm: "migration active, transferred 120.5 MiB of 256.0 MiB VM-state, 40.2 MiB/s",
 * "average migration speed: 41.3 MiB/s - downtime 52 ms", the mirror job's "drive-virtio0: transferred …".
 */
export function migrationLogLines(event: MigrationEvent, context: MigrationLogContext): string[] {
  switch (event.type) {
    case 'start':
      return [
        `starting migration of VM ${context.vmid} to node '${context.node}' (${context.nodeIp})`,
        ...event.disks.map((d) => `found local disk '${d}' (attached)`),
      ];
    case 'target-started':
      return [`starting VM ${context.vmid} on remote node '${context.node}'`];
    case 'incoming':
      return ['start remote tunnel'];
    case 'disk-export':
      return [];
    case 'disk-mirror-start':
      return [`starting storage migration`, `${event.device.replace(/^drive-/, '')}: start migration to ${event.uri}`, `drive mirror is starting for ${event.device}`];
    case 'disk-progress': {
      const percent = event.total ? ((event.transferred * 100) / event.total).toFixed(2) : '0.00';
      return [`${event.device}: transferred ${renderBytes(event.transferred, 1)} of ${renderBytes(event.total, 1)} (${percent}%) in ${renderDuration(event.elapsedS)}${event.ready ? ', ready' : ''}`];
    }
    case 'disks-ready':
      return [`all 'mirror' jobs are ready`];
    case 'capabilities':
      return [`starting online/live migration on ${event.uri}`, 'set migration capabilities'];
    case 'parameters':
      return [
        ...(event.limited ? [`migration speed limit: ${renderBytes(event.maxBandwidth, 1)}/s`] : []),
        `migration downtime limit: ${event.downtimeLimitMs} ms`,
        `migration cachesize: ${renderBytes(event.xbzrleCacheSize, 1)}`,
        'set migration parameters',
      ];
    case 'migrate-start':
      return [`start migrate command to ${event.uri}`];
    case 'setup':
      return [`migration in status '${event.status}' - waiting for transition`];
    case 'progress': {
      if (!event.logged) return [];
      const r = event.ram;
      let line = `migration ${event.status}, transferred ${renderBytes(r.transferred, 1)} of ${renderBytes(r.total, 1)} VM-state, ${renderBytes(r.speed, 1)}/s`;
      if (r.dirtyRate > r.speed) line += `, VM dirties lots of memory: ${renderBytes(r.dirtyRate, 1)}/s`;
      const lines = [line];
      if (event.xbzrle) {
        let x = `xbzrle: send updates to ${event.xbzrle.pages} pages in ${renderBytes(event.xbzrle.bytes, 1)} encoded memory`;
        if (event.xbzrle.cacheMissRate) x += `, cache-miss ${(event.xbzrle.cacheMissRate * 100).toFixed(2)}%`;
        if (event.xbzrle.overflow) x += `, overflow ${event.xbzrle.overflow}`;
        lines.push(x);
      }
      return lines;
    }
    case 'downtime-increased':
      return [`auto-increased downtime to continue migration: ${event.downtimeLimitMs} ms`];
    case 'completed': {
      const seconds = event.elapsedMs / 1000;
      return [
        ...(seconds > 0 ? [`average migration speed: ${renderBytes(event.ram.total / seconds, 1)}/s - downtime ${event.downtimeMs} ms`] : []),
        ...(event.ram.transferred > 0 ? [`migration completed, transferred ${renderBytes(event.ram.transferred, 1)} VM-state`] : []),
        'migration status: completed',
      ];
    }
    case 'disk-finished':
      return [`${event.device}: mirror-job finished`];
    case 'nbd-stopped':
      return ['stopping NBD storage migration server on target.'];
    case 'resumed':
      return [];
    case 'source-stopped':
      return [];
    case 'cancelling':
      // A task stopped by the user ends its worker with a signal.
      return [`ERROR: online migrate failure - ${event.reason === 'cancelled' ? 'interrupted by signal' : event.reason}`, 'aborting phase 2 - cleanup resources'];
    case 'failed':
      return [`migration status error: ${event.error}`];
    case 'cleanup':
      return event.what === 'migrate_cancel' ? ['migrate_cancel'] : [];
  }
}
