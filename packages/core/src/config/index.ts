/**
 * Loading a polycloud config file (YAML or JSON) and a DataJob file.
 *
 * @module @polycloud/core/config
 */
// @polycloud/core/config — loading a config file (YAML or JSON) and a DataJob file.
// Its own entry so that `@polycloud/core` loads no config machinery: an application
// that builds its instance in code never pays for it. Every name here is listed in
// api/core.config.api.txt and documented in docs/api.md.
export { loadPolycloudConfig, createPolycloudFromConfig, type LoadConfigOptions, type PolycloudConfig, type CreateFromConfigOptions } from './load.js';
export { loadDataJob } from './job-input.js';
