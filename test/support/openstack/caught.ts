// The CwError a promise rejects with (tests assert its code, message and detail); anything else fails the test.
import { CwError } from '../../../main/common/errors.js';

export async function caught(p: Promise<unknown>): Promise<CwError> {
  try {
    await p;
  } catch (error) {
    if (error instanceof CwError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}
