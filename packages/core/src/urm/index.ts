export * from './price.js';
export * from './binding.js';
export * from './policies.js';
export * from './resources.js';
export * from './parse.js';
