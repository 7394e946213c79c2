// Credit-based flow control for binary streams (terminals, big logs): the sender never has more than
// `window` bytes sent and unacknowledged, and pauses its source while the window is full. The window
// starts at DEFAULT_STREAM_WINDOW and follows the bandwidth-delay product the acknowledgements show
// (twice the delivery rate times the shortest round trip), up to MAX_STREAM_WINDOW: on loopback the
// consumer (xterm.js) is the limit and the window stays at its floor; over a tunnelled or remote link
// it grows until the link, not the window, sets the pace.
import { DEFAULT_STREAM_WINDOW, MAX_STREAM_WINDOW } from '../common/wire.js';

/** Largest frame, and the size at which waiting chunks are sent at once instead of at the end of the event-loop turn. */
const FRAME_BYTES = 64 * 1024;
/** With data in flight, a frame waits until at least this much fits (or a quarter of the window): no slivers. */
const MIN_FRAME_BYTES = 32 * 1024;
/**
 * A chunk this small arriving when nothing is queued or in flight goes out at once, without waiting
 * for the end of the event-loop turn: a keystroke's echo (a few bytes after an idle moment) has no
 * frame to share, and on a busy server the rest of the turn can be long.
 */
const PROMPT_BYTES = 1024;
/** Delivery rate is sampled over intervals at least this long; the window uses the best of the last RATE_SAMPLES. */
const RATE_INTERVAL_MS = 250;
const RATE_SAMPLES = 4;
/** Round-trip samples older than this no longer count towards the shortest round trip. */
const RTT_HORIZON_MS = 2_000;
const ACK_RTT_KEPT = 4_096;

/** A producer of bytes that can be paused (an ssh2 channel, a file reader…). */
export interface StreamSource {
  onData(listener: (chunk: Uint8Array) => void): void;
  onEnd(listener: (error?: Error) => void): void;
  pause(): void;
  resume(): void;
  /** Bytes typed by the client (terminal input); absent for read-only streams. */
  write?(data: string): void;
  close(): void;
}

export interface StreamSink {
  sendData(stream: number, chunk: Uint8Array): void;
  sendEnd(stream: number, error?: Error): void;
}

export interface CreditWindowOptions {
  /** The window a stream starts with and never goes below (bytes). */
  min?: number;
  /** The most the window may grow to (bytes); equal to `min` for a fixed window. */
  max?: number;
  /** Clock in ms (tests). */
  now?: () => number;
}

/** What one stream did, for benchmarks and diagnostics (no payload, no timing of keystrokes). */
export interface CreditStreamStats {
  bytes: number;
  frames: number;
  /** Most bytes sent and not yet acknowledged at any moment (never above the window at that moment). */
  peakUnacked: number;
  /** The window at the end, and the largest it was. */
  window: number;
  peakWindow: number;
  /** Times the source was paused because the window was full, and for how long in all. */
  pauses: number;
  pausedMs: number;
  /** Send-to-acknowledgement times of frames (ms), at most the last 4,096. */
  ackRttMs: number[];
}

export class CreditStream {
  private unacked = 0;
  private paused = false;
  /** The source has ended (its end frame goes out once everything queued is sent). */
  private sourceEnded: { error?: Error } | null = null;
  private ended = false;
  /** Received from the source, not sent yet: waiting for the end of the turn or for room in the window. */
  private queue: Uint8Array[] = [];
  private queuedBytes = 0;
  private flushScheduled = false;
  private windowBytes: number;
  private readonly minWindow: number;
  private readonly maxWindow: number;
  private readonly now: () => number;
  // Statistics and the bandwidth-delay estimate.
  private sentBytes = 0;
  private frames = 0;
  private pauses = 0;
  private pausedMs = 0;
  private pausedAt = 0;
  private ackedBytes = 0;
  /** [end offset, send time] of frames not yet fully acknowledged. */
  private inFlight: [number, number][] = [];
  /** The last ACK_RTT_KEPT send-to-acknowledgement times (a ring). */
  private readonly ackRtt: number[] = [];
  private ackRttNext = 0;
  /** [time, ms] of recent round trips, shortest at the front and each later one longer (a monotonic queue): the windowed minimum in O(1). */
  private rttSamples: [number, number][] = [];
  private rateMark: [number, number] | null = null;
  private rates: number[] = [];
  /** Highest number of unacknowledged bytes seen; for tests and benchmarks. */
  peakUnacked = 0;
  private peakWindow: number;

  constructor(
    readonly id: number,
    private readonly source: StreamSource,
    private readonly sink: StreamSink,
    window: number | CreditWindowOptions = {},
  ) {
    const options = typeof window === 'number' ? { min: window, max: window } : window;
    this.minWindow = options.min ?? DEFAULT_STREAM_WINDOW;
    this.maxWindow = Math.max(this.minWindow, options.max ?? MAX_STREAM_WINDOW);
    this.windowBytes = this.minWindow;
    this.peakWindow = this.windowBytes;
    this.now = options.now ?? (() => performance.now());
    source.onData((chunk) => this.forward(chunk));
    source.onEnd((error) => {
      if (this.ended || this.sourceEnded) return;
      this.sourceEnded = error ? { error } : {};
      this.flush();
    });
  }

  /** The current window: at most this many bytes are sent and unacknowledged. */
  get window(): number {
    return this.windowBytes;
  }

