import { runStorageAdapterConformance } from '@polycloud/core/testing';
import { type FauxqsEmulator, startFauxqs } from '@polycloud/emulators';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { s3AdditionalTests } from './s3-additional.js';
import { emulatorEnv } from './s3-env.js';

let emu: FauxqsEmulator;
beforeAll(async () => {
  emu = await startFauxqs();
});
afterAll(async () => {
  await emu?.stop();
});

runStorageAdapterConformance({
  name: 'aws (fauxqs 1.9.2)',
  // fauxqs rejects request bodies over 11 MiB (413): larger byte bodies go multipart.
  create: () => emulatorEnv(emu, { maxSinglePutBytes: 10 * 1024 * 1024 }),
  // fauxqs is in memory: it restarts empty (the fault cases create the bucket again).
  faults: { stop: () => emu.stop(), start: () => emu.restart() },
  gaps: {
    conditionalWrite: 'fauxqs 1.9.2 ignores If-Match / If-None-Match on PutObject and GetObject',
    conditionalDelete: 'fauxqs 1.9.2 ignores If-Match on DeleteObject',
    presign:
      'fauxqs 1.9.2 serves a presigned URL without verifying its signature (s3rver checks only the access key id), so the case would pass with any signature',
    utf8ListOrder: 'fauxqs 1.9.2 sorts listings with localeCompare (case-insensitive), not UTF-8 byte order',
  },
  additionalTests: (get) => {
    it('list (order aside) returns every key under the prefix once, with sizes and versionTokens', async () => {
      const { adapter, bucket } = get();
      const names = ['a.txt', 'B.txt', 'é.txt', 'dir/one'];
      for (const n of names) await adapter.put(bucket, `order-aside/${n}`, Buffer.from(n));
      const page = await adapter.list(bucket, { prefix: 'order-aside/' });
      expect(page.objects.map((o) => o.key).sort()).toEqual(names.map((n) => `order-aside/${n}`).sort());
      for (const o of page.objects) {
        expect(o.size).toBe(Buffer.byteLength(o.key.slice('order-aside/'.length)));
        expect(o.versionToken).toMatch(/^[0-9a-f]{32}$/);
      }
      await adapter.deleteMany(
        bucket,
        page.objects.map((o) => o.key),
      );
    });
    s3AdditionalTests(get, {
      oversizeBytes: 12 * 1024 * 1024,
      copyContentTypeGap: "fauxqs 1.9.2's CopyObject always keeps the source's Content-Type, even with MetadataDirective REPLACE",
    });
  },
});
