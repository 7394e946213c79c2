// Reading a node's clock: chrony's tracking report, timedatectl's flag, and a node with neither.
import { describe, expect, it } from 'vitest';
import { chronyTrackingArgv, clockFactOf, parseChronyTracking, parseTimedatectl, timedatectlArgv } from './clock.js';

const tracking = (leap: string, system: string, ref = 'C0A80101 (192.168.1.1)') => `Reference ID    : ${ref}
Stratum         : 3
Ref time (UTC)  : Sat Dec 05 11:59:01 2026
System time     : ${system} of NTP time
Last offset     : +0.000001234 seconds
RMS offset      : 0.000012345 seconds
Frequency       : 1.234 ppm slow
Leap status     : ${leap}
`;

describe('reading a node\'s clock', () => {
  it('chrony: synchronised with its offset (fast positive, slow negative), or not', () => {
    expect(parseChronyTracking(tracking('Normal', '0.000120500 seconds fast'))).toEqual({ synchronized: true, offsetMs: 0.121 });
    expect(parseChronyTracking(tracking('Normal', '0.075000000 seconds slow'))).toEqual({ synchronized: true, offsetMs: -75 });
    expect(parseChronyTracking(tracking('Not synchronised', '0.000000000 seconds fast', '00000000 ()'))?.synchronized).toBe(false);
    expect(parseChronyTracking(tracking('Normal', '0.000000000 seconds fast', '7F7F0101 ()'))?.synchronized).toBe(false);
    expect(parseChronyTracking('506 Cannot talk to daemon')).toBeUndefined();
  });

  it('timedatectl: NTPSynchronized', () => {
    expect(parseTimedatectl('NTP=yes\nNTPSynchronized=yes\n')).toEqual({ synchronized: true });
    expect(parseTimedatectl('NTPSynchronized=no\n')).toEqual({ synchronized: false });
    expect(parseTimedatectl('')).toBeUndefined();
  });

  it('runs fixed, read-only commands', () => {
    expect([...chronyTrackingArgv]).toEqual(['chronyc', '-n', 'tracking']);
    expect(timedatectlArgv[0]).toBe('timedatectl');
    expect(timedatectlArgv).toContain('show');
  });

  it('a node without chrony falls back to timedatectl; with neither it is unknown, saying why', () => {
    const at = '2026-12-05T12:00:00Z';
    const missing = { code: 127, stdout: '', stderr: 'bash: line 1: chronyc: command not found\n' };
    expect(clockFactOf('a1', at, { code: 0, stdout: tracking('Normal', '0.001 seconds fast'), stderr: '' })).toEqual({ node: 'a1', tool: 'chrony', synchronized: true, offsetMs: 1, checkedAt: at });
    expect(clockFactOf('a1', at, missing, { code: 0, stdout: 'NTPSynchronized=no\n', stderr: '' })).toEqual({ node: 'a1', tool: 'timedatectl', synchronized: false, checkedAt: at });
    expect(clockFactOf('a1', at, missing, { code: 1, stdout: '', stderr: 'System has not been booted with systemd as init system (PID 1). Can\'t operate.\nFailed to connect to bus: Host is down\n' })).toEqual({
      node: 'a1',
      unknown: 'chrony not installed; timedatectl: System has not been booted with systemd as init system (PID 1). Can\'t operate',
      checkedAt: at,
    });
    expect(clockFactOf('a1', at, { code: 1, stdout: '', stderr: '506 Cannot talk to daemon' }, missing).unknown).toBe('chronyc: 506 Cannot talk to daemon; timedatectl not installed');
  });
});
