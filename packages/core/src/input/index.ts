export { INPUT_LIMITS, type InputLimits } from './limits.js';
export { toPlainData, type PlainDataLimits } from './plain-data.js';
export { parseYamlText, type ParsedYaml, type LocatedIssue } from './parse-yaml.js';
export { readTextFile, type ReadTextFileOptions } from './read-file.js';
export { prescanYaml } from './yaml-prescan.js';
