/**
 * The hostile-input corpus (issue 13): inputs an attacker, a typo or a broken
 * generator could hand polycloud, each with the exact outcome it must have —
 * a PolycloudError with its code and path (`context.path`, the first issue's), or
 * acceptance. Run through the API and the CLI by `test/hostile-*.test.ts`.
 */
export type Path = (string | number)[];

export type Expected = { accept: true } | { code: string; path: Path };

export const accept: Expected = { accept: true };
export const invalid = (path: Path): Expected => ({ code: 'CONFIG_INVALID', path });
export const badArg = (path: Path): Expected => ({ code: 'INVALID_ARGUMENT', path });

/** A config file (YAML/JSON text) or an object given to `loadPolycloudConfig`. */
export interface ConfigCase extends CliOverride {
  kind: 'config';
  name: string;
  /** File contents; also what `polycloud validate` reads. */
  text?: string;
  /** An object given in code (API only: the CLI reads files). */
  object?: () => Record<string, unknown>;
  expect: Expected;
}

/** Where the CLI's outcome differs on purpose (a problem with the file argument itself), what it is. */
export interface CliOverride {
  cli?: Expected;
}

/** A URM document given to `parseUrmDocument` (and to `createPolycloud` as a resource). */
export interface UrmCase {
  kind: 'urm';
  name: string;
  doc: () => unknown;
  expect: Expected;
}

/** A DataJob: text (a job file for the CLI, `loadDataJob` for the API) or an object. */
export interface JobCase extends CliOverride {
  kind: 'job';
  name: string;
  text?: string;
  object?: () => unknown;
  expect: Expected;
  /** For accepted jobs: fields the parsed job must have exactly (nothing changed or dropped). */
  check?: Record<string, unknown>;
}

/** A call on a memory-backed LogicalBucket: an object key or call options. */
export interface CallCase {
  kind: 'call';
  name: string;
  run: (bucket: import('@polycloud/core').LogicalBucketClient) => Promise<unknown>;
  expect: Expected;
}

export type HostileCase = ConfigCase | UrmCase | JobCase | CallCase;
