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

/** iputils output of `ping -n -c 11` over a 30 ms link whose neighbour caches were cold: the first probe waited for address resolution. */
function coldIputils(options: { firstLost?: boolean; duplicate?: boolean } = {}): string {
  const times = [60.4, 30.2, 30.4, 30.3, 30.1, 30.6, 30.3, 30.2, 30.5, 30.3, 30.4];
  const lines = times.flatMap((t, i) => (options.firstLost && i === 0 ? [] : [`64 bytes from 198.18.3.11: icmp_seq=${i + 1} ttl=62 time=${t} ms`]));
  if (options.duplicate) lines.splice(3, 0, '64 bytes from 198.18.3.11: icmp_seq=3 ttl=62 time=90.1 ms (DUP!)');
  const received = lines.filter((l) => !l.includes('DUP')).length;
  return [
    'PING 198.18.3.11 (198.18.3.11) 56(84) bytes of data.',
    ...lines,
    '',
    '--- 198.18.3.11 ping statistics ---',
    `11 packets transmitted, ${received} received,${options.duplicate ? ' +1 duplicates,' : ''} ${options.firstLost ? '9.09091' : '0'}% packet loss, time 2003ms`,
    'rtt min/avg/max/mdev = 30.100/33.064/60.400/8.580 ms',
    '',
  ].join('\n');
}

describe('parsePingOutput with a warm-up probe', () => {
  it('leaves the first probe out of every figure and of the counts, and says so', () => {
    const summary = parsePingOutput(coldIputils(), { warmup: 1 })!;
    expect(summary).toEqual({ sent: 10, received: 10, lossPercent: 0, warmupDiscarded: 1, minMs: 30.1, avgMs: 30.33, medianMs: 30.3, p95Ms: 30.6, maxMs: 30.6, mdevMs: 0.142 });
    // Without the warm-up set aside, the same output reads 10 % high with a large mdev.
    expect(parsePingOutput(coldIputils())).toMatchObject({ avgMs: 33.064, mdevMs: 8.58 });
  });
  it('does not count a lost warm-up probe as loss, and ignores duplicates', () => {
    expect(parsePingOutput(coldIputils({ firstLost: true }), { warmup: 1 })).toMatchObject({ sent: 10, received: 10, lossPercent: 0, medianMs: 30.3 });
    expect(parsePingOutput(coldIputils({ duplicate: true }), { warmup: 1 })).toMatchObject({ sent: 10, received: 10, duplicates: 1, maxMs: 30.6 });
  });
  it('counts loss after the warm-up', () => {
    const lossy = coldIputils().replace(/^64 bytes .*icmp_seq=(5|6) .*\n/gm, '').replace('11 received', '9 received');
    expect(parsePingOutput(lossy, { warmup: 1 })).toMatchObject({ sent: 10, received: 8, lossPercent: 20 });
  });
  it('numbers BusyBox probes from 0', () => {
    const out = ['64 bytes from 10.0.0.2: seq=0 ttl=64 time=9.000 ms', '64 bytes from 10.0.0.2: seq=1 ttl=64 time=1.000 ms', '64 bytes from 10.0.0.2: seq=2 ttl=64 time=3.000 ms', '', '--- 10.0.0.2 ping statistics ---', '3 packets transmitted, 3 packets received, 0% packet loss', 'round-trip min/avg/max = 1.000/4.333/9.000 ms'].join('\n');
    expect(parsePingOutput(out, { warmup: 1 })).toMatchObject({ sent: 2, received: 2, minMs: 1, avgMs: 2, medianMs: 2, maxMs: 3 });
  });
  it('keeps every figure, saying none was set aside, when nothing but the warm-up was sent', () => {
    const out = ['64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=9.0 ms', '--- s ---', '1 packets transmitted, 1 received, 0% packet loss, time 0ms', 'rtt min/avg/max/mdev = 9.0/9.0/9.0/0.000 ms'].join('\n');
    expect(parsePingOutput(out, { warmup: 1 })).toMatchObject({ sent: 1, received: 1, avgMs: 9, warmupDiscarded: 0 });
  });
});

describe('statsOf', () => {
  it('gives the median (mean of the middle two) and the 95th percentile by nearest rank', () => {
    expect(statsOf([4, 1, 3, 2])).toMatchObject({ minMs: 1, medianMs: 2.5, p95Ms: 4, maxMs: 4, avgMs: 2.5 });
    const twenty = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(statsOf(twenty)).toMatchObject({ medianMs: 10.5, p95Ms: 19 });
  });
});

describe('pingArgv', () => {
  it('asks for a count, a 0.2 s interval, a reply timeout, an overall deadline and the source address', () => {
    expect(pingArgv({ address: '10.0.0.2', count: 10, intervalS: 0.2, replyTimeoutS: 1, sourceAddress: '10.0.0.1' })).toEqual(['ping', '-n', '-q', '-c', '10', '-i', '0.2', '-W', '1', '-w', '4', '-I', '10.0.0.1', '--', '10.0.0.2']);
  });
  it('sends the warm-up probes on top of the counted ones and prints every reply so they can be told apart', () => {
    expect(pingArgv({ address: '10.0.0.2', count: 10, warmup: 1, intervalS: 0.2, replyTimeoutS: 1 })).toEqual(['ping', '-n', '-c', '11', '-i', '0.2', '-W', '1', '-w', '5', '--', '10.0.0.2']);
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
  it('sets the warm-up probe aside on real ping output', async () => {
    const plan = { address: '127.0.0.1', count: 3, warmup: 1, intervalS: 0.2, replyTimeoutS: 1 };
    const result = await new LocalRunner().exec('self', pingArgv(plan), { timeoutMs: 10_000 });
    expect(parsePingOutput(result.stdout, { warmup: 1 })).toMatchObject({ sent: 3, received: 3, lossPercent: 0, warmupDiscarded: 1 });
  });
});
