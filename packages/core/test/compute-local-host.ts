/**
 * A host process for compute-local-restart.test.ts: submits one job through the local
 * adapter, prints its status as one JSON line, then idles until it is killed.
 * Run: node --import tsx compute-local-host.ts <logDir> <request json>
 */
import { createLocalComputeAdapter } from '../src/compute/local-adapter.js';

const [logDir, request] = process.argv.slice(2);
const adapter = createLocalComputeAdapter({ logDir: logDir!, killGraceMs: 200 });
const status = await adapter.submit({ physicalId: 'dev', options: {} }, JSON.parse(request!));
process.stdout.write(`${JSON.stringify(status)}\n`);
setInterval(() => {}, 1 << 30);
