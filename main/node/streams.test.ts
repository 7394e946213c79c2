import { describe, expect, it } from 'vitest';
import { CreditStream, type StreamSource } from './streams.js';

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
  it('never keeps more than the window (plus one chunk) unacknowledged and delivers every byte in order', async () => {
    const window = 64 * 1024;
    const total = 5 * 1024 * 1024;
    const { source, pump, stats } = syntheticSource(total, 16 * 1024);
    const received: Uint8Array[] = [];
    let ended = false;
    const backlog: number[] = [];
    const stream = new CreditStream(1, source, {
      sendData: (_id, chunk) => {
        received.push(chunk.slice());
        backlog.push(chunk.byteLength);
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
    expect(stream.peakUnacked).toBeLessThanOrEqual(window + 16 * 1024);
    expect(stats().pauses).toBeGreaterThan(10);
  });

  it('splits a chunk larger than the window', () => {
    const sizes: number[] = [];
    const { source } = syntheticSource(0, 1);
    let push: (c: Uint8Array) => void = () => {};
    source.onData = (l) => (push = l);
    new CreditStream(2, source, { sendData: (_i, c) => sizes.push(c.byteLength), sendEnd: () => {} }, 1000);
    push(new Uint8Array(2500));
    expect(sizes).toEqual([1000, 1000, 500]);
  });

  it('coalesces small chunks into one frame per event-loop turn, in order', async () => {
    const frames: Uint8Array[] = [];
    const { source } = syntheticSource(0, 1);
    let push: (c: Uint8Array) => void = () => {};
    source.onData = (l) => (push = l);
    new CreditStream(3, source, { sendData: (_i, c) => frames.push(c.slice()), sendEnd: () => {} });
    for (let i = 0; i < 10; i++) push(new Uint8Array(100).fill(i));
    expect(frames).toHaveLength(0);
    await new Promise((r) => setImmediate(r));
    expect(frames).toHaveLength(1);
    expect(frames[0]!.byteLength).toBe(1000);
    expect(frames[0]![950]).toBe(9);
    expect(frames[0]![50]).toBe(0);
  });
});
