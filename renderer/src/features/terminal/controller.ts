// Opens, feeds, resizes, reconnects and closes terminal tabs: the glue between the sessions slice,
// the xterm.js instances and the backend's terminal methods. Broadcast input fans out here.
import type { AppStore } from '../../store/index.js';
import type { Transport } from '../../transport/index.js';
import { describeError } from '../../store/describe-error.js';
import type { TerminalSession } from './xterm-session.js';
import { openExternal } from '../../components/open-external.js';

export interface TerminalApi {
  open(node: string, size: { rows: number; cols: number }, options?: { log?: boolean }): Promise<{ terminalId: string; streamId: number; title?: string; logFile?: string }>;
  resize(terminalId: string, size: { rows: number; cols: number }): Promise<void>;
  close(terminalId: string): Promise<void>;
  openLink?(url: string): void;
}

/** The terminal methods of the contract, for a transport. */
export function contractTerminalApi(transport: Transport): TerminalApi {
  return {
    open: async (node, size, options) => transport.call('terminal.open', { target: { kind: 'node', node }, rows: size.rows, cols: size.cols, ...(options?.log ? { log: true } : {}) }),
    resize: async (terminalId, size) => {
      await transport.call('terminal.resize', { terminalId, rows: size.rows, cols: size.cols });
    },
    close: async (terminalId) => {
      await transport.call('terminal.close', { terminalId });
    },
    // Only http(s) without credentials; the desktop shell checks again before handing it to the OS.
    openLink: (url) => void openExternal(url),
  };
}

export class TerminalController {
  private readonly sessions = new Map<string, TerminalSession>();
  /** A tab's session while xterm.js is being loaded (its code is a chunk of its own, loaded with the first tab). */
  private readonly pending = new Map<string, Promise<TerminalSession | undefined>>();
  private sessionCode: Promise<typeof import('./xterm-session.js')> | null = null;
  private readonly handles = new Map<string, ReturnType<Transport['attachStream']>>();
  private counter = 0;

  constructor(
    private readonly store: AppStore,
    private readonly transport: Transport,
    private readonly api: TerminalApi,
    private scheme: 'light' | 'dark' = 'light',
  ) {}

  session(id: string): TerminalSession | undefined {
    return this.sessions.get(id);
  }

  /** A tab's session once xterm.js is loaded; undefined when the tab was closed meanwhile (or never opened). */
  whenSession(id: string): Promise<TerminalSession | undefined> {
    return this.pending.get(id) ?? Promise.resolve(this.sessions.get(id));
  }

  /** Opens a new tab for a node; the pane mounts the xterm.js instance (whenSession) and calls connect(). */
  openTab(node: string, site?: string): string {
    const id = `term-${++this.counter}`;
    this.sessionCode ??= import('./xterm-session.js');
    const made = this.sessionCode.then(
      ({ TerminalSession }) => {
        this.pending.delete(id);
        if (!this.store.getState().tabs.some((t) => t.id === id)) return undefined;
        const session = new TerminalSession({
          scheme: this.scheme,
          onInput: (data) => this.input(id, data),
          onOpenLink: (url) => this.api.openLink?.(url),
        });
        session.setScreenReader(this.store.getState().screenReader);
        this.sessions.set(id, session);
        return session;
      },
      (error: unknown) => {
        this.pending.delete(id);
        this.sessionCode = null;
        this.store.getState().updateTab(id, { state: 'failed', error: `Could not load the terminal: ${describeError(error)}` });
        return undefined;
      },
    );
    this.pending.set(id, made);
    this.store.getState().addTab({ id, title: node, node, ...(site ? { site } : {}) });
    return id;
  }

  async connect(id: string): Promise<void> {
    const session = this.sessions.get(id);
    const tab = this.store.getState().tabs.find((t) => t.id === id);
    if (!session || !tab) return;
    const reconnecting = tab.reconnects > 0 || tab.streamId !== null;
    this.store.getState().updateTab(id, { state: 'connecting' });
    session.connecting();
    try {
      const { streamId, terminalId, logFile } = await this.api.open(tab.node, session.size, { log: this.store.getState().logSessions });
      const handle = this.transport.attachStream(streamId, {
        onData: (chunk) => session.receive(chunk),
        onEnd: (error) => {
          this.handles.delete(id);
          session.detach();
          session.note(error ? `Connection closed: ${describeError(error)}` : 'Session ended.');
          this.store.getState().updateTab(id, { state: 'closed', ...(error ? { error: describeError(error) } : {}) });
        },
      });
      this.handles.set(id, handle);
      session.attach(handle);
      if (reconnecting) session.note('Reconnected; the scrollback above is from the previous session.');
      if (logFile) session.note(`Logging this session to ${logFile}`);
      this.store.getState().updateTab(id, { state: 'open', streamId, terminalId, error: undefined, ...(logFile ? { logFile } : {}) });
    } catch (error) {
      const message = describeError(error);
      session.detach();
      session.note(`Could not connect to ${tab.node}: ${message}`);
      this.store.getState().updateTab(id, { state: 'failed', error: message });
    }
  }

  async reconnect(id: string): Promise<void> {
    const tab = this.store.getState().tabs.find((t) => t.id === id);
    if (!tab || tab.state === 'open' || tab.state === 'connecting') return;
    this.store.getState().updateTab(id, { reconnects: tab.reconnects + 1 });
    await this.connect(id);
  }

  /** What one tab types goes to every tab in the broadcast set when it is part of it. */
  private input(id: string, data: string): void {
    const { broadcast } = this.store.getState();
    const targets = broadcast.includes(id) ? broadcast : [id];
    for (const target of targets) this.sessions.get(target)?.send(data);
  }

  resized(id: string): void {
    const session = this.sessions.get(id);
    const tab = this.store.getState().tabs.find((t) => t.id === id);
    if (!session || !tab) return;
    const changed = session.fitToContainer();
    if (changed && tab.terminalId && tab.state === 'open') void this.api.resize(tab.terminalId, changed).catch(() => {});
  }

  async closeTab(id: string): Promise<void> {
    const tab = this.store.getState().tabs.find((t) => t.id === id);
    this.handles.get(id)?.close();
    this.handles.delete(id);
    if (tab?.terminalId && tab.state === 'open') await this.api.close(tab.terminalId).catch(() => {});
    this.sessions.get(id)?.dispose();
    this.sessions.delete(id);
    this.pending.delete(id);
    this.store.getState().removeTab(id);
  }

  setScreenReader(on: boolean): void {
    this.store.getState().setScreenReader(on);
    for (const session of this.sessions.values()) session.setScreenReader(on);
  }

  setScheme(scheme: 'light' | 'dark'): void {
    this.scheme = scheme;
    for (const session of this.sessions.values()) session.setScheme(scheme);
  }
}
