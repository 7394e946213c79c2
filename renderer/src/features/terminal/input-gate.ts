// What the user types into a terminal tab before its channel is open (the tab shows while the SSH
// connection and the shell start) is held and sent, in order, once the channel opens: keystrokes
// typed or broadcast to a tab that is still connecting are never lost. Once the session has ended,
// input goes nowhere (a reconnect starts a new shell, which must not receive stale keystrokes).

/** More than this many characters held while connecting: the rest is refused (a runaway paste). */
export const MAX_HELD_CHARS = 1024 * 1024;

export class InputGate {
  private held: string[] = [];
  private heldChars = 0;
  private sink: ((data: string) => void) | null = null;
  private state: 'connecting' | 'open' | 'ended' = 'connecting';

  /** Sends now, or holds until the channel opens; false when the input was not accepted. */
  send(data: string): boolean {
    if (this.state === 'open') {
      this.sink!(data);
      return true;
    }
    if (this.state === 'ended' || this.heldChars + data.length > MAX_HELD_CHARS) return false;
    this.held.push(data);
    this.heldChars += data.length;
    return true;
  }

  /** The channel is open: what was held goes first, then everything typed from now on. */
  open(sink: (data: string) => void): void {
    this.state = 'open';
    this.sink = sink;
    const held = this.held.splice(0);
    this.heldChars = 0;
    if (held.length > 0) sink(held.join(''));
  }

  /** A (re)connection starts: input is held again until it opens. */
  connecting(): void {
    this.state = 'connecting';
    this.sink = null;
  }

  /** The session ended or failed: held input is dropped, new input refused. */
  end(): void {
    this.state = 'ended';
    this.sink = null;
    this.held = [];
    this.heldChars = 0;
  }

  get waiting(): number {
    return this.heldChars;
  }
}
