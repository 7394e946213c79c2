// The backend's event bus: services emit contract events, every connected session forwards them.
import { events, type EventName, type EventPayload } from '../common/contract/index.js';

type Listener = (name: string, payload: unknown) => void;

export class EventBus {
  private readonly listeners = new Set<Listener>();

  /** `schemas`: the events to check payloads against (default: the registered stacks' contract). */
  constructor(private readonly schemas: Record<string, { parse(v: unknown): unknown }> = events) {}

  emit<E extends EventName>(name: E, payload: EventPayload<E>): void {
    const schema = this.schemas[name];
    const checked = schema ? schema.parse(payload) : payload;
    for (const listener of [...this.listeners]) listener(name, checked);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
