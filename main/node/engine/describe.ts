// Human-readable, redacted descriptions of checks, for the preview, messages and logs.
import type { Check } from '../../common/plan/schema.js';
import { secretMarker } from '../../common/plan/secrets.js';
import { bodyText, redactedCommand } from './render.js';
import type { StackExecutors } from './stack-ops.js';

/** `stacks`: how a stack says what its own check asks (the engine passes its executors). */
export function describeCheck(check: Check, stacks?: StackExecutors): string {
  switch (check.kind) {
    case 'exec':
      return `\`${redactedCommand(check.command)}\` exits 0`;
    case 'fileMatches':
      return 'the file already has this content and mode';
    case 'api': {
      const body = bodyText(check.request.body, secretMarker);
      return `${check.request.method} ${check.request.path}${body ? ` ${body}` : ''} answers 2xx${check.contains !== undefined ? ` containing ${JSON.stringify(check.contains)}` : ''}`;
    }
    case 'stack':
      return `${check.stack}: ${stacks?.(check.stack)?.describe(check) ?? `${check.op} ${JSON.stringify(check.args)}`} holds`;
  }
}
