import { describe, expect, it } from 'vitest';
import { CreditStream, type StreamSource } from './streams.js';
import { DEFAULT_STREAM_WINDOW, MAX_STREAM_WINDOW } from '../common/wire.js';

/** A source that produces `total` bytes in `chunk`-sized pieces whenever it is not paused. */
function syntheticSource(total: number, chunk: number) {
  let dataListener: (c: Uint8Array) => void = () => {};
  let endListener: (e?: Error) => void = () => {};
  let sent = 0;
  let paused = false;
  let pauses = 0;
  const pump = () => {
    while (!paused && sent < total) {
      const size = Math.min(chunk, total - sent);
      const piece = new Uint8Array(size);
      for (let i = 0; i < size; i++) piece[i] = (sent + i) % 251;
      sent += size;
      dataListener(piece);
    }
    if (sent >= total) endListener();
  };
  const source: StreamSource = {
    onData: (l) => (dataListener = l),
    onEnd: (l) => (endListener = l),
    pause: () => {
      paused = true;
      pauses++;
    },
    resume: () => {
      paused = false;
      queueMicrotask(pump);
    },
    close: () => {},
  };
  return { source, pump, stats: () => ({ sent, pauses }) };
}

describe('credit-based stream flow control', () => {
  it('never has more than the window sent and unacknowledged, and delivers every byte in order', async () => {
    const window = 64 * 1024;
    const total = 5 * 1024 * 1024;
    const { source, pump, stats } = syntheticSource(total, 16 * 1024 + 7);
    const received: Uint8Array[] = [];
    let ended = false;
    const backlog: number[] = [];
    const overWindow: number[] = [];
    const stream: CreditStream = new CreditStream(1, source, {
      sendData: (_id, chunk) => {
        received.push(chunk.slice());
        backlog.push(chunk.byteLength);
        if (stream.pending > stream.window) overWindow.push(stream.pending);
      },
      sendEnd: () => {
        ended = true;
      },
    }, window);
    pump();
    // The consumer drains slowly, acknowledging what it has "written".
    while (!ended) {
      await new Promise((r) => setTimeout(r, 0));
      const bytes = backlog.splice(0).reduce((a, b) => a + b, 0);
      if (bytes > 0) stream.ack(bytes);
    }
    const all = Buffer.concat(received);
    expect(all.byteLength).toBe(total);
    for (let i = 0; i < total; i += 4099) expect(all[i]).toBe(i % 251);
    expect(overWindow).toEqual([]);
    expect(stream.peakUnacked).toBeLessThanOrEqual(window);
    expect(stats().pauses).toBeGreaterThan(10);
  });

  it('sends a chunk larger than the window a window at a time, the rest as acknowledgements come', () => {
    const sizes: number[] = [];
    const { source } = syntheticSource(0, 1);
    let push: (c: Uint8Array) => void = () => {};
    source.onData = (l) => (push = l);
    const stream = new CreditStream(2, source, { sendData: (_i, c) => sizes.push(c.byteLength), sendEnd: () => sizes.push(-1) }, 1000);
    push(new Uint8Array(2500));
    expect(sizes).toEqual([1000]);
    stream.ack(1000);
    expect(sizes).toEqual([1000, 1000]);
    stream.ack(1000);
    expect(sizes).toEqual([1000, 1000, 500]);
  });

  it('sends the end only after every queued byte, even when the window was full when the source ended', () => {
    const events: string[] = [];
    let push: (c: Uint8Array) => void = () => {};
    let end: (e?: Error) => void = () => {};
    const source: StreamSource = { onData: (l) => (push = l), onEnd: (l) => (end = l), pause: () => {}, resume: () => {}, close: () => {} };
    const stream = new CreditStream(4, source, { sendData: (_i, c) => events.push(`data ${c.byteLength}`), sendEnd: () => events.push('end') }, 1000);
    push(new Uint8Array(1500));
    end();
    expect(events).toEqual(['data 1000']);
    stream.ack(1000);
    expect(events).toEqual(['data 1000', 'data 500', 'end']);
  });

  it('coalesces small chunks into one frame per event-loop turn, in order', async () => {
    const frames: Uint8Array[] = [];
    const { source } = syntheticSource(0, 1);
    let push: (c: Uint8Array) => void = () => {};
    source.onData = (l) => (push = l);
    new CreditStream(3, source, { sendData: (_i, c) => frames.push(c.slice()), sendEnd: () => {} });
    push(new Uint8Array(2000).fill(9));
    for (let i = 0; i < 10; i++) push(new Uint8Array(100).fill(i));
    expect(frames).toHaveLength(0);
    await new Promise((r) => setImmediate(r));
    expect(frames).toHaveLength(1);
    expect(frames[0]!.byteLength).toBe(3000);
    expect(frames[0]![1999]).toBe(9);
    expect(frames[0]![2950]).toBe(9);
    expect(frames[0]![2050]).toBe(0);
  });

  it('sends a keystroke\'s echo after a quiet moment at once, and what follows it in the same turn together', async () => {
    const frames: Uint8Array[] = [];
    const { source } = syntheticSource(0, 1);
    let push: (c: Uint8Array) => void = () => {};
    source.onData = (l) => (push = l);
    const stream = new CreditStream(4, source, { sendData: (_i, c) => frames.push(c.slice()), sendEnd: () => {} });
    push(Uint8Array.of(0x78));
    // Sent in the same task: no waiting for the end of the event-loop turn.
    expect(frames.map((f) => [...f])).toEqual([[0x78]]);
    // Output that follows while the echo is unacknowledged is coalesced as before.
    push(new Uint8Array(100).fill(1));
    push(new Uint8Array(100).fill(2));
    expect(frames).toHaveLength(1);
    await new Promise((r) => setImmediate(r));
    expect(frames.map((f) => f.byteLength)).toEqual([1, 200]);
    stream.ack(201);
    // Quiet again: the next echo goes at once too.
    push(Uint8Array.of(0x79));
    expect(frames.map((f) => f.byteLength)).toEqual([1, 200, 1]);
  });
});

