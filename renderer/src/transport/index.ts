// Chooses the transport at runtime: the Electron bridge when present, else the web host's WebSocket.
import { createElectronPort, getBridge } from './electron-port.js';
import { createWebSocketPort } from './websocket-port.js';
import { createWireTransport } from './wire-client.js';
import type { Transport } from './types.js';

export function connectTransport(): Transport {
  const bridge = getBridge();
  if (bridge) return createWireTransport('electron', createElectronPort(bridge));
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return createWireTransport('web', createWebSocketPort(`${scheme}//${location.host}/rpc`));
}

export type { Transport, StreamHandle, ConnectionState } from './types.js';
