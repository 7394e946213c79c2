// What a lab guest is (validated), and the QEMU command line that runs it (pure).
import * as z from 'zod';
import { CwError } from '../../../common/errors.js';
import type { GuestPaths } from './registry.js';

/** Absolute in-host paths the launcher passes to QEMU and qemu-img: no commas (QEMU's option separator), no `..`. */
const hostFilePath = z
  .string()
  .max(200)
  .regex(/^\/[A-Za-z0-9._/-]+$/, 'an absolute path of letters, digits, ".", "_", "-" and "/"')
  .refine((p) => !p.split('/').includes('..'), 'a path without ".."')
  .refine((p) => p.endsWith('.qcow2'), 'a .qcow2 file');

export const guestSpecSchema = z
  .object({
    /** Names the guest's directory and QEMU process: 1–32 lower-case letters, digits and "-" (e.g. `vm100`). */
    name: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'a guest name is 1–32 characters: lower-case letters, digits and "-", starting with a letter'),
    /** Guest RAM. TCG guests stay small in the lab. */
    memoryMiB: z.number().int().min(16).max(1024),
    /** What the guest rewrites per second (bytes; default 1 MiB/s); 0 leaves RAM as filled. */
    dirtyBytesPerSecond: z.number().min(0).max(1024 ** 3).optional(),
    /** Timer ticks per second of the guest payload (default 100). */
    tickHz: z.number().min(19).max(1000).optional(),
    /** Seed of the guest's RAM fill. */
    seed: z.number().int().min(1).max(0xffffffff).optional(),
    /** A local qcow2 disk on the host (virtio-blk, drive id `drive-virtio0`); created empty when missing. */
    disk: z
      .object({
        sizeMiB: z.number().int().min(1).max(64 * 1024),
        /** In-host path; default `<guest dir>/disk-0.qcow2`. */
        path: hostFilePath.optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type GuestSpec = z.infer<typeof guestSpecSchema>;

/** The disk's QEMU drive id for a virtio0 disk (drive-virtio0), the name hypervisor APIs use for it. */
export const diskDriveId = 'drive-virtio0';

export function parseGuestSpec(raw: unknown): GuestSpec {
  const parsed = guestSpecSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(guest)'}: ${i.message}`);
    throw new CwError('INVALID_INPUT', `The guest description is not valid:\n${lines.join('\n')}`, { issues: parsed.error.issues });
  }
  return parsed.data;
}

export interface QemuArgvOptions {
  /** Start as a migration target: `-incoming defer` and paused (`-S`) until told to continue. */
  incoming?: boolean;
}

/**
 * qemu-system-x86_64's argument vector for a guest: TCG on the `pc` machine, no default devices, no display,
 * no serial port, the payload as a multiboot kernel, QMP on a Unix socket, daemonized with a pid file once
 * QEMU has set everything up (so start-up errors reach the caller on stderr).
 */
export function qemuArgv(spec: GuestSpec, paths: GuestPaths, options: QemuArgvOptions = {}): string[] {
  const argv = [
    'qemu-system-x86_64',
    '-name', `${spec.name},process=cw-${spec.name}`,
    '-machine', 'pc',
    '-accel', 'tcg',
    '-cpu', 'qemu64',
    '-smp', '1',
    '-m', String(spec.memoryMiB),
    '-nodefaults',
    '-no-user-config',
    '-display', 'none',
    '-serial', 'none',
    '-kernel', paths.kernel,
    '-qmp', `unix:${paths.qmp},server=on,wait=off`,
    '-pidfile', paths.pidFile,
    '-daemonize',
  ];
  if (spec.disk && paths.disk) {
    argv.push('-drive', `file=${paths.disk},if=none,id=${diskDriveId},format=qcow2`);
    argv.push('-device', `virtio-blk-pci,drive=${diskDriveId},id=virtio0`);
  }
  if (options.incoming) argv.push('-incoming', 'defer', '-S');
  return argv;
}
