// The ping summary parser on iputils (new and old), BusyBox and BSD output, and on real ping output
// of this machine against the loopback address.
import { describe, expect, it } from 'vitest';
import { parsePingOutput, pingArgv, statsOf } from './ping.js';
import { LocalRunner } from './runner.js';

const iputilsNew = `PING 127.0.0.1 (127.0.0.1) 56(84) bytes of data.

--- 127.0.0.1 ping statistics ---
3 packets transmitted, 3 received, 0% packet loss, time 405ms
rtt min/avg/max/mdev = 0.040/0.109/0.248/0.097 ms
`;

const iputilsOld = `PING 10.0.0.1 (10.0.0.1) 56(84) bytes of data.

--- 10.0.0.1 ping statistics ---
5 packets transmitted, 4 received, +1 duplicates, 20% packet loss, time 803ms
rtt min/avg/max/mdev = 0.411/0.508/0.620/0.071 ms, pipe 2
`;

const iputilsErrors = `PING 10.9.9.9 (10.9.9.9) 56(84) bytes of data.

--- 10.9.9.9 ping statistics ---
3 packets transmitted, 0 received, +3 errors, 100% packet loss, time 2040ms
pipe 3
`;

const fractional = `--- 192.0.2.1 ping statistics ---
3 packets transmitted, 1 received, 66.6667% packet loss, time 2038ms
rtt min/avg/max/mdev = 31.200/31.200/31.200/0.000 ms
`;

const busybox = `PING 127.0.0.1 (127.0.0.1): 56 data bytes
64 bytes from 127.0.0.1: seq=0 ttl=64 time=0.058 ms
64 bytes from 127.0.0.1: seq=1 ttl=64 time=0.098 ms
64 bytes from 127.0.0.1: seq=2 ttl=64 time=0.070 ms

--- 127.0.0.1 ping statistics ---
3 packets transmitted, 3 packets received, 0% packet loss
round-trip min/avg/max = 0.058/0.075/0.098 ms
`;

const bsd = `--- 127.0.0.1 ping statistics ---
3 packets transmitted, 3 packets received, 0.0% packet loss
round-trip min/avg/max/stddev = 0.053/0.097/0.148/0.039 ms
`;

describe('parsePingOutput', () => {
  it('reads the current iputils summary', () => {
    expect(parsePingOutput(iputilsNew)).toEqual({ sent: 3, received: 3, lossPercent: 0, minMs: 0.04, avgMs: 0.109, maxMs: 0.248, mdevMs: 0.097 });
  });
  it('reads the older iputils summary with duplicates and "pipe N"', () => {
    expect(parsePingOutput(iputilsOld)).toEqual({ sent: 5, received: 4, duplicates: 1, lossPercent: 20, minMs: 0.411, avgMs: 0.508, maxMs: 0.62, mdevMs: 0.071 });
  });
  it('reads total loss with errors and no round-trip line', () => {
    expect(parsePingOutput(iputilsErrors)).toEqual({ sent: 3, received: 0, errors: 3, lossPercent: 100 });
  });
  it('reads fractional loss', () => {
    expect(parsePingOutput(fractional)).toMatchObject({ received: 1, lossPercent: 66.6667, avgMs: 31.2 });
  });
  it('reads BusyBox and computes mdev from the replies it lists', () => {
    const summary = parsePingOutput(busybox)!;
    expect(summary).toMatchObject({ sent: 3, received: 3, lossPercent: 0, minMs: 0.058, avgMs: 0.075, maxMs: 0.098 });
    expect(summary.mdevMs).toBeCloseTo(statsOf([0.058, 0.098, 0.07]).mdevMs, 3);
  });
  it('reads BSD/macOS output', () => {
    expect(parsePingOutput(bsd)).toMatchObject({ lossPercent: 0, avgMs: 0.097, mdevMs: 0.039 });
  });
  it('falls back to the reply lines when the summary is missing, and to undefined when there is nothing', () => {
    expect(parsePingOutput('64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=1.50 ms\n64 bytes from 10.0.0.2: icmp_seq=2 ttl=64 time=2.50 ms\n')).toMatchObject({ received: 2, avgMs: 2, mdevMs: 0.5 });
    expect(parsePingOutput('ping: connect: Network is unreachable\n')).toBeUndefined();
  });
});

describe('pingArgv', () => {
  it('asks for a count, a 0.2 s interval, a reply timeout, an overall deadline and the source address', () => {
    expect(pingArgv({ address: '10.0.0.2', count: 10, intervalS: 0.2, replyTimeoutS: 1, sourceAddress: '10.0.0.1' })).toEqual(['ping', '-n', '-q', '-c', '10', '-i', '0.2', '-W', '1', '-w', '4', '-I', '10.0.0.1', '--', '10.0.0.2']);
  });
});

describe('real ping on this machine (loopback only)', () => {
  it('parses what ping prints for 127.0.0.1', async () => {
    const result = await new LocalRunner().exec('self', pingArgv({ address: '127.0.0.1', count: 5, intervalS: 0.2, replyTimeoutS: 1 }), { timeoutMs: 10_000 });
    expect(result.code).toBe(0);
    const summary = parsePingOutput(result.stdout)!;
    expect(summary).toMatchObject({ sent: 5, received: 5, lossPercent: 0 });
    expect(summary.avgMs).toBeGreaterThan(0);
    expect(summary.avgMs).toBeLessThan(5);
    expect(summary.minMs!).toBeLessThanOrEqual(summary.avgMs!);
    expect(summary.maxMs!).toBeGreaterThanOrEqual(summary.avgMs!);
    expect(summary.mdevMs).toBeGreaterThanOrEqual(0);
  });
});
