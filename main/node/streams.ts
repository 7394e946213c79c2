// Credit-based flow control for binary streams (terminals, big logs): the sender keeps at most
// `window` bytes unacknowledged and pauses its source while the window is full.
import { DEFAULT_STREAM_WINDOW } from '../common/wire.js';

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
      this.ended = true;
      this.sink.sendEnd(this.id, error);
    });
  }

  private forward(chunk: Uint8Array): void {
    if (this.ended) return;
    // Split large chunks so one frame never exceeds the window on its own.
    for (let offset = 0; offset < chunk.byteLength; offset += this.window) {
      const piece = chunk.subarray(offset, Math.min(chunk.byteLength, offset + this.window));
      this.unacked += piece.byteLength;
      this.peakUnacked = Math.max(this.peakUnacked, this.unacked);
      this.sink.sendData(this.id, piece);
    }
    if (!this.paused && this.unacked >= this.window) {
      this.paused = true;
      this.source.pause();
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
