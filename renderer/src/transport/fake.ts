// An in-memory Transport for component tests: handlers answer calls, tests emit events.
import { CwError } from '../../../main/common/errors.js';
import type { EventName, EventPayload, MethodInput, MethodName, MethodOutput } from '../../../main/common/contract/index.js';
import type { Transport } from './types.js';

export type FakeHandlers = { [M in MethodName]?: (input: MethodInput<M>) => MethodOutput<M> | Promise<MethodOutput<M>> };

export interface FakeTransport extends Transport {
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void;
  readonly calls: { method: string; input: unknown }[];
}

export function createFakeTransport(handlers: FakeHandlers): FakeTransport {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const calls: { method: string; input: unknown }[] = [];
  return {
    kind: 'fake',
    connection: 'open',
    calls,
    async call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
      calls.push({ method, input });
      const handler = handlers[method] as ((input: MethodInput<M>) => MethodOutput<M> | Promise<MethodOutput<M>>) | undefined;
      if (!handler) throw new CwError('UNKNOWN_METHOD', `The fake transport has no handler for ${method}.`);
      return handler(input);
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void) {
      const set = listeners.get(event) ?? new Set();
      set.add(listener as (payload: unknown) => void);
      listeners.set(event, set);
      return () => set.delete(listener as (payload: unknown) => void);
    },
    emit(event, payload) {
      for (const listener of listeners.get(event) ?? []) listener(payload);
    },
    attachStream() {
      throw new CwError('UNSUPPORTED', 'The fake transport carries no streams.');
    },
    onConnectionChange: () => () => {},
    close: () => {},
  };
}
