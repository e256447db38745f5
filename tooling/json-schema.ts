// Writes the JSON Schemas of the config file and of a DataJob, generated from core's zod
// schemas (`npm run schema`): packages/core/polycloud.schema.json and datajob.schema.json,
// and the DataJob CRD made from the latter: packages/kubernetes/manifests/datajob-crd.yaml.
// packages/core/test/config-json-schema.test.ts and packages/kubernetes/test/crd.test.ts
// regenerate them and fail when a checked-in file is stale.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configJsonSchema, dataJobJsonSchema } from '../packages/core/src/config/json-schema.js';
import { crdYaml, dataJobCrdFromJsonSchema } from '../packages/kubernetes/src/crd/datajob-crd.js';

const core = join(dirname(fileURLToPath(import.meta.url)), '..', 'packages', 'core');
const kubernetes = join(dirname(fileURLToPath(import.meta.url)), '..', 'packages', 'kubernetes');

/** The files and their contents, as written (2-space JSON, final newline). */
export function jsonSchemaFiles(): Record<string, string> {
  return {
    [join(core, 'polycloud.schema.json')]: `${JSON.stringify(configJsonSchema(), null, 2)}\n`,
    [join(core, 'datajob.schema.json')]: `${JSON.stringify(dataJobJsonSchema(), null, 2)}\n`,
    [join(kubernetes, 'manifests', 'datajob-crd.yaml')]: crdYaml(dataJobCrdFromJsonSchema(dataJobJsonSchema())),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const [file, text] of Object.entries(jsonSchemaFiles())) {
    writeFileSync(file, text);
    console.log(`wrote ${file}`);
  }
}