  private forward(chunk: Uint8Array): void {
    if (this.ended || chunk.byteLength === 0) return;
    // Coalesce the small chunks a PTY produces (often 4 KiB) into fewer, larger frames: one flush per
    // turn of the event loop, or as soon as a frame's worth is waiting. An echo after a quiet moment
    // goes at once.
    const quiet = this.queuedBytes === 0 && this.unacked === 0;
    this.queue.push(chunk);
    this.queuedBytes += chunk.byteLength;
    if (quiet && chunk.byteLength <= PROMPT_BYTES) this.flush();
    else if (this.queuedBytes >= Math.min(FRAME_BYTES, this.windowBytes)) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
    this.pauseIfFull();
  }

  private pauseIfFull(): void {
    if (!this.paused && !this.sourceEnded && this.unacked + this.queuedBytes >= this.windowBytes) {
      this.paused = true;
      this.pauses++;
      this.pausedAt = this.now();
      this.source.pause();
    }
  }

  /** Takes up to `bytes` from the front of the queue, as one buffer. */
  private take(bytes: number): Uint8Array {
    const parts: Uint8Array[] = [];
    let taken = 0;
    while (taken < bytes && this.queue.length) {
      const head = this.queue[0]!;
      const want = bytes - taken;
      if (head.byteLength <= want) {
        parts.push(head);
        this.queue.shift();
        taken += head.byteLength;
      } else {
        parts.push(head.subarray(0, want));
        this.queue[0] = head.subarray(want);
        taken += want;
      }
    }
    this.queuedBytes -= taken;
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, taken);
  }

  /** Sends what is queued, in frames of at most FRAME_BYTES, as far as the window allows. */
  private flush(): void {
    if (this.ended) return;
    while (this.queuedBytes > 0) {
      const room = this.windowBytes - this.unacked;
      // No slivers: with data in flight, wait until a reasonable frame fits (acknowledgements come a frame at a time).
      if (room <= 0 || (this.unacked > 0 && room < Math.min(this.queuedBytes, MIN_FRAME_BYTES, this.windowBytes / 4))) break;
      const frame = this.take(Math.min(room, FRAME_BYTES, this.queuedBytes));
      this.unacked += frame.byteLength;
      this.peakUnacked = Math.max(this.peakUnacked, this.unacked);
      this.sentBytes += frame.byteLength;
      this.frames++;
      this.inFlight.push([this.sentBytes, this.now()]);
      this.sink.sendData(this.id, frame);
    }
    if (this.sourceEnded && this.queuedBytes === 0) {
      this.ended = true;
      this.sink.sendEnd(this.id, this.sourceEnded.error);
    }
  }

  /** The client has consumed `bytes` more bytes. */
  ack(bytes: number): void {
    if (this.ended && !this.sourceEnded) return;
    const acked = Math.min(bytes, this.unacked);
    this.unacked -= acked;
    this.ackedBytes += acked;
    const now = this.now();
    let done = 0;
    while (done < this.inFlight.length && this.inFlight[done]![0] <= this.ackedBytes) {
      const rtt = now - this.inFlight[done]![1];
      if (this.ackRtt.length < ACK_RTT_KEPT) this.ackRtt.push(rtt);
      else this.ackRtt[this.ackRttNext] = rtt;
      this.ackRttNext = (this.ackRttNext + 1) % ACK_RTT_KEPT;
      while (this.rttSamples.length && this.rttSamples[this.rttSamples.length - 1]![1] >= rtt) this.rttSamples.pop();
      this.rttSamples.push([now, rtt]);
      done++;
    }
    if (done) this.inFlight.splice(0, done);
    this.updateWindow(now);
    this.flush();
    // Resume only once a frame's worth fits again: fewer pause/resume turns, each delivering more.
    if (this.paused && this.unacked + this.queuedBytes <= this.windowBytes - Math.min(MIN_FRAME_BYTES, this.windowBytes / 4)) {
      this.paused = false;
      this.pausedMs += now - this.pausedAt;
      this.source.resume();
    }
  }

  /** window = 2 × delivery rate × shortest recent round trip, within [min, max]. */
  private updateWindow(now: number): void {
    if (this.maxWindow === this.minWindow) return;
    if (!this.rateMark) this.rateMark = [now, this.ackedBytes];
    else if (now - this.rateMark[0] >= RATE_INTERVAL_MS) {
      this.rates.push(((this.ackedBytes - this.rateMark[1]) / (now - this.rateMark[0])) * 1000);
      if (this.rates.length > RATE_SAMPLES) this.rates.shift();
      this.rateMark = [now, this.ackedBytes];
    }
    while (this.rttSamples.length && now - this.rttSamples[0]![0] > RTT_HORIZON_MS) this.rttSamples.shift();
    if (!this.rates.length || !this.rttSamples.length) return;
    let rate = 0;
    for (const r of this.rates) rate = Math.max(rate, r);
    const minRtt = this.rttSamples[0]![1];
    const bdp = (2 * rate * minRtt) / 1000;
    this.windowBytes = Math.round(Math.min(this.maxWindow, Math.max(this.minWindow, bdp)));
    this.peakWindow = Math.max(this.peakWindow, this.windowBytes);
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Bytes sent and not yet acknowledged. */
  get pending(): number {
    return this.unacked;
  }

  stats(): CreditStreamStats {
    return {
      bytes: this.sentBytes,
      frames: this.frames,
      peakUnacked: this.peakUnacked,
      window: this.windowBytes,
      peakWindow: this.peakWindow,
      pauses: this.pauses,
      pausedMs: this.pausedMs,
      ackRttMs: this.ackRtt.length < ACK_RTT_KEPT ? [...this.ackRtt] : [...this.ackRtt.slice(this.ackRttNext), ...this.ackRtt.slice(0, this.ackRttNext)],
    };
  }

  write(data: string): void {
    this.source.write?.(data);
  }

  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.queue = [];
    this.queuedBytes = 0;
    this.source.close();
  }
}
