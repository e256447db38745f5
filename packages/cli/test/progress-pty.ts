// Run in a pseudo-terminal by cli-process.test.ts: draws two progress bars on the real stdout.
import { createProgress } from '../src/progress.js';

let t = 0;
const now = () => (t += 25);
const p = createProgress(process.stdout, 'replicate a-rather-long-bucket-name', 400, now);
for (let i = 1; i <= 400; i += 7) {
  p.update(i, i * 123_456);
  await new Promise((r) => setTimeout(r, 1));
}
p.update(400, 400 * 123_456);
p.stop();
const empty = createProgress(process.stdout, 'reconcile empty', 0, now);
await new Promise((r) => setTimeout(r, 5));
empty.stop();
