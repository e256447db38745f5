import pkg from '../package.json';

/**
 * The version of `@polycloud/cli`, from its package.json: bundled into dist by tsup
 * (esbuild inlines the JSON import, so ESM and CJS builds both carry it, with no file
 * read at run time); read from the file when run from source.
 */
export const CLI_VERSION: string = pkg.version;
