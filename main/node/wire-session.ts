// One client connection, whatever carries it (WebSocket, Electron IPC relay, in-process test port):
// parses frames, dispatches calls, forwards events, and runs flow-controlled streams.
import { clientFrameSchema, encodeStreamData, type ServerFrame } from '../common/wire.js';
import type { Core } from './core.js';
import type { CallContext } from './context.js';
import { CreditStream, type CreditStreamStats, type CreditWindowOptions, type StreamSource } from './streams.js';
import { toErrorPayload } from './dispatcher.js';

export interface FrameSender {
  sendJson(frame: ServerFrame): void;
  sendBinary(frame: Uint8Array): void;
}

export interface WireSessionOptions {
  /** Credit window of every stream (default: 256 KiB, growing with the bandwidth-delay product up to 4 MiB). */
  streamWindow?: number | CreditWindowOptions;
  /** Told what each stream did when it ends or is closed (benchmarks, diagnostics). */
  onStreamStats?(stream: number, stats: CreditStreamStats): void;
}

export class WireSession {
  private readonly calls = new Map<number, AbortController>();
  private readonly streams = new Map<number, CreditStream>();
  private nextStreamId = 1;
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(
    private readonly core: Core,
    private readonly out: FrameSender,
    private readonly options: WireSessionOptions = {},
  ) {
    this.unsubscribe = core.events.subscribe((name, payload) => {
      if (!this.closed) this.out.sendJson({ t: 'event', name, payload });
    });
  }

  /** Handles one text frame from the client. Malformed frames get a structured error; the session stays usable. */
  async receiveText(text: string): Promise<void> {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      this.out.sendJson({ t: 'error', error: { code: 'INVALID_INPUT', message: 'The message is not valid JSON.' } });
      return;
    }
    const parsed = clientFrameSchema.safeParse(raw);
    if (!parsed.success) {
      const id = typeof raw === 'object' && raw !== null && Number.isInteger((raw as { id?: unknown }).id) ? (raw as { id: number }).id : undefined;
      const error = {
        code: 'INVALID_INPUT' as const,
        message: 'The message does not match the wire protocol.',
        detail: { issues: parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message })) },
      };
      this.out.sendJson(id !== undefined && id >= 0 ? { t: 'result', id, ok: false, error } : { t: 'error', error });
      return;
    }
    const frame = parsed.data;
    switch (frame.t) {
      case 'call':
        await this.call(frame.id, frame.method, frame.input);
        return;
      case 'cancel':
        this.calls.get(frame.id)?.abort();
        return;
      case 'ack':
        this.streams.get(frame.stream)?.ack(frame.bytes);
        return;
      case 'write':
        this.streams.get(frame.stream)?.write(frame.data);
        return;
      case 'close': {
        const stream = this.streams.get(frame.stream);
        this.streams.delete(frame.stream);
        stream?.close();
        if (stream) this.options.onStreamStats?.(frame.stream, stream.stats());
        return;
      }
    }
  }

  private async call(id: number, method: string, input: unknown): Promise<void> {
    if (this.calls.has(id)) {
      this.out.sendJson({ t: 'result', id, ok: false, error: { code: 'INVALID_INPUT', message: `Call id ${id} is already in use.` } });
      return;
    }
    const controller = new AbortController();
    this.calls.set(id, controller);
    const ctx: CallContext = { signal: controller.signal, session: { openStream: (source) => this.openStream(source) } };
    try {
      const result = await this.core.dispatch(ctx, method, input);
      if (this.closed) return;
      this.out.sendJson(result.ok ? { t: 'result', id, ok: true, value: result.value } : { t: 'result', id, ok: false, error: result.error });
    } catch (error) {
      if (!this.closed) this.out.sendJson({ t: 'result', id, ok: false, error: toErrorPayload(error) });
    } finally {
      this.calls.delete(id);
    }
  }

  openStream(source: StreamSource): number {
    const id = this.nextStreamId++;
    const stream = new CreditStream(
      id,
      source,
      {
        sendData: (streamId, chunk) => {
          if (!this.closed) this.out.sendBinary(encodeStreamData(streamId, chunk));
        },
        sendEnd: (streamId, error) => {
          this.streams.delete(streamId);
          this.options.onStreamStats?.(streamId, stream.stats());
          if (!this.closed) this.out.sendJson(error ? { t: 'stream-end', stream: streamId, error: toErrorPayload(error) } : { t: 'stream-end', stream: streamId });
        },
      },
      this.options.streamWindow,
    );
    this.streams.set(id, stream);
    return id;
  }

  stream(id: number): CreditStream | undefined {
    return this.streams.get(id);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    for (const controller of this.calls.values()) controller.abort();
    for (const stream of this.streams.values()) stream.close();
    this.streams.clear();
  }
}
