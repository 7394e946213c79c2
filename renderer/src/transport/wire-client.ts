// A Transport speaking the contract's wire frames over any FramePort (WebSocket or Electron IPC).
import { CwError, type ErrorPayload } from '../../../main/common/errors.js';
import { decodeStreamData } from '../../../main/common/wire-binary.js';
import type { ServerFrame } from '../../../main/common/wire.js';
import type { EventName, EventPayload, MethodInput, MethodName, MethodOutput } from '../../../main/common/contract/index.js';
import type { FramePort, StreamHandle, Transport } from './types.js';

interface Pending {
  resolve(value: unknown): void;
  reject(error: CwError): void;
}

interface StreamHandlers {
  onData(chunk: Uint8Array): void;
  onEnd(error?: Error): void;
}

export function createWireTransport(kind: 'electron' | 'web', port: FramePort): Transport {
  let nextId = 1;
  const pending = new Map<number, Pending>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const streams = new Map<number, StreamHandlers>();
  const earlyData = new Map<number, Uint8Array[]>();

  const failAll = (error: CwError) => {
    for (const entry of pending.values()) entry.reject(error);
    pending.clear();
  };

  const offFrame = port.onFrame((frame) => {
    if (typeof frame !== 'string') {
      const decoded = decodeStreamData(frame);
      if (!decoded) return;
      const handlers = streams.get(decoded.stream);
      if (handlers) handlers.onData(decoded.payload);
      else {
        const queue = earlyData.get(decoded.stream) ?? [];
        queue.push(decoded.payload.slice());
        earlyData.set(decoded.stream, queue);
      }
      return;
    }
    let message: ServerFrame;
    try {
      message = JSON.parse(frame) as ServerFrame;
    } catch {
      return;
    }
    switch (message.t) {
      case 'result': {
        const entry = pending.get(message.id);
        if (!entry) return;
        pending.delete(message.id);
        if (message.ok) entry.resolve(message.value);
        else entry.reject(CwError.fromPayload(message.error));
        return;
      }
      case 'event':
        for (const listener of listeners.get(message.name) ?? []) listener(message.payload);
        return;
      case 'stream-end': {
        const handlers = streams.get(message.stream);
        streams.delete(message.stream);
        handlers?.onEnd(message.error ? CwError.fromPayload(message.error as ErrorPayload) : undefined);
        return;
      }
      case 'error':
        console.warn(`Backend reported: ${message.error.code}: ${message.error.message}`);
        return;
    }
  });

  const offState = port.onState((state) => {
    if (state === 'closed') failAll(new CwError('UNREACHABLE', 'The connection to the Clusterwright backend was lost.'));
  });

  return {
    kind,
    get connection() {
      return port.state;
    },
    call<M extends MethodName>(method: M, input: MethodInput<M>, options?: { signal?: AbortSignal }): Promise<MethodOutput<M>> {
      if (port.state === 'closed') {
        return Promise.reject(new CwError('UNREACHABLE', 'The connection to the Clusterwright backend is closed.'));
      }
      const id = nextId++;
      return new Promise<MethodOutput<M>>((resolve, reject) => {
        // The cancel listener lives only as long as the call: a signal reused for many calls keeps none of them.
        const signal = options?.signal;
        const onAbort = () => port.send(JSON.stringify({ t: 'cancel', id }));
        const settle = <T,>(finish: (value: T) => void) => (value: T) => {
          signal?.removeEventListener('abort', onAbort);
          finish(value);
        };
        pending.set(id, { resolve: settle(resolve as (v: unknown) => void), reject: settle(reject) });
        signal?.addEventListener('abort', onAbort, { once: true });
        port.send(JSON.stringify({ t: 'call', id, method, input }));
      });
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
      const set = listeners.get(event) ?? new Set();
      set.add(listener as (payload: unknown) => void);
      listeners.set(event, set);
      return () => set.delete(listener as (payload: unknown) => void);
    },
    attachStream(id: number, handlers: StreamHandlers): StreamHandle {
      streams.set(id, handlers);
      for (const chunk of earlyData.get(id) ?? []) handlers.onData(chunk);
      earlyData.delete(id);
      return {
        ack: (bytes) => {
          if (bytes > 0) port.send(JSON.stringify({ t: 'ack', stream: id, bytes }));
        },
        write: (data) => port.send(JSON.stringify({ t: 'write', stream: id, data })),
        close: () => {
          streams.delete(id);
          port.send(JSON.stringify({ t: 'close', stream: id }));
        },
      };
    },
    onConnectionChange: (listener) => port.onState(listener),
    close() {
      offFrame();
      offState();
      port.close();
    },
  };
}
