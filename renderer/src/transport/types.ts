// What the renderer needs from a backend, whichever host carries it (Electron IPC, WebSocket, fake).
import type { EventName, EventPayload, MethodInput, MethodName, MethodOutput } from '../../../main/common/contract/index.js';

export type ConnectionState = 'connecting' | 'open' | 'closed';

export interface StreamHandle {
  /** Bytes the renderer has written out (e.g. into xterm.js); returns credit to the sender. */
  ack(bytes: number): void;
  write(data: string): void;
  close(): void;
}

export interface Transport {
  readonly kind: 'electron' | 'web' | 'fake';
  call<M extends MethodName>(method: M, input: MethodInput<M>, options?: { signal?: AbortSignal }): Promise<MethodOutput<M>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
  /** Attaches to a stream a method has opened; data arrives in order, end once. */
  attachStream(id: number, handlers: { onData(chunk: Uint8Array): void; onEnd(error?: Error): void }): StreamHandle;
  onConnectionChange(listener: (state: ConnectionState) => void): () => void;
  readonly connection: ConnectionState;
  close(): void;
}

/** The minimal duplex a wire transport runs over. */
export interface FramePort {
  send(frame: string): void;
  onFrame(listener: (frame: string | Uint8Array) => void): () => void;
  onState(listener: (state: ConnectionState) => void): () => void;
  readonly state: ConnectionState;
  close(): void;
}
