import { randomBytes } from 'node:crypto';

/**
 * A fresh prefix for one conformance run, so runs against a shared emulator or
 * bucket never collide: `pc-conformance/<time>-<random>/`.
 */
export function conformanceRunPrefix(): string {
  return `pc-conformance/${Date.now().toString(36)}-${randomBytes(4).toString('hex')}/`;
}
