// One terminal's xterm.js instance with its addons, fed from a flow-controlled stream: bytes are
// acknowledged only after xterm.js has parsed them, so the backend never races ahead of the screen.
import { Terminal, type ITheme } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { SerializeAddon } from '@xterm/addon-serialize';
import { Unicode11Addon } from '@xterm/addon-unicode11';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { WebglAddon } from '@xterm/addon-webgl';
import type { StreamHandle } from '../../transport/index.js';
import { InputGate } from './input-gate.js';
import { OutputFeeder } from './output-feeder.js';
import { isSoftwareWebgl } from './renderer-choice.js';

export const terminalThemes: Record<'light' | 'dark', ITheme> = {
  light: { background: '#ffffff', foreground: '#1f2328', cursor: '#3b5bdb', selectionBackground: '#c5d0fa' },
  dark: { background: '#141517', foreground: '#d9dce1', cursor: '#91a7ff', selectionBackground: '#364fc7' },
};

export interface TerminalSessionOptions {
  scheme: 'light' | 'dark';
  /** Called with what the user types (after broadcast fan-out is decided by the owner). */
  onInput(data: string): void;
  /** Web links go through the backend, which validates the URL before opening it. */
  onOpenLink?(url: string): void;
  /** Told each time xterm.js has parsed a received chunk (tests and benchmarks). */
  onWritten?(bytes: number): void;
  /** "auto" (default): WebGL unless it is drawn in software; "dom" or "webgl" force one (benchmarks compare them). */
  renderer?: 'auto' | 'dom' | 'webgl';
  /** false: always write whole chunks, even while the user types (benchmarks compare both). */
  sliceWhileTyping?: boolean;
  /** false: while the user types into another terminal, do not slow this one's output down (benchmarks compare both). */
  yieldToTyping?: boolean;
}

/** Typing anywhere in the page makes every terminal feed its output in small pieces for this long. */
const INTERACTIVE_MS = 1_000;
let lastUserInputAt = Number.NEGATIVE_INFINITY;
/** The terminal the user typed into last. */
let typedInto: object | null = null;
const userIsTyping = () => performance.now() - lastUserInputAt < INTERACTIVE_MS;

/** A task after everything already queued (a message to ourselves; timers would be clamped when nested). */
const yieldTask = (() => {
  const tasks: (() => void)[] = [];
  let channel: MessageChannel | null = null;
  return (task: () => void) => {
    if (!channel) {
      channel = new MessageChannel();
      channel.port1.onmessage = () => tasks.shift()?.();
    }
    tasks.push(task);
    channel.port2.postMessage(null);
  };
})();

/** The WebGL implementation's name once per page, or null without WebGL2. */
let webglName: string | null | undefined;
function webglImplementation(): string | null {
  if (webglName !== undefined) return webglName;
  try {
    const gl = document.createElement('canvas').getContext('webgl2');
    const info = gl?.getExtension('WEBGL_debug_renderer_info');
    webglName = gl ? String(info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER)) : null;
    gl?.getExtension('WEBGL_lose_context')?.loseContext();
  } catch {
    webglName = null;
  }
  return webglName;
}

export class TerminalSession {
  readonly terminal: Terminal;
  private readonly fit = new FitAddon();
  readonly search = new SearchAddon();
  private readonly serializer = new SerializeAddon();
  private stream: StreamHandle | null = null;
  /** Typing before the channel opens is held, not lost. */
  private readonly input = new InputGate();
  /** Set by a resize of a view that was at the bottom; cleared when the user scrolls. */
  private followAfterResize = false;
  private webgl: WebglAddon | null = null;
  private readonly feeder: OutputFeeder;
  private creditToReturn = 0;
  /** Stands for this terminal as the one typed into last. */
  private readonly typist = {};
  /** Whether the terminal is on screen (a background tab of the dock is not); told by an IntersectionObserver. */
  private shown = true;
  private visibility: IntersectionObserver | null = null;
  private creditScheduled = false;
  /** Bytes written to xterm.js and parsed; for tests and benchmarks. */
  bytesWritten = 0;
  renderer: 'webgl' | 'dom' = 'dom';
  /** Why the DOM renderer runs, when it does. */
  rendererReason = '';

  constructor(private readonly options: TerminalSessionOptions) {
    this.terminal = new Terminal({
      allowProposedApi: true,
      cursorBlink: true,
      scrollback: 10_000,
      fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace',
      fontSize: 13,
      theme: terminalThemes[options.scheme],
    });
    this.terminal.loadAddon(this.fit);
    this.terminal.loadAddon(this.search);
    this.terminal.loadAddon(this.serializer);
    this.terminal.loadAddon(new Unicode11Addon());
    this.terminal.unicode.activeVersion = '11';
    this.terminal.loadAddon(new WebLinksAddon((_event, uri) => options.onOpenLink?.(uri)));
    this.terminal.onData((data) => {
      lastUserInputAt = performance.now();
      typedInto = this.typist;
      options.onInput(data);
    });
    this.feeder = new OutputFeeder({
      write: (piece, parsed) => this.terminal.write(piece, parsed),
      written: (bytes) => {
        this.bytesWritten += bytes;
        this.creditToReturn += bytes;
        // One acknowledgement for everything xterm.js parsed in this task (it parses many chunks per task).
        if (!this.creditScheduled) {
          this.creditScheduled = true;
          queueMicrotask(() => {
            this.creditScheduled = false;
            const credit = this.creditToReturn;
            this.creditToReturn = 0;
            this.stream?.ack(credit);
          });
        }
        this.options.onWritten?.(bytes);
      },
      yieldTask,
      interactive: options.sliceWhileTyping === false ? () => false : userIsTyping,
      // A terminal out of sight while the user types into another one.
      background: () => options.yieldToTyping !== false && !this.shown && typedInto !== null && typedInto !== this.typist && userIsTyping(),
      later: (task, ms) => void setTimeout(task, ms),
    });
  }

