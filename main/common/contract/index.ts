// The one API contract shared by the services, both hosts and the renderer.
// Each domain contributes its methods and events; this file only merges them.
import type { z } from 'zod';
import { appMethods } from './app.js';
import type { MethodSpec } from './define.js';

export const methods = {
  ...appMethods,
} satisfies Record<string, MethodSpec>;

export const events = {} satisfies Record<string, z.ZodType>;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type MethodInput<M extends MethodName> = z.input<Methods[M]['input']>;
export type MethodOutput<M extends MethodName> = z.output<Methods[M]['output']>;

export type Events = typeof events;
export type EventName = keyof Events & string;
export type EventPayload<E extends EventName> = z.output<Events[E]>;

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(methods, name);
}

export * from './app.js';
export * from './define.js';
