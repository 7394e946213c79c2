// For tests: the CwError a promise rejects with or a call throws (tests assert its code, message and detail); anything else,
// or no failure at all, fails the test.
import { CwError } from '../errors.js';

export async function caught(p: Promise<unknown>): Promise<CwError> {
  try {
    await p;
  } catch (error) {
    if (error instanceof CwError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

/** The CwError a synchronous call throws (a pure planner refusing its input). */
export function caughtSync(fn: () => unknown): CwError {
  try {
    fn();
  } catch (error) {
    if (error instanceof CwError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}
