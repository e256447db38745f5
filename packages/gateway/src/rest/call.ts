import { isPolycloudError } from '@polycloud/core/spi';
import { problemFromError } from '../problem.js';
import { ProblemError } from './common.js';

/** Runs a facade call; a PolycloudError becomes its problem, its path under `prefix` (`['body']`). */
export async function call<T>(fn: () => Promise<T> | T, prefix: (string | number)[] = []): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof ProblemError) throw error;
    throw new ProblemError(problemFromError(error, prefix), isPolycloudError(error) && error.code === 'RATE_LIMITED' ? { 'retry-after': '1' } : {});
  }
}
