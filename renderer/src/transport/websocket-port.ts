// FramePort over the web host's WebSocket (same origin; the HttpOnly token cookie authenticates it).
import type { ConnectionState, FramePort } from './types.js';

export function createWebSocketPort(url: string): FramePort {
  const socket = new WebSocket(url);
  socket.binaryType = 'arraybuffer';
  let state: ConnectionState = 'connecting';
  const queue: string[] = [];
  const frameListeners = new Set<(frame: string | Uint8Array) => void>();
  const stateListeners = new Set<(state: ConnectionState) => void>();
  const setState = (next: ConnectionState) => {
    state = next;
    for (const listener of stateListeners) listener(next);
  };
  socket.addEventListener('open', () => {
    setState('open');
    for (const frame of queue.splice(0)) socket.send(frame);
  });
  socket.addEventListener('close', () => setState('closed'));
  socket.addEventListener('message', (event: MessageEvent<string | ArrayBuffer>) => {
    const frame = typeof event.data === 'string' ? event.data : new Uint8Array(event.data);
    for (const listener of frameListeners) listener(frame);
  });
  return {
    get state() {
      return state;
    },
    send(frame) {
      if (state === 'open') socket.send(frame);
      else if (state === 'connecting') queue.push(frame);
    },
    onFrame(listener) {
      frameListeners.add(listener);
      return () => frameListeners.delete(listener);
    },
    onState(listener) {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
    close() {
      socket.close();
    },
  };
}
