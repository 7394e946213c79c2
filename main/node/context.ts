// What a handler gets besides its input: cancellation, and the session it answers to.
import type { StreamSource } from './streams.js';

export interface SessionContext {
  /** Opens a flow-controlled binary stream to this session's client; returns its id. */
  openStream(source: StreamSource): number;
}

export interface CallContext {
  signal: AbortSignal;
  session: SessionContext;
}
