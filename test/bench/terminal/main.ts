// Terminal throughput benchmark page, served by the real web host: `seq 1 N` on an SSH host through
// ssh2 → wire stream (credit window) → xterm.js, against xterm.js fed the same bytes locally.
import '@xterm/xterm/css/xterm.css';
import { createWebSocketPort } from '../../../renderer/src/transport/websocket-port.js';
import { createWireTransport } from '../../../renderer/src/transport/wire-client.js';
import { TerminalSession } from '../../../renderer/src/features/terminal/xterm-session.js';

interface Target {
  host: string;
  port: number;
  user: string;
  identityFile: string;
}

function seqBytes(n: number): Uint8Array {
  const parts: string[] = [];
  for (let i = 1; i <= n; i++) parts.push(String(i));
  return new TextEncoder().encode(parts.join('\r\n') + '\r\n');
}

async function local(n: number): Promise<{ ms: number; bytes: number }> {
  const host = document.getElementById('term')!;
  const session = new TerminalSession({ scheme: 'light', onInput: () => {} });
  session.open(host);
  const bytes = seqBytes(n);
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const chunk = 16 * 1024;
    let offset = 0;
    const pump = () => {
      // Feed at most a window ahead, as the credit protocol does.
      while (offset < bytes.byteLength && offset - session.bytesWritten < 256 * 1024) {
        const piece = bytes.subarray(offset, offset + chunk);
        offset += piece.byteLength;
        session.receive(piece);
      }
      if (session.bytesWritten >= bytes.byteLength) resolve();
      else setTimeout(pump, 0);
    };
    pump();
  });
  const ms = performance.now() - started;
  session.dispose();
  return { ms, bytes: bytes.byteLength };
}

async function remote(n: number, target: Target): Promise<{ ms: number; bytes: number; peakPending: number; heapMiB: number }> {
  const host = document.getElementById('term')!;
  const transport = createWireTransport('web', createWebSocketPort(`ws://${location.host}/rpc`));
  // The benchmark host key was pinned by the runner before the page opened.
  const marker = 'CW-BENCH-DONE';
  let peakPending = 0;
  let received = 0;
  let heapPeak = 0;
  const session = new TerminalSession({ scheme: 'light', onInput: () => {} });
  session.open(host);
  const opened = await transport.call('terminal.open', {
    target: { kind: 'adHoc', host: target.host, port: target.port, user: target.user, auth: [{ kind: 'privateKey', identityFile: target.identityFile }] },
    rows: 40,
    cols: 120,
  });
  let started = 0;
  let tail = '';
  const decoder = new TextDecoder();
  // Only the end of each chunk is decoded: the marker is the last thing the shell prints.
  const done = new Promise<void>((resolve) => {
    const handle = transport.attachStream(opened.streamId, {
      onData: (chunk) => {
        received += chunk.byteLength;
        peakPending = Math.max(peakPending, received - session.bytesWritten);
        const mem = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
        if (mem) heapPeak = Math.max(heapPeak, mem.usedJSHeapSize);
        session.receive(chunk);
        if (started) {
          tail = (tail + decoder.decode(chunk.subarray(Math.max(0, chunk.byteLength - 64)))).slice(-200);
          if (tail.includes(`${marker}-${n}`)) {
            // Wait until xterm.js has parsed everything received.
            const check = () => (session.bytesWritten >= received ? resolve() : setTimeout(check, 1));
            check();
          }
        }
      },
      onEnd: () => resolve(),
    });
    session.attach(handle);
    setTimeout(() => {
      started = performance.now();
      handle.write(`stty -echo; seq 1 ${n}; echo ${marker}-$((${n}))\n`);
    }, 500);
  });
  await done;
  const ms = performance.now() - started;
  await transport.call('terminal.close', { terminalId: opened.terminalId });
  transport.close();
  session.dispose();
  return { ms, bytes: received, peakPending, heapMiB: heapPeak / 1024 / 1024 };
}

(window as unknown as { bench: unknown }).bench = { local, remote };
(window as unknown as { benchReady: boolean }).benchReady = true;
