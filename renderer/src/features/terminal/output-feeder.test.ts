import { describe, expect, it } from 'vitest';
import { BACKGROUND_GAP_MS, OutputFeeder } from './output-feeder.js';
import { isSoftwareWebgl } from './renderer-choice.js';

/** A stand-in for xterm.js that parses when told to, and a task queue run by hand. */
function harness(interactive: { value: boolean }, sliceBytes = 1000, background = { value: false }) {
  const inXterm: { piece: Uint8Array; parsed: () => void }[] = [];
  const tasks: (() => void)[] = [];
  /** Tasks put off with a delay, and the delay asked for. */
  const timers: { task: () => void; ms: number }[] = [];
  const written: number[] = [];
  const feeder = new OutputFeeder({
    write: (piece, parsed) => inXterm.push({ piece: piece.slice(), parsed }),
    written: (bytes) => written.push(bytes),
    yieldTask: (task) => tasks.push(task),
    interactive: () => interactive.value,
    background: () => background.value,
    later: (task, ms) => timers.push({ task, ms }),
    sliceBytes,
  });
  /** xterm.js parses everything it holds; then the event loop runs one queued task. */
  const parseAll = () => {
    const parsed = inXterm.splice(0);
    for (const entry of parsed) entry.parsed();
    return parsed.map((e) => e.piece);
  };
  return { feeder, inXterm, tasks, timers, written, parseAll };
}

const bytes = (n: number, start = 0) => Uint8Array.from({ length: n }, (_, i) => (start + i) % 251);

describe('feeding a terminal\'s output to xterm.js', () => {
  it('writes each chunk whole, at once, while nobody is typing', () => {
    const h = harness({ value: false });
    h.feeder.receive(bytes(5000));
    h.feeder.receive(bytes(3000));
    expect(h.inXterm.map((e) => e.piece.byteLength)).toEqual([5000, 3000]);
    h.parseAll();
    expect(h.written).toEqual([5000, 3000]);
    expect(h.tasks).toHaveLength(0);
  });

  it('while someone types, gives xterm.js one small piece per task, in order, acknowledging each piece', () => {
    const h = harness({ value: true });
    const input = bytes(4500);
    h.feeder.receive(input.subarray(0, 2500));
    h.feeder.receive(input.subarray(2500));
    const seen: Uint8Array[] = [];
    for (let turn = 0; turn < 20 && (h.inXterm.length || h.tasks.length); turn++) {
      // Never more than one piece inside xterm.js, never larger than the slice.
      expect(h.inXterm.length).toBeLessThanOrEqual(1);
      seen.push(...h.parseAll());
      // The next piece waits for a later task: whatever else is queued (a keystroke's echo) runs first.
      expect(h.inXterm).toHaveLength(0);
      h.tasks.shift()?.();
    }
    expect(seen.every((p) => p.byteLength <= 1000)).toBe(true);
    expect(Buffer.concat(seen)).toEqual(Buffer.from(input));
    expect(h.written.reduce((a, b) => a + b, 0)).toBe(4500);
    expect(h.written.length).toBeGreaterThanOrEqual(5);
  });

  it('passes a keystroke\'s echo for an idle terminal straight to xterm.js, in the same task', () => {
    const h = harness({ value: true });
    h.feeder.receive(Uint8Array.of(0x78));
    expect(h.inXterm).toHaveLength(1);
    expect(h.tasks).toHaveLength(0);
  });

  it('hands over everything still waiting at once when the typing stops', () => {
    const interactive = { value: true };
    const h = harness(interactive);
    h.feeder.receive(bytes(5000));
    expect(h.inXterm.map((e) => e.piece.byteLength)).toEqual([1000]);
    interactive.value = false;
    h.parseAll();
    h.tasks.shift()!();
    expect(h.inXterm.map((e) => e.piece.byteLength)).toEqual([4000]);
    h.parseAll();
    expect(h.written.reduce((a, b) => a + b, 0)).toBe(5000);
    // And new output goes straight through again.
    h.feeder.receive(bytes(10));
    expect(h.inXterm.map((e) => e.piece.byteLength)).toEqual([10]);
  });

  it('while the user types into another terminal, waits a few ms between pieces, and still delivers everything in order', () => {
    const background = { value: true };
    const h = harness({ value: true }, 1000, background);
    const input = bytes(3500);
    h.feeder.receive(input.subarray(0, 2000));
    h.feeder.receive(input.subarray(2000));
    const seen: Uint8Array[] = [];
    for (let turn = 0; turn < 20 && (h.inXterm.length || h.timers.length); turn++) {
      expect(h.inXterm.length).toBeLessThanOrEqual(1);
      seen.push(...h.parseAll());
      // The next piece is put off by a pause, not merely queued behind what is waiting now.
      expect(h.tasks).toHaveLength(0);
      const timer = h.timers.shift();
      if (timer) {
        expect(timer.ms).toBe(BACKGROUND_GAP_MS);
        timer.task();
      }
    }
    expect(seen.map((p) => p.byteLength)).toEqual([1000, 1000, 1000, 500]);
    expect(Buffer.concat(seen)).toEqual(Buffer.from(input));
    expect(h.written.reduce((a, b) => a + b, 0)).toBe(3500);
  });

  it('the terminal typed into goes on without pauses', () => {
    const h = harness({ value: true }, 1000, { value: false });
    h.feeder.receive(bytes(2500));
    h.parseAll();
    expect(h.timers).toHaveLength(0);
    expect(h.tasks).toHaveLength(1);
  });

  it('drops what waits when the terminal closes', () => {
    const h = harness({ value: true });
    h.feeder.receive(bytes(5000));
    h.feeder.dispose();
    h.parseAll();
    h.tasks.shift()?.();
    expect(h.inXterm).toHaveLength(0);
    expect(h.feeder.waiting).toBe(0);
  });
});

describe('choosing the renderer', () => {
  it('treats software WebGL as software (the DOM renderer is faster there), and a GPU as a GPU', () => {
    expect(isSoftwareWebgl('ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)')).toBe(true);
    expect(isSoftwareWebgl('llvmpipe (LLVM 15.0.6, 256 bits)')).toBe(true);
    expect(isSoftwareWebgl('ANGLE (Microsoft, Microsoft Basic Render Driver Direct3D11 vs_5_0 ps_5_0, D3D11)')).toBe(true);
    expect(isSoftwareWebgl('ANGLE (Intel, Mesa Intel(R) UHD Graphics 620 (KBL GT2), OpenGL 4.6)')).toBe(false);
    expect(isSoftwareWebgl('ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 Direct3D11 vs_5_0 ps_5_0, D3D11)')).toBe(false);
    expect(isSoftwareWebgl('Apple M2')).toBe(false);
  });
});
