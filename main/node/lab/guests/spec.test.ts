// A guest description is validated before any of it reaches QEMU's command line, and the command line is an
// argument vector: TCG, no default devices, no display, QMP on the guest's socket, daemonized with a pid file.
import { describe, expect, it } from 'vitest';
import { preflightGuests } from './launcher.js';
import { guestPaths } from './registry.js';
import { parseGuestSpec, qemuArgv } from './spec.js';

describe('guest description and QEMU command line', () => {
  it('refuses names and disk paths that could become QEMU options or escape the guest directory', () => {
    for (const name of ['-daemonize', 'vm100,file=/etc/shadow', 'VM100', '../vm', '', 'a'.repeat(33)]) {
      expect(() => parseGuestSpec({ name, memoryMiB: 64 }), name).toThrow(/name/);
    }
    for (const diskPath of ['relative.qcow2', '/run/a,b.qcow2', '/run/../etc/x.qcow2', '/run/disk.raw', '/run/x y.qcow2']) {
      expect(() => parseGuestSpec({ name: 'vm1', memoryMiB: 64, disk: { sizeMiB: 8, path: diskPath } }), diskPath).toThrow(/disk\.path/);
    }
    expect(() => parseGuestSpec({ name: 'vm1', memoryMiB: 8 })).toThrow(/memoryMiB/);
    expect(() => parseGuestSpec({ name: 'vm1', memoryMiB: 64, extra: '-S' })).toThrow(/extra|Unrecognized/i);
  });

  it('runs the guest under TCG without default devices, display or serial port, daemonized with a pid file', () => {
    const spec = parseGuestSpec({ name: 'vm100', memoryMiB: 128 });
    const argv = qemuArgv(spec, guestPaths(spec));
    const option = (flag: string) => argv[argv.indexOf(flag) + 1];
    expect(argv[0]).toBe('qemu-system-x86_64');
    expect(option('-accel')).toBe('tcg');
    expect(option('-m')).toBe('128');
    expect(option('-display')).toBe('none');
    expect(option('-serial')).toBe('none');
    expect(option('-kernel')).toBe('/run/cw-guests/vm100/guest.bin');
    expect(option('-qmp')).toBe('unix:/run/cw-guests/vm100/qmp.sock,server=on,wait=off');
    expect(option('-pidfile')).toBe('/run/cw-guests/vm100/qemu.pid');
    expect(argv).toEqual(expect.arrayContaining(['-nodefaults', '-no-user-config', '-daemonize']));
    expect(argv).not.toContain('-incoming');
    expect(argv).not.toContain('-drive');
  });

  it('starts a migration target paused with a deferred incoming migration', () => {
    const spec = parseGuestSpec({ name: 'vm100', memoryMiB: 128 });
    const argv = qemuArgv(spec, guestPaths(spec), { incoming: true });
    expect(argv.slice(-3)).toEqual(['-incoming', 'defer', '-S']);
  });

  it('attaches a local qcow2 disk as virtio-blk with the drive id a storage migration mirrors', () => {
    const spec = parseGuestSpec({ name: 'vm200', memoryMiB: 64, disk: { sizeMiB: 256 } });
    const argv = qemuArgv(spec, guestPaths(spec));
    expect(argv[argv.indexOf('-drive') + 1]).toBe('file=/run/cw-guests/vm200/disk-0.qcow2,if=none,id=drive-virtio0,format=qcow2');
    expect(argv[argv.indexOf('-device') + 1]).toBe('virtio-blk-pci,drive=drive-virtio0,id=virtio0');
    const elsewhere = parseGuestSpec({ name: 'vm200', memoryMiB: 64, disk: { sizeMiB: 256, path: '/var/lib/vz/images/200/vm-200-disk-0.qcow2' } });
    expect(guestPaths(elsewhere).disk).toBe('/var/lib/vz/images/200/vm-200-disk-0.qcow2');
  });
});

describe('guest preflight', () => {
  it('names the Debian packages when QEMU is missing', () => {
    expect(() => preflightGuests(['/nonexistent'])).toThrow(/apt-get install qemu-system-x86 qemu-utils/);
  });
});