/**
 * Runs an endless source into a credit stream on a simulated clock: every frame is acknowledged
 * `delayMs` after it was sent, once the consumer (parsing `consumerBytesPerMs`) has got through it.
 */
async function simulate(options: { delayMs: number; consumerBytesPerMs: number; ms: number }) {
  let clock = 0;
  const { source, pump } = syntheticSource(Number.MAX_SAFE_INTEGER, 16 * 1024);
  const frames: { bytes: number; sentAt: number }[] = [];
  const overWindow: number[] = [];
  const windows: number[] = [];
  const stream: CreditStream = new CreditStream(
    1,
    source,
    {
      sendData: (_id, chunk) => {
        frames.push({ bytes: chunk.byteLength, sentAt: clock });
        if (stream.pending > stream.window) overWindow.push(stream.pending);
      },
      sendEnd: () => {},
    },
    { now: () => clock },
  );
  pump();
  let consumerFreeAt = 0;
  let acked = 0;
  const acks: { at: number; bytes: number }[] = [];
  let next = 0;
  for (clock = 0; clock < options.ms; clock++) {
    // Frames reach the consumer after half the delay, are parsed in turn, and acknowledged half a delay later.
    while (next < frames.length && frames[next]!.sentAt + options.delayMs / 2 <= clock) {
      const frame = frames[next++]!;
      consumerFreeAt = Math.max(consumerFreeAt, frame.sentAt + options.delayMs / 2) + frame.bytes / options.consumerBytesPerMs;
      acks.push({ at: consumerFreeAt + options.delayMs / 2, bytes: frame.bytes });
    }
    for (const ack of acks.filter((a) => a.at <= clock)) {
      acks.splice(acks.indexOf(ack), 1);
      acked += ack.bytes;
      stream.ack(ack.bytes);
    }
    windows.push(stream.window);
    await new Promise((r) => setImmediate(r));
  }
  stream.close();
  return { acked, overWindow, windows, stream };
}

describe('credit window from the bandwidth-delay product', () => {
  it('grows past the default window on a slow round trip, so the link and not the window sets the pace, and stays within its bounds', async () => {
    // 50 ms round trip, a consumer good for 20 MiB/s: a fixed 256 KiB window would allow 5 MiB/s.
    const { acked, overWindow, windows } = await simulate({ delayMs: 50, consumerBytesPerMs: 20 * 1024 * 1024 / 1000, ms: 3000 });
    expect(overWindow).toEqual([]);
    expect(Math.max(...windows)).toBeGreaterThan(DEFAULT_STREAM_WINDOW * 2);
    expect(Math.max(...windows)).toBeLessThanOrEqual(MAX_STREAM_WINDOW);
    const fixedWindowBytes = (DEFAULT_STREAM_WINDOW / 50) * 3000;
    expect(acked).toBeGreaterThan(fixedWindowBytes * 1.5);
  });

  it('stays at the default window when the consumer, not the round trip, is the limit (loopback and xterm.js)', async () => {
    const { overWindow, windows, stream } = await simulate({ delayMs: 1, consumerBytesPerMs: 8 * 1024 * 1024 / 1000, ms: 2000 });
    expect(overWindow).toEqual([]);
    expect(Math.max(...windows)).toBe(DEFAULT_STREAM_WINDOW);
    expect(stream.peakUnacked).toBeLessThanOrEqual(DEFAULT_STREAM_WINDOW);
  });

  it('keeps a fixed window fixed', async () => {
    const window = 100 * 1024;
    let clock = 0;
    const { source, pump } = syntheticSource(4 * 1024 * 1024, 16 * 1024);
    const stream: CreditStream = new CreditStream(1, source, { sendData: (_i, c) => setTimeout(() => { clock += 50; stream.ack(c.byteLength); }, 0), sendEnd: () => {} }, { min: window, max: window, now: () => clock });
    pump();
    await new Promise((r) => setTimeout(r, 200));
    expect(stream.stats().peakWindow).toBe(window);
    expect(stream.peakUnacked).toBeLessThanOrEqual(window);
  });
});
