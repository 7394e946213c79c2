// Hands one terminal's output to xterm.js. Normally each chunk is written as it arrives and xterm.js
// parses its queue in slices of about 12 ms. While the user is typing (in any tab), a terminal with
// output waiting feeds xterm.js one small piece per task instead, so a keystroke's echo arriving
// for another tab waits behind at most one short parse, not a 12 ms slice (measured: echo p95 went
// from tens of ms to a few while another tab streamed; see the terminal benchmark).
// A terminal the user is not typing into (a background tab of the dock) also waits a few ms between
// its pieces while the user types elsewhere: on a busy machine the echo's whole round trip (server,
// sshd, the shell, the browser's network thread) competes for the same cores as the stream, so the
// stream has to slow down, not just be cut up. Its bytes are not lost: the credit window makes the
// sender wait, and full speed resumes as soon as the user stops typing.

export interface OutputFeederOptions {
  /** Writes a piece into xterm.js; `parsed` runs once xterm.js has parsed it. */
  write(piece: Uint8Array, parsed: () => void): void;
  /** Told how many bytes xterm.js has parsed (credit goes back to the sender). */
  written(bytes: number): void;
  /** Runs `task` in a later task of the event loop, after what is already queued (input, network). */
  yieldTask(task: () => void): void;
  /** Whether the user typed recently, anywhere. */
  interactive(): boolean;
  /** Whether the user is typing into another terminal than this one (this one's output can wait). */
  background?(): boolean;
  /** Runs `task` after `ms` milliseconds (setTimeout). */
  later?(task: () => void, ms: number): void;
  /** Pause between pieces while in the background (ms). */
  backgroundGapMs?: number;
  /** Largest piece while interactive (bytes). */
  sliceBytes?: number;
}

/** About 1 ms of parsing for xterm.js on a slow core. */
export const INTERACTIVE_SLICE_BYTES = 8 * 1024;
/**
 * Pause between a background terminal's pieces while the user types elsewhere: about 1 ms of parsing
 * in every 5, a fifth of one core for the stream. Measured on 2 cores shared with other work (terminal
 * benchmark, five runs): echo p95 while another tab streams 9.9–46 ms with small pieces alone → 4.3–8.2 ms
 * (idle in the same runs: 2.3–5.5 ms), the stream ~7 → ~1.1 MiB/s while the user types. Parsing alone was not the cost: with the other
 * tab's output acknowledged unparsed the echo was slower still (the stream ran faster).
 */
export const BACKGROUND_GAP_MS = 4;

export class OutputFeeder {
  private backlog: Uint8Array[] = [];
  /** A sliced piece is in xterm.js and not yet parsed. */
  private slicing = false;
  private disposed = false;

  constructor(private readonly options: OutputFeederOptions) {}

  /** Bytes received and not yet handed to xterm.js. */
  get waiting(): number {
    let total = 0;
    for (const chunk of this.backlog) total += chunk.byteLength;
    return total;
  }

  receive(chunk: Uint8Array): void {
    if (this.disposed) return;
    if (!this.slicing && this.backlog.length === 0 && !this.options.interactive()) {
      this.writeWhole(chunk);
      return;
    }
    this.backlog.push(chunk);
    if (!this.slicing) this.next();
  }

  private writeWhole(chunk: Uint8Array): void {
    const length = chunk.byteLength;
    this.options.write(chunk, () => this.options.written(length));
  }

  private next(): void {
    if (this.disposed || this.backlog.length === 0) return;
    if (!this.options.interactive()) {
      // Nobody is typing any more: hand over the rest at once (xterm.js keeps the order).
      for (const chunk of this.backlog.splice(0)) this.writeWhole(chunk);
      return;
    }
    const piece = this.take(this.options.sliceBytes ?? INTERACTIVE_SLICE_BYTES);
    this.slicing = true;
    this.options.write(piece, () => {
      this.options.written(piece.byteLength);
      const resume = () => {
        this.slicing = false;
        this.next();
      };
      if (this.options.background?.() && this.options.later) this.options.later(resume, this.options.backgroundGapMs ?? BACKGROUND_GAP_MS);
      else this.options.yieldTask(resume);
    });
  }

  private take(bytes: number): Uint8Array {
    const head = this.backlog[0]!;
    if (head.byteLength <= bytes) {
      this.backlog.shift();
      return head;
    }
    this.backlog[0] = head.subarray(bytes);
    return head.subarray(0, bytes);
  }

  dispose(): void {
    this.disposed = true;
    this.backlog = [];
  }
}
