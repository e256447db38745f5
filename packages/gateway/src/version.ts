import pkg from '../package.json';

/** The version of `@polycloud/gateway` (bundled into dist by tsup, as the CLI does). */
export const GATEWAY_VERSION: string = pkg.version;
