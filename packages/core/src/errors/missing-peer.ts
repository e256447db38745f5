import { PolycloudError } from './polycloud-error.js';

/**
 * For an adapter that loads an optional peer dependency (a compute SDK) with a dynamic
 * `import()` on first use: when `error` says the package is not installed, throws
 * CONFIG_INVALID naming the package to install; any other error is rethrown as it is.
 */
export function throwMissingPeer(error: unknown, pkg: string, provider: string): never {
  const code = (error as { code?: unknown } | null)?.code;
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw error;
  throw new PolycloudError('CONFIG_INVALID', `the ${provider} compute adapter needs ${pkg}: npm install ${pkg}`, {
    cause: error,
    retryable: false,
    context: { provider, operation: 'load' },
  });
}
