// The one API contract shared by the services, both hosts and the renderer. Each domain contributes its
// methods and events, and each registered stack its own (`<stack>.verb`); this file only merges them.
// `composeContract` does the same for another list of stacks (a test's own stack).
import type { z } from 'zod';
import { stacks } from '../stacks/registry.js';
import type { StackList } from '../stacks/compose.js';
import type { AnyStackDefinition } from '../stacks/types.js';
import { appMethods } from './app.js';
import { drillMethods } from './drill.js';
import { inventoryContractFor } from './inventory.js';
import { labMethods } from './lab.js';
import { monitorEvents, monitorMethods } from './monitor.js';
import { overlayEvents, overlayMethods } from './overlay.js';
import { scorecardMethods } from './scorecard.js';
import { planEvents, planMethods } from './plan.js';
import { secretStoreEvents, secretStoreMethods } from './secrets.js';
import { sshEvents, sshMethods } from './ssh.js';
import type { MethodSpec } from './define.js';
import { workspaceSchemaFor } from '../workspace/schema.js';
import { workspaceEvents, workspaceMethodsFor } from './workspace.js';

type UnionToIntersection<U> = (U extends unknown ? (k: U) => void : never) extends (k: infer I) => void ? I : never;
type StackMethodsOf<L extends readonly AnyStackDefinition[]> = UnionToIntersection<L[number]['contract']['methods']>;
type StackEventsOf<L extends readonly AnyStackDefinition[]> = UnionToIntersection<L[number]['contract']['events']>;

/** The whole contract for a list of stacks: the core's domains, the inventory built for them, and their own methods and events. */
export function composeContract<const L extends readonly AnyStackDefinition[]>(list: L) {
  const inventory = inventoryContractFor(list);
  // The workspace methods carry the model: its sections are the list's.
  const workspaceMethods = workspaceMethodsFor(workspaceSchemaFor(list as unknown as StackList));
  const stackMethods = Object.assign({}, ...list.map((s) => s.contract.methods)) as StackMethodsOf<L>;
  const stackEvents = Object.assign({}, ...list.map((s) => s.contract.events)) as StackEventsOf<L>;
  for (const stack of list) {
    const foreign = [...Object.keys(stack.contract.methods), ...Object.keys(stack.contract.events)].filter((name) => !name.startsWith(`${stack.id}.`));
    if (foreign.length) throw new Error(`Stack ${stack.id} declares ${foreign.join(', ')} outside its namespace (${stack.id}.*).`);
  }
  const coreMethods = {
    ...appMethods,
    ...inventory.methods,
    ...labMethods,
    ...drillMethods,
    ...monitorMethods,
    ...scorecardMethods,
    ...sshMethods,
    ...secretStoreMethods,
    ...planMethods,
    ...overlayMethods,
    ...workspaceMethods,
  } satisfies Record<string, MethodSpec>;
  const coreEvents = {
    ...inventory.events,
    ...monitorEvents,
    ...sshEvents,
    ...secretStoreEvents,
    ...planEvents,
    ...overlayEvents,
    ...workspaceEvents,
  } satisfies Record<string, z.ZodType>;
  const methods = Object.assign({}, coreMethods, stackMethods) as typeof coreMethods & StackMethodsOf<L>;
  const events = Object.assign({}, coreEvents, stackEvents) as typeof coreEvents & StackEventsOf<L>;
  return { methods, events };
}

const registered = composeContract(stacks);

export const methods = registered.methods;
export const events = registered.events;

export type Methods = typeof methods;
export type MethodName = keyof Methods & string;
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
export * from './overlay.js';
export * from './ssh.js';
export * from './secrets.js';
export * from './define.js';
export * from './workspace.js';
export * from './monitor.js';
