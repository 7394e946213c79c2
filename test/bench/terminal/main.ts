// Terminal benchmark page, served by the real web host. Each function is one phase of the benchmark:
// xterm.js fed locally; `seq 1 N` from an SSH host through ssh2 → wire stream (credit window) →
// WebSocket → xterm.js; the same stream acknowledged on arrival without xterm.js (the pipeline's own
// ceiling); and keystroke echo in one tab, alone or while another tab streams.
import '@xterm/xterm/css/xterm.css';
import { createWebSocketPort } from '../../../renderer/src/transport/websocket-port.js';
import { createWireTransport } from '../../../renderer/src/transport/wire-client.js';
import type { Transport } from '../../../renderer/src/transport/types.js';
import { TerminalSession } from '../../../renderer/src/features/terminal/xterm-session.js';

interface Target {
  host: string;
  port: number;
  user: string;
  identityFile: string;
}

const MARKER = 'CW-BENCH-DONE';
type Renderer = 'auto' | 'dom' | 'webgl';

function seqBytes(n: number): Uint8Array {
  const parts: string[] = [];
  for (let i = 1; i <= n; i++) parts.push(String(i));
  return new TextEncoder().encode(parts.join('\r\n') + '\r\n');
}

function pane(): HTMLElement {
  const host = document.getElementById('term')!;
  host.replaceChildren();
  const div = document.createElement('div');
  div.style.cssText = 'width:1000px;height:600px';
  host.append(div);
  return div;
}

/** The WebGL implementation the page would get ("… SwiftShader …" is software rendering on the CPU). */
function webglImplementation(): string {
  const gl = document.createElement('canvas').getContext('webgl2');
  if (!gl) return 'no WebGL2';
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  return String(info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
}

/** Main-thread tasks over 50 ms while a phase ran (the Long Tasks API), and the longest. */
function watchLongTasks(): () => { count: number; longestMs: number } {
  const entries: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) entries.push(entry.duration);
  });
  try {
    observer.observe({ type: 'longtask', buffered: false });
  } catch {
    // not supported: counts stay 0
  }
  return () => {
    observer.disconnect();
    return { count: entries.length, longestMs: Math.max(0, ...entries) };
  };
}

async function local(n: number, renderer: Renderer = 'auto'): Promise<{ ms: number; bytes: number; renderer: string; reason: string; longTasks: { count: number; longestMs: number } }> {
  const session = new TerminalSession({ scheme: 'light', onInput: () => {}, renderer });
  session.open(pane());
  const bytes = seqBytes(n);
  await new Promise((r) => setTimeout(r, 200));
  const longTasks = watchLongTasks();
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
  const ran = session.renderer;
  const reason = session.rendererReason;
  session.dispose();
  return { ms, bytes: bytes.byteLength, renderer: ran, reason, longTasks: longTasks() };
}

function connect(): Transport {
  return createWireTransport('web', createWebSocketPort(`ws://${location.host}/rpc`));
}

async function openShell(transport: Transport, target: Target) {
  return transport.call('terminal.open', {
    target: { kind: 'adHoc', host: target.host, port: target.port, user: target.user, auth: [{ kind: 'privateKey', identityFile: target.identityFile }] },
    rows: 40,
    cols: 120,
  });
}

export interface RemoteResult {
  ms: number;
  bytes: number;
  /** Most bytes received but not yet parsed by xterm.js. */
  peakPending: number;
  heapMiB: number;
  renderer: string;
  /** Time xterm.js had nothing left to parse while the command still ran: the pipeline did not keep up. */
  starvedMs: number;
  frames: number;
  longTasks: { count: number; longestMs: number };
}

/**
 * `seq 1 n` on the SSH host into a terminal. mode "xterm": through xterm.js, acknowledged once parsed
 * (the product's path). mode "discard": acknowledged on arrival, never parsed (what the pipeline
 * delivers without xterm.js).
 */
async function remote(n: number, target: Target, mode: 'xterm' | 'discard', renderer: Renderer = 'auto'): Promise<RemoteResult> {
  const transport = connect();
  let peakPending = 0;
  let received = 0;
  let heapPeak = 0;
  let frames = 0;
  let starvedMs = 0;
  let idleSince = 0;
  let started = 0;
  const session = new TerminalSession({
    scheme: 'light',
    onInput: () => {},
    onWritten: () => {
      if (started && session.bytesWritten >= received) idleSince = performance.now();
    },
    renderer,
  });
  session.open(pane());
  const opened = await openShell(transport, target);
  let tail = '';
  const decoder = new TextDecoder();
  let longTasks: () => { count: number; longestMs: number } = () => ({ count: 0, longestMs: 0 });
  const done = new Promise<void>((resolve) => {
    let finished = false;
    const handle = transport.attachStream(opened.streamId, {
      onData: (chunk) => {
        received += chunk.byteLength;
        if (started) frames++;
        if (idleSince) {
          starvedMs += performance.now() - idleSince;
          idleSince = 0;
        }
        if (mode === 'xterm') {
          peakPending = Math.max(peakPending, received - session.bytesWritten);
          session.receive(chunk);
        } else handle.ack(chunk.byteLength);
        const mem = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
        if (mem) heapPeak = Math.max(heapPeak, mem.usedJSHeapSize);
        if (started && !finished) {
          // Only the end of each chunk is decoded: the marker is the last thing the shell prints.
          tail = (tail + decoder.decode(chunk.subarray(Math.max(0, chunk.byteLength - 64)))).slice(-200);
          if (tail.includes(`${MARKER}-${n}`)) {
            finished = true;
            idleSince = 0;
            // Wait until xterm.js has parsed everything received.
            const check = () => (mode === 'discard' || session.bytesWritten >= received ? resolve() : setTimeout(check, 1));
            check();
          }
        }
      },
      onEnd: () => resolve(),
    });
    if (mode === 'xterm') session.attach(handle);
    setTimeout(() => {
      longTasks = watchLongTasks();
      started = performance.now();
      received = 0;
      session.bytesWritten = 0;
      handle.write(`stty -echo; seq 1 ${n}; echo ${MARKER}-$((${n}))\n`);
    }, 500);
  });
  await done;
  const ms = performance.now() - started;
  const tasks = longTasks();
  await transport.call('terminal.close', { terminalId: opened.terminalId });
  transport.close();
  const ran = session.renderer;
  session.dispose();
  return { ms, bytes: received, peakPending, heapMiB: heapPeak / 1024 / 1024, renderer: ran, starvedMs, frames, longTasks: tasks };
}

