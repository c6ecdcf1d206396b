import { HotfixError } from '../../src/core/errors.js';

/** The HotfixError a promise rejects with; fails the test when it resolves or throws anything else. */
export async function failure(promise: Promise<unknown>): Promise<HotfixError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof HotfixError) return error;
    throw new Error(`expected a HotfixError, got ${String(error)}`);
  }
  throw new Error('expected a failure');
}
