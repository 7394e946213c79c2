// Reading a node's clock synchronisation (pure): the commands the probe runs, read-only and fixed (no workspace
// value in them), and what their output says — chrony's own tracking first, systemd's timedatectl second; a node
// with neither is "unknown", with the reason.
import type { ClockFact } from './facts.js';

/** chronyc: numeric output (-n: no DNS lookups), one read-only report. */
export const chronyTrackingArgv = ['chronyc', '-n', 'tracking'] as const;
/** timedatectl: the synchronisation flag as key=value lines. */
export const timedatectlArgv = ['timedatectl', 'show', '-p', 'NTPSynchronized', '-p', 'NTP'] as const;

export interface ProbeOutput {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Whether the output says the command itself is missing (the remote shell's 127, or the messages shells print). */
export function commandMissing(out: ProbeOutput): boolean {
  return out.code === 127 || (out.code !== 0 && !out.stdout.trim() && /command not found|No such file or directory/i.test(out.stderr));
}

/**
 * chronyc tracking: synchronised unless the leap status says "Not synchronised" or the reference is none
 * (00000000) or the local clock (7F7F0101); the offset is "System time: x seconds fast|slow of NTP time".
 */
export function parseChronyTracking(stdout: string): { synchronized: boolean; offsetMs?: number } | undefined {
  const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'mi').exec(stdout)?.[1]?.trim();
  const leap = field('Leap status');
  const ref = field('Reference ID');
  if (leap === undefined && ref === undefined) return undefined;
  const refId = ref?.split(/\s+/)[0]?.toUpperCase();
  const synchronized = !/not synchronised/i.test(leap ?? '') && refId !== '00000000' && refId !== '7F7F0101';
  const system = /^System time\s*:\s*([\d.]+)\s+seconds\s+(fast|slow)/mi.exec(stdout);
  const offsetMs = system ? Math.round(Number(system[1]) * (system[2]!.toLowerCase() === 'slow' ? -1 : 1) * 1e6) / 1e3 : undefined;
  return { synchronized, ...(offsetMs !== undefined && Number.isFinite(offsetMs) ? { offsetMs } : {}) };
}

/** timedatectl show: NTPSynchronized=yes|no. */
export function parseTimedatectl(stdout: string): { synchronized: boolean } | undefined {
  const m = /^NTPSynchronized=(yes|no)\s*$/m.exec(stdout);
  return m ? { synchronized: m[1] === 'yes' } : undefined;
}

/** The first line of what a failed command said, short. */
function said(out: ProbeOutput): string {
  const line = ((out.stderr.trim() || out.stdout.trim()).split('\n')[0]?.trim() ?? '').replace(/\.$/, '');
  return line.length > 120 ? `${line.slice(0, 117)}…` : line || `exit code ${out.code}`;
}

/** The clock fact from the two probes' outputs (`timedatectl` absent: not run because chrony answered). */
export function clockFactOf(node: string, checkedAt: string, chrony: ProbeOutput, timedatectl?: ProbeOutput): ClockFact {
  if (chrony.code === 0) {
    const read = parseChronyTracking(chrony.stdout);
    if (read) return { node, tool: 'chrony', ...read, checkedAt };
  }
  const chronyWhy = commandMissing(chrony) ? 'chrony not installed' : `chronyc: ${said(chrony)}`;
  if (timedatectl) {
    if (timedatectl.code === 0) {
      const read = parseTimedatectl(timedatectl.stdout);
      if (read) return { node, tool: 'timedatectl', ...read, checkedAt };
    }
    const why = commandMissing(timedatectl) ? 'timedatectl not installed' : `timedatectl: ${said(timedatectl)}`;
    return { node, unknown: `${chronyWhy}; ${why}`, checkedAt };
  }
  return { node, unknown: chronyWhy, checkedAt };
}
