// The one API contract shared by the services, both hosts and the renderer.
// Each domain contributes its methods and events; this file only merges them.
import type { z } from 'zod';
import { appMethods } from './app.js';
import { inventoryEvents, inventoryMethods } from './inventory.js';
import { labMethods } from './lab.js';
import { planEvents, planMethods } from './plan.js';
import { proxmoxMethods } from './proxmox.js';
import { secretStoreEvents, secretStoreMethods } from './secrets.js';
import { sshEvents, sshMethods } from './ssh.js';
import type { MethodSpec } from './define.js';
import { workspaceEvents, workspaceMethods } from './workspace.js';

export const methods = {
  ...appMethods,
  ...inventoryMethods,
  ...labMethods,
  ...sshMethods,
  ...secretStoreMethods,
  ...planMethods,
  ...proxmoxMethods,
  ...workspaceMethods,
} satisfies Record<string, MethodSpec>;

export const events = {
  ...inventoryEvents,
  ...sshEvents,
  ...secretStoreEvents,
  ...planEvents,
  ...workspaceEvents,
} satisfies Record<string, z.ZodType>;

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
export * from './plan.js';
export * from './ssh.js';
export * from './secrets.js';
export * from './define.js';
export * from './workspace.js';
