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
}

export class TerminalSession {
  readonly terminal: Terminal;
  private readonly fit = new FitAddon();
  readonly search = new SearchAddon();
  private readonly serializer = new SerializeAddon();
  private stream: StreamHandle | null = null;
  private webgl: WebglAddon | null = null;
  /** Bytes written to xterm.js and parsed; for tests and benchmarks. */
  bytesWritten = 0;
  renderer: 'webgl' | 'dom' = 'dom';

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
    this.terminal.onData((data) => options.onInput(data));
  }

  open(element: HTMLElement): void {
    this.terminal.open(element);
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
      // No WebGL2 (headless, old GPU, remote desktop): the DOM renderer stays.
      this.renderer = 'dom';
    }
    this.fitToContainer();
  }

  /** Resizes to the container; returns the new size when it changed. */
  fitToContainer(): { rows: number; cols: number } | null {
    const before = { rows: this.terminal.rows, cols: this.terminal.cols };
    try {
      this.fit.fit();
    } catch {
      return null;
    }
    const after = { rows: this.terminal.rows, cols: this.terminal.cols };
    return after.rows !== before.rows || after.cols !== before.cols ? after : null;
  }

  get size(): { rows: number; cols: number } {
    return { rows: this.terminal.rows, cols: this.terminal.cols };
  }

  /** Feeds stream bytes in; the credit goes back once xterm.js has parsed them. */
  receive(chunk: Uint8Array): void {
    const length = chunk.byteLength;
    this.terminal.write(chunk, () => {
      this.bytesWritten += length;
      this.stream?.ack(length);
    });
  }

  attach(stream: StreamHandle): void {
    this.stream = stream;
  }

  detach(): void {
    this.stream = null;
  }

  send(data: string): void {
    this.stream?.write(data);
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
    this.webgl?.dispose();
    this.terminal.dispose();
  }
}
