import { main } from './main.js';

// `node --import tsx packages/cli/src/cli-entry.ts …`: the binary, run from source.
await main();
