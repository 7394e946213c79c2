// Credit-based flow control for binary streams (terminals, big logs): the sender keeps at most
// `window` bytes unacknowledged and pauses its source while the window is full.
import { DEFAULT_STREAM_WINDOW } from '../common/wire.js';

/** Size at which waiting chunks are sent at once instead of at the end of the event-loop turn. */
const FRAME_BYTES = 64 * 1024;

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

export class CreditStream {
  private unacked = 0;
  private paused = false;
  private ended = false;
  private pendingChunks: Uint8Array[] = [];
  private pendingBytes = 0;
  private flushScheduled = false;
  /** Highest number of unacknowledged bytes seen; for tests and benchmarks. */
  peakUnacked = 0;

  constructor(
    readonly id: number,
    private readonly source: StreamSource,
    private readonly sink: StreamSink,
    private readonly window = DEFAULT_STREAM_WINDOW,
  ) {
    source.onData((chunk) => this.forward(chunk));
    source.onEnd((error) => {
      if (this.ended) return;
      this.flush();
      this.ended = true;
      this.sink.sendEnd(this.id, error);
    });
  }

  private forward(chunk: Uint8Array): void {
    if (this.ended) return;
    this.unacked += chunk.byteLength;
    this.peakUnacked = Math.max(this.peakUnacked, this.unacked);
    // Coalesce the small chunks a PTY produces (often 4 KiB) into fewer, larger frames: one flush per
    // turn of the event loop, or as soon as a frame's worth is waiting.
    this.pendingChunks.push(chunk);
    this.pendingBytes += chunk.byteLength;
    if (this.pendingBytes >= Math.min(FRAME_BYTES, this.window)) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
    if (!this.paused && this.unacked >= this.window) {
      this.paused = true;
      this.source.pause();
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.pendingBytes === 0) return;
    const joined = this.pendingChunks.length === 1 ? this.pendingChunks[0]! : Buffer.concat(this.pendingChunks, this.pendingBytes);
    this.pendingChunks = [];
    this.pendingBytes = 0;
    // Never send a frame larger than the window on its own.
    for (let offset = 0; offset < joined.byteLength; offset += this.window) {
      this.sink.sendData(this.id, joined.subarray(offset, Math.min(joined.byteLength, offset + this.window)));
    }
  }

  /** The client has consumed `bytes` more bytes. */
  ack(bytes: number): void {
    this.unacked = Math.max(0, this.unacked - bytes);
    if (this.paused && this.unacked < this.window) {
      this.paused = false;
      this.source.resume();
    }
  }

  get isPaused(): boolean {
    return this.paused;
  }

  get pending(): number {
    return this.unacked;
  }

  write(data: string): void {
    this.source.write?.(data);
  }

  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.source.close();
  }
}
