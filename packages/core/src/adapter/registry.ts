import { z } from 'zod';
import { PolycloudError } from '../errors/polycloud-error.js';
import { parseWithSchema } from '../errors/from-zod.js';
import type { ComputeAdapter } from './compute-adapter.js';
import type { StorageAdapter } from './storage-adapter.js';

/** What every factory receives besides its own options. */
export interface AdapterContext {
  /** The provider's configured name (becomes the adapter's `name`). */
  name: string;
}

/**
 * A storage adapter factory: the unit a package (built-in or a user's own) registers.
 * `optionsSchema` validates the provider's options at the boundary (CONFIG_INVALID
 * with the path on bad options).
 */
export interface StorageAdapterFactory<O = unknown> {
  kind: 'storage';
  /** Registry type name, as written in config (`type: s3`). */
  type: string;
  optionsSchema: z.ZodType<O>;
  create(options: O, context: AdapterContext): StorageAdapter;
}

export interface ComputeAdapterFactory<O = unknown> {
  kind: 'compute';
  type: string;
  optionsSchema: z.ZodType<O>;
  create(options: O, context: AdapterContext): ComputeAdapter;
}

export type AdapterFactory = StorageAdapterFactory<any> | ComputeAdapterFactory<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const TYPE_NAME = /^[a-z][a-z0-9-]{0,62}$/;

export interface AdapterRegistry {
  /** Adds a factory. A type already registered for the same kind → ALREADY_EXISTS (unless `replace`). */
  register(factory: AdapterFactory, options?: { replace?: boolean }): this;
  has(kind: 'storage' | 'compute', type: string): boolean;
  types(kind: 'storage' | 'compute'): string[];
  /** The factory registered for a type (e.g. to validate options without creating an adapter). */
  factory?(kind: 'storage' | 'compute', type: string): AdapterFactory | undefined;
  /** Validates `options` with the factory's schema and creates the adapter. Unknown type → CONFIG_INVALID. */
  createStorage(type: string, options: unknown, context: AdapterContext & { path?: (string | number)[] }): StorageAdapter;
  createCompute(type: string, options: unknown, context: AdapterContext & { path?: (string | number)[] }): ComputeAdapter;
}

/** A fresh registry. Applications usually make one and register the adapters they use. */
export function createAdapterRegistry(factories: AdapterFactory[] = []): AdapterRegistry {
  const storage = new Map<string, StorageAdapterFactory<unknown>>();
  const compute = new Map<string, ComputeAdapterFactory<unknown>>();

  const unknownType = (kind: string, type: string, path: (string | number)[], known: string[]) =>
    new PolycloudError('CONFIG_INVALID', `unknown ${kind} adapter type "${type}" (registered: ${known.length ? known.join(', ') : 'none'})`, {
      context: { path, issues: [{ path, message: `unknown ${kind} adapter type "${type}"` }] },
    });

  const registry: AdapterRegistry = {
    register(factory, options = {}) {
      if (!factory || (factory.kind !== 'storage' && factory.kind !== 'compute') || typeof factory.create !== 'function') {
        throw new PolycloudError('INVALID_ARGUMENT', 'register() needs a StorageAdapterFactory or ComputeAdapterFactory', {
          context: { path: ['factory'] },
        });
      }
      if (!TYPE_NAME.test(factory.type)) {
        throw new PolycloudError('INVALID_ARGUMENT', `adapter type "${factory.type}" must match ${TYPE_NAME}`, {
          context: { path: ['factory', 'type'] },
        });
      }
      const map = (factory.kind === 'storage' ? storage : compute) as Map<string, AdapterFactory>;
      if (map.has(factory.type) && !options.replace) {
        throw new PolycloudError('ALREADY_EXISTS', `a ${factory.kind} adapter of type "${factory.type}" is already registered`, {
          context: { path: ['factory', 'type'] },
        });
      }
      map.set(factory.type, factory);
      return this;
    },
    has(kind, type) {
      return (kind === 'storage' ? storage : compute).has(type);
    },
    types(kind) {
      return [...(kind === 'storage' ? storage : compute).keys()].sort();
    },
    factory(kind, type) {
      return (kind === 'storage' ? storage : compute).get(type) as AdapterFactory | undefined;
    },
    createStorage(type, options, context) {
      const path = context.path ?? [];
      const factory = storage.get(type);
      if (!factory) throw unknownType('storage', type, [...path, 'type'], registry.types('storage'));
      const parsed = parseWithSchema(factory.optionsSchema, options, `invalid options for ${type} adapter "${context.name}"`, {
        pathPrefix: path,
      });
      return factory.create(parsed, { name: context.name });
    },
    createCompute(type, options, context) {
      const path = context.path ?? [];
      const factory = compute.get(type);
      if (!factory) throw unknownType('compute', type, [...path, 'type'], registry.types('compute'));
      const parsed = parseWithSchema(factory.optionsSchema, options, `invalid options for ${type} adapter "${context.name}"`, {
        pathPrefix: path,
      });
      return factory.create(parsed, { name: context.name });
    },
  };
  for (const f of factories) registry.register(f);
  return registry;
}
