// FramePort over the preload's `cw` global (Electron IPC relayed to the services process).
import type { ConnectionState, FramePort } from './types.js';

export interface CwBridge {
  hostKind: 'electron';
  send(frame: string): void;
  onFrame(listener: (frame: string | Uint8Array) => void): () => void;
}

export function getBridge(): CwBridge | undefined {
  return (globalThis as { cw?: CwBridge }).cw;
}

export function createElectronPort(bridge: CwBridge): FramePort {
  const state: ConnectionState = 'open';
  return {
    state,
    send: (frame) => bridge.send(frame),
    onFrame: (listener) => bridge.onFrame(listener),
    onState: () => () => {},
    close: () => {},
  };
}
