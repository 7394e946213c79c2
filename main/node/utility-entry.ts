// Entry of the Electron utility process: runs the services off the main process and serves
// one WireSession per renderer, relayed by the main process over the parent port.
import { createCore } from './core.js';
import { WireSession } from './wire-session.js';

interface ParentPort {
  on(event: 'message', listener: (message: { data: RelayMessage }) => void): void;
  postMessage(message: RelayMessage): void;
}

/** Messages between the Electron main process and this process. */
export type RelayMessage =
  | { kind: 'frame'; session: number; frame: string | Uint8Array }
  | { kind: 'closed'; session: number };

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
if (!parentPort) {
  console.error('This entry runs only as an Electron utility process.');
  process.exit(2);
}

const core = createCore({ hostKind: 'electron', ...(process.env.CLUSTERWRIGHT_WORKSPACE ? { workspaceDir: process.env.CLUSTERWRIGHT_WORKSPACE } : {}) });
const sessions = new Map<number, WireSession>();

function sessionFor(id: number): WireSession {
  let session = sessions.get(id);
  if (!session) {
    session = new WireSession(core, {
      sendJson: (frame) => parentPort!.postMessage({ kind: 'frame', session: id, frame: JSON.stringify(frame) }),
      sendBinary: (frame) => parentPort!.postMessage({ kind: 'frame', session: id, frame }),
    });
    sessions.set(id, session);
  }
  return session;
}

parentPort.on('message', ({ data }) => {
  if (data.kind === 'closed') {
    sessions.get(data.session)?.close();
    sessions.delete(data.session);
    return;
  }
  if (typeof data.frame === 'string') void sessionFor(data.session).receiveText(data.frame);
});
