/**
 * `npm run demo:gateway` — an unmodified S3 tool writing into a LogicalBucket that spans
 * two clouds. A gateway process (@polycloud/gateway) fronts one LogicalBucket over
 * s3rver (AWS S3 emulator, primary) and Azurite (Azure Blob emulator, standby), with
 * @polycloud/sync replicating between them; Debian's `rclone` copies a directory into
 * it over the S3 protocol, lists it and reads a file back; the demo then looks at both
 * clouds directly and waits until every object is on both.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createS3Adapter } from '@polycloud/adapter-aws';
import { createAzureBlobAdapter } from '@polycloud/adapter-azure';
import { rcloneEnv, startTwoClouds } from '../packages/gateway/test/fixtures/two-clouds.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
const say = (line = '') => process.stdout.write(`${line}\n`);
const RCLONE = '/usr/bin/rclone';

function rclone(url: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(RCLONE, args, { env: rcloneEnv(url), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

async function main(): Promise<number> {
  if (!existsSync(RCLONE)) {
    say(`rclone is not installed (${RCLONE}): apt-get install rclone`);
    return 1;
  }
  say('== starting s3rver, Azurite and a polycloud gateway in front of them');
  const t = await startTwoClouds({ replication: 'async' });
  const work = await mkdtemp(join(tmpdir(), 'pc-demo-gateway-'));
  try {
    say(`gateway ${t.url}: LogicalBucket "lb" = s3rver bucket ${t.buckets.s3} (primary) + Azurite container ${t.buckets.azure} (standby)`);
    const src = join(work, 'photos');
    await mkdir(join(src, '2026'), { recursive: true });
    const files: Record<string, string> = {
      'README.txt': 'holiday photos, copied by rclone through the polycloud gateway\n',
      '2026/beach.jpg': 'not really a jpeg '.repeat(2000),
      '2026/mountain.jpg': 'also not a jpeg '.repeat(3000),
    };
    for (const [name, body] of Object.entries(files)) await writeFile(join(src, name), body);

    say('\n== rclone copy ./photos gw:lb/photos   (rclone sees an ordinary S3 endpoint)');
    const copy = await rclone(t.url, ['copy', src, 'gw:lb/photos']);
    if (copy.code !== 0) throw new Error(`rclone copy failed:\n${copy.stderr}`);
    say('rclone copy: exit 0');

    say('\n== rclone ls gw:lb/photos');
    say((await rclone(t.url, ['ls', 'gw:lb/photos'])).stdout.trimEnd());
    say('\n== rclone cat gw:lb/photos/README.txt');
    say((await rclone(t.url, ['cat', 'gw:lb/photos/README.txt'])).stdout.trimEnd());

    say('\n== the same objects, read straight from each cloud (no gateway)');
    const aws = createS3Adapter(
      { endpoint: t.s3rver.endpoint, region: t.s3rver.region, accessKey: t.s3rver.accessKeyId, secretKey: t.s3rver.secretAccessKey },
      { name: 'aws' },
    );
    const azure = createAzureBlobAdapter({ connectionString: t.azurite.connectionString }, { name: 'azure' });
    const digest = async (adapter: typeof aws, bucket: string, key: string): Promise<string | undefined> => {
      try {
        const { body } = await adapter.get(bucket, key);
        const h = createHash('sha256');
        for await (const c of body) h.update(c as Buffer);
        return h.digest('hex');
      } catch {
        return undefined;
      }
    };
    const rows: Record<string, { bytes: number; s3rver: string; azurite: string }> = {};
    const deadline = Date.now() + 60_000;
    let everywhere = false;
    while (!everywhere && Date.now() < deadline) {
      everywhere = true;
      for (const [name, body] of Object.entries(files)) {
        const want = createHash('sha256').update(body).digest('hex');
        const key = `photos/${name}`;
        const onAws = (await digest(aws, t.buckets.s3, key)) === want;
        const onAzure = (await digest(azure, t.buckets.azure, key)) === want;
        rows[key] = { bytes: Buffer.byteLength(body), s3rver: onAws ? 'identical' : 'missing', azurite: onAzure ? 'identical' : 'not yet' };
        everywhere &&= onAws && onAzure;
      }
      if (!everywhere) await new Promise((r) => setTimeout(r, 500));
    }
    console.table(rows);
    await Promise.allSettled([aws.close?.(), azure.close?.()]);
    say(everywhere ? '\nevery object is on both clouds: true' : '\nevery object is on both clouds: false (replication did not finish in 60 s)');
    return everywhere ? 0 : 1;
  } finally {
    await t.stop();
    await rm(work, { recursive: true, force: true });
  }
}

process.exitCode = await main();