export interface EchoResult {
  /** Keystroke sent → its echo received by the page, ms, one per sample. */
  arrivedMs: number[];
  /** Keystroke sent → its echo parsed by xterm.js, ms. */
  writtenMs: number[];
  /** Main-thread tasks over 50 ms meanwhile. */
  longTasks: { count: number; longestMs: number };
  /** What the other tab received meanwhile (0 when nothing streamed). */
  streamedBytes: number;
  streamedMs: number;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Keystroke echo at a bash prompt, typed as a user types (xterm.js's input path), `samples` times at
 * random intervals; with `streaming`, another (hidden) tab on the same connection runs `seq` all the while.
 * `yieldToTyping` false: the streaming tab does not slow down while the user types (the product's
 * behaviour before; compared by the benchmark).
 */
async function echo(target: Target, samples: number, streaming: boolean, renderer: Renderer = 'auto', sliceWhileTyping = true, yieldToTyping = true): Promise<EchoResult> {
  const transport = connect();
  const host = pane();
  host.style.display = 'flex';
  // The streaming terminal is another tab of the dock: mounted but hidden (display: none), as the
  // dock keeps inactive tabs; the typed one is the visible tab.
  const halves = [document.createElement('div'), document.createElement('div')];
  for (const half of halves) {
    half.style.cssText = 'width:1000px;height:600px';
    host.append(half);
  }
  halves[0]!.style.display = 'none';
  // The streaming tab.
  let streamedBytes = 0;
  let streamStart = 0;
  const other = new TerminalSession({ scheme: 'light', onInput: () => {}, renderer, sliceWhileTyping, yieldToTyping });
  other.open(halves[0]!);
  const otherOpened = streaming ? await openShell(transport, target) : null;
  const otherHandle = otherOpened
    ? transport.attachStream(otherOpened.streamId, {
        onData: (chunk) => {
          if (streamStart) streamedBytes += chunk.byteLength;
          other.receive(chunk);
        },
        onEnd: () => {},
      })
    : null;
  if (otherHandle) other.attach(otherHandle);

  // The tab typed into.
  let waiting: { sent: number; arrived: number; written: number; resolve: () => void } | null = null;
  const arrivedMs: number[] = [];
  const writtenMs: number[] = [];
  const typed = new TerminalSession({
    scheme: 'light',
    renderer,
    sliceWhileTyping,
    onInput: (data) => typed.send(data),
    onWritten: () => {
      if (waiting?.arrived && !waiting.written) {
        waiting.written = performance.now();
        waiting.resolve();
      }
    },
  });
  typed.open(halves[1]!);
  const opened = await openShell(transport, target);
  const handle = transport.attachStream(opened.streamId, {
    onData: (chunk) => {
      if (waiting && !waiting.arrived) waiting.arrived = performance.now();
      typed.receive(chunk);
    },
    onEnd: () => {},
  });
  typed.attach(handle);
  await pause(800);
  if (otherHandle) {
    otherHandle.write('stty -echo; seq 1 1000000000\n');
    await pause(500);
    streamStart = performance.now();
  }
  const longTasks = watchLongTasks();
  /** Types one key the way xterm.js passes a keypress on; resolves when its echo is parsed. */
  const keystroke = async (key: string) => {
    let entry!: { sent: number; arrived: number; written: number; resolve: () => void };
    const settled = new Promise<void>((resolve) => {
      entry = { sent: performance.now(), arrived: 0, written: 0, resolve };
    });
    waiting = entry;
    typed.terminal.input(key, true);
    await Promise.race([settled, pause(2000)]);
    waiting = null;
    return entry.written ? entry : null;
  };
  for (let i = 0; i < samples; i++) {
    await pause(10 + Math.random() * 20);
    const sample = await keystroke('x');
    if (sample) {
      arrivedMs.push(sample.arrived - sample.sent);
      writtenMs.push(sample.written - sample.sent);
    }
    await pause(5);
    await keystroke('\x7f');
  }
  const streamedMs = streamStart ? performance.now() - streamStart : 0;
  const tasks = longTasks();
  if (otherHandle && otherOpened) {
    otherHandle.write('\x03');
    await transport.call('terminal.close', { terminalId: otherOpened.terminalId });
  }
  await transport.call('terminal.close', { terminalId: opened.terminalId });
  transport.close();
  other.dispose();
  typed.dispose();
  return { arrivedMs, writtenMs, streamedBytes, streamedMs, longTasks: tasks };
}

(window as unknown as { bench: unknown }).bench = { local, remote, echo, webglImplementation };
(window as unknown as { benchReady: boolean }).benchReady = true;
