// Entry of the Electron utility process: runs the services off the main process and serves
// one WireSession per renderer, relayed by the main process over the parent port.
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { CwError } from '../common/errors.js';
import { createCore } from './core.js';
import { dataHome } from './paths.js';
import { SealedFileSecretStore } from './secrets/file-store.js';
import { SAFE_STORAGE_SCHEME, type SecretCipher } from './secrets/store.js';
import { WireSession } from './wire-session.js';

interface ParentPort {
  on(event: 'message', listener: (message: { data: RelayMessage }) => void): void;
  postMessage(message: RelayMessage): void;
}

/** Messages between the Electron main process and this process. */
export type RelayMessage =
  | { kind: 'frame'; session: number; frame: string | Uint8Array }
  | { kind: 'closed'; session: number }
  /** Secrets are sealed by safeStorage, which only the main process has: ask it, await the answer. */
  | { kind: 'cipher'; id: string; op: 'seal' | 'open'; data: string | Uint8Array }
  | { kind: 'cipher-result'; id: string; ok: boolean; data?: string | Uint8Array; error?: string };

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
if (!parentPort) {
  console.error('This entry runs only as an Electron utility process.');
  process.exit(2);
}

const cipherCalls = new Map<string, { resolve(data: string | Uint8Array): void; reject(error: Error): void }>();

function askMainProcess(op: 'seal' | 'open', data: string | Uint8Array): Promise<string | Uint8Array> {
  const id = randomUUID();
  return new Promise((resolve, reject) => {
    cipherCalls.set(id, { resolve, reject });
    parentPort!.postMessage({ kind: 'cipher', id, op, data });
  });
}

/** safeStorage through the main process; a refusal there (no keyring) fails the secret operation. */
const relayCipher: SecretCipher = {
  scheme: SAFE_STORAGE_SCHEME,
  seal: async (plain) => Buffer.from(await askMainProcess('seal', plain)),
  open: async (sealed) => String(await askMainProcess('open', new Uint8Array(sealed))),
};

const core = createCore({
  hostKind: 'electron',
  ...(process.env.CLUSTERWRIGHT_WORKSPACE ? { workspaceDir: process.env.CLUSTERWRIGHT_WORKSPACE } : {}),
  ssh: { secrets: new SealedFileSecretStore(path.join(dataHome(), 'secrets.json'), relayCipher, 'operating system keychain (Electron safeStorage)') },
});
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
  if (data.kind === 'cipher-result') {
    const call = cipherCalls.get(data.id);
    cipherCalls.delete(data.id);
    if (!call) return;
    if (data.ok && data.data !== undefined) call.resolve(data.data);
    else call.reject(new CwError('UNSUPPORTED', data.error ?? 'The keychain did not answer.'));
    return;
  }
  if (data.kind === 'cipher') return;
  if (data.kind === 'closed') {
    sessions.get(data.session)?.close();
    sessions.delete(data.session);
    return;
  }
  if (data.kind === 'frame' && typeof data.frame === 'string') void sessionFor(data.session).receiveText(data.frame);
});
