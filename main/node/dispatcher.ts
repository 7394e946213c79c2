// The one dispatcher both hosts call: validates input, runs the handler, validates output,
// and turns every failure into a structured {code, message, detail}.
import type { z } from 'zod';
import { CwError, type ErrorPayload } from '../common/errors.js';
import { isMethodName, methods, type MethodName, type MethodOutput, type Methods } from '../common/contract/index.js';
import type { CallContext } from './context.js';

export type Handler<M extends MethodName> = (
  input: z.output<Methods[M]['input']>,
  ctx: CallContext,
) => Promise<MethodOutput<M>> | MethodOutput<M>;

export type Handlers = { [M in MethodName]: Handler<M> };

export type DispatchResult = { ok: true; value: unknown } | { ok: false; error: ErrorPayload };

function describeIssues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }));
}

export function toErrorPayload(error: unknown): ErrorPayload {
  if (error instanceof CwError) return error.toPayload();
  if (error instanceof Error && error.name === 'AbortError') {
    return { code: 'CANCELLED', message: 'The operation was cancelled.' };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL', message: `Unexpected internal error: ${message}` };
}

/** `contract`: the methods to validate against (default: the registered stacks' contract; a test's own stacks bring theirs). */
export function createDispatcher(handlers: Handlers, contract: Record<string, { input: z.ZodType; output: z.ZodType }> = methods) {
  return async function dispatch(ctx: CallContext, method: string, raw: unknown): Promise<DispatchResult> {
    if (contract === methods ? !isMethodName(method) : !Object.prototype.hasOwnProperty.call(contract, method)) {
      return { ok: false, error: { code: 'UNKNOWN_METHOD', message: `There is no method named "${method}".` } };
    }
    const spec = contract[method]!;
    const parsed = spec.input.safeParse(raw ?? {});
    if (!parsed.success) {
      return {
        ok: false,
        error: {
          code: 'INVALID_INPUT',
          message: `Invalid input for ${method}.`,
          detail: { issues: describeIssues(parsed.error) },
        },
      };
    }
    try {
      const handler = (handlers as Record<string, unknown>)[method] as ((input: unknown, ctx: CallContext) => unknown) | undefined;
      if (!handler) return { ok: false, error: { code: 'UNSUPPORTED', message: `${method} is not served by this host.` } };
      const value = await handler(parsed.data, ctx);
      const checked = spec.output.safeParse(value);
      if (!checked.success) {
        return {
          ok: false,
          error: {
            code: 'INVALID_OUTPUT',
            message: `The service returned data for ${method} that does not match the contract.`,
            detail: { issues: describeIssues(checked.error) },
          },
        };
      }
      return { ok: true, value: checked.data };
    } catch (error) {
      return { ok: false, error: toErrorPayload(error) };
    }
  };
}

export type Dispatch = ReturnType<typeof createDispatcher>;
