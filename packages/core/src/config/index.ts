export { loadPolycloudConfig, createPolycloudFromConfig, type LoadConfigOptions, type PolycloudConfig, type CreateFromConfigOptions } from './load.js';
export { readConfigSource, type ConfigSource, type ParsedSource } from './source.js';
export { interpolate, type InterpolationResult } from './interpolate.js';
export { parseDurationMs, DurationError } from './duration.js';
export { camelCase, renameOptionKeys, SECRET_OPTION } from './keys.js';
export { ConfigFileSchema, HealthCheckSchema, type ConfigFile } from './schema.js';
export { type RouterOptionsValidator } from './router-section.js';
export { loadDataJob, checkJobInput } from './job-input.js';