  open(element: HTMLElement): void {
    this.terminal.open(element);
    // xterm.js's own element: the dock may move it to another pane later.
    if (typeof IntersectionObserver === 'function' && this.terminal.element) {
      this.visibility = new IntersectionObserver((entries) => {
        for (const entry of entries) this.shown = entry.isIntersecting;
      });
      this.visibility.observe(this.terminal.element);
    }
    this.terminal.onRender(() => {
      const buffer = this.terminal.buffer.active;
      if (this.followAfterResize && buffer.type === 'normal' && buffer.viewportY < buffer.baseY) this.terminal.scrollToBottom();
    });
    // The user scrolling (wheel, scrollbar, Shift+PageUp) decides where the view stays.
    const userScrolls = () => {
      this.followAfterResize = false;
    };
    element.addEventListener('wheel', userScrolls, { capture: true, passive: true });
    element.addEventListener('pointerdown', (event) => {
      if (event.target instanceof Element && event.target.closest('.scrollbar')) userScrolls();
    }, { capture: true });
    element.addEventListener('keydown', (event) => {
      if (event.shiftKey && ['PageUp', 'PageDown', 'Home', 'End'].includes(event.key)) userScrolls();
    }, { capture: true });
    const choice = this.options.renderer ?? 'auto';
    const webgl = choice === 'auto' ? webglImplementation() : null;
    if (choice === 'dom' || (choice === 'auto' && (webgl === null || isSoftwareWebgl(webgl)))) {
      // Software WebGL (SwiftShader, llvmpipe: no GPU, a VM, remote desktop) draws on the CPU in the GPU
      // process: measured, the DOM renderer then parses and draws 1.7× as fast for half the CPU time.
      this.rendererReason = choice === 'dom' ? 'chosen' : webgl === null ? 'no WebGL2' : `software WebGL (${webgl})`;
      this.fitToContainer();
      return;
    }
    try {
      const webgl = new WebglAddon();
      webgl.onContextLoss(() => {
        webgl.dispose();
        this.webgl = null;
        this.renderer = 'dom';
      });
      this.terminal.loadAddon(webgl);
      this.webgl = webgl;
      this.renderer = 'webgl';
    } catch {
      // The WebGL renderer would not start: the DOM renderer stays.
      this.renderer = 'dom';
      this.rendererReason = 'WebGL failed to start';
    }
    this.fitToContainer();
  }

  /** Resizes to the container; returns the new size when it changed. */
  fitToContainer(): { rows: number; cols: number } | null {
    const before = { rows: this.terminal.rows, cols: this.terminal.cols };
    const buffer = this.terminal.buffer.active;
    const following = buffer.viewportY >= buffer.baseY;
    try {
      this.fit.fit();
    } catch {
      return null;
    }
    const after = { rows: this.terminal.rows, cols: this.terminal.cols };
    const changed = after.rows !== before.rows || after.cols !== before.cols;
    if (changed && following) this.keepFollowing();
    return changed ? after : null;
  }

  /**
   * A view that followed the output keeps following it after a resize, until the user scrolls.
   * xterm.js 6 can leave its scrollbar with the pre-resize extent and then take the clamped position
   * for the user scrolling up (its scroll-to-bottom is clamped the same way until the next sync): the
   * view stayed above the prompt and new output — a command typed with broadcast on, whose bar
   * shrinks the pane — never showed. Each render puts the view back at the bottom once it can.
   */
  private keepFollowing(): void {
    this.followAfterResize = true;
    this.terminal.scrollToBottom();
  }

  get size(): { rows: number; cols: number } {
    return { rows: this.terminal.rows, cols: this.terminal.cols };
  }

  /** Feeds stream bytes in; the credit goes back once xterm.js has parsed them. */
  receive(chunk: Uint8Array): void {
    this.feeder.receive(chunk);
  }

  /** A (re)connection starts: what is typed until it opens is held. */
  connecting(): void {
    this.input.connecting();
  }

  attach(stream: StreamHandle): void {
    this.stream = stream;
    this.input.open((data) => stream.write(data));
  }

  detach(): void {
    this.stream = null;
    this.input.end();
  }

  /** Sends typed input, or holds it until the channel opens. */
  send(data: string): void {
    this.input.send(data);
  }

  note(text: string): void {
    this.terminal.write(`\r\n\x1b[2m${text}\x1b[0m\r\n`);
  }

  /** xterm.js's screen reader mode: an accessible text mirror of the rows. */
  setScreenReader(on: boolean): void {
    this.terminal.options.screenReaderMode = on;
  }

  setScheme(scheme: 'light' | 'dark'): void {
    this.terminal.options.theme = terminalThemes[scheme];
  }

  /** The scrollback as text with colours, for the session log. */
  serialize(): string {
    return this.serializer.serialize();
  }

  dispose(): void {
    if (typedInto === this.typist) typedInto = null;
    this.visibility?.disconnect();
    this.input.end();
    this.feeder.dispose();
    this.webgl?.dispose();
    this.terminal.dispose();
  }
}
