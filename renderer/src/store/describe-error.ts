// One line an admin can read for any error that reached the renderer.
import { CwError } from '../../../main/common/errors.js';

export function describeError(error: unknown): string {
  if (error instanceof CwError) return `${error.message} (${error.code})`;
  if (error instanceof Error) return error.message;
  return String(error);
}
