import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { createPolycloud, type PolycloudError } from '@polycloud/core';
import { caughtError } from '@polycloud/core/testing';
import {
  generateAccountSASQueryParameters,
  AccountSASPermissions,
  AccountSASResourceTypes,
  AccountSASServices,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { mapAzureError } from '@polycloud/adapter-azure';
import { useAzurite } from './azurite-fixture.js';

const az = useAzurite();
const WRONG_KEY = Buffer.alloc(64, 0x5a).toString('base64');

function expectNoSecret(e: PolycloudError, ...secrets: string[]) {
  const shown = [e.message, JSON.stringify(e), String(e.stack)];
  for (const s of secrets) for (const text of shown) expect(text).not.toContain(s);
}

describe('azure-blob error mapping against Azurite', () => {
  it('missing blob and missing container → NOT_FOUND, not retryable', async () => {
    const a = az.adapter();
    const c = await az.container(a);
    for (const e of [await caughtError(a.get(c, 'missing')), await caughtError(a.head(c, 'missing')), await caughtError(a.head('no-such-container', 'k'))]) {
      expect(e.code).toBe('NOT_FOUND');
      expect(e.retryable).toBe(false);
      expect(e.context.provider).toBe('azure-blob');
    }
    expect((await caughtError(a.copy(c, 'missing', 'dst'))).code).toBe('NOT_FOUND');
  });

  it('preconditions are enforced: wrong ifMatch → CONDITION_NOT_MET, ifNoneMatch on an existing blob → ALREADY_EXISTS', async () => {
    const a = az.adapter();
    const c = await az.container(a);
    const { versionToken } = await a.put(c, 'k', Buffer.from('v1'));
    const stale = versionToken.replace(/[0-9A-F](?="$)/, (d) => (d === '0' ? '1' : '0'));
    for (const e of [
      await caughtError(a.put(c, 'k', Buffer.from('v2'), { ifMatch: stale })),
      await caughtError(a.get(c, 'k', { ifMatch: stale })),
      await caughtError(a.delete(c, 'k', { ifMatch: stale })),
      await caughtError(a.copy(c, 'k', 'k2', { sourceIfMatch: stale })),
    ]) {
      expect(e.code).toBe('CONDITION_NOT_MET');
      expect(e.retryable).toBe(false);
    }
    // No blob, no current version: a conditional delete cannot match (as in the memory adapter).
    expect((await caughtError(a.delete(c, 'never-written', { ifMatch: versionToken }))).code).toBe('CONDITION_NOT_MET');
    await a.delete(c, 'never-written');
    const exists = await caughtError(a.put(c, 'k', Buffer.from('v2'), { ifNoneMatch: '*' }));
    expect(exists.code).toBe('ALREADY_EXISTS');
    expect(exists.retryable).toBe(false);
    expect((await a.get(c, 'k')).info.versionToken).toBe(versionToken);
  });

  it('keys the blob URL would rewrite (dot segments, backslashes) → INVALID_ARGUMENT, nothing written elsewhere', async () => {
    const a = az.adapter();
    const c = await az.container(a);
    for (const key of ['a/../b', './b', 'x/./b', '..', 'back\\slash']) {
      const e = await caughtError(a.put(c, key, Buffer.from('x')));
      expect(e.code).toBe('INVALID_ARGUMENT');
      expect(e.retryable).toBe(false);
      expect((await caughtError(a.get(c, key))).code).toBe('INVALID_ARGUMENT');
    }
    expect((await a.list(c)).objects).toEqual([]);
    const many = await a.deleteMany(c, ['ok', 'a/../b']);
    expect(many.deleted).toEqual(['ok']);
    expect(many.errors.map((x) => [x.key, (x.error as PolycloudError).code])).toEqual([['a/../b', 'INVALID_ARGUMENT']]);
    // Dots inside a segment are ordinary characters.
    await a.put(c, 'a/..b/.c.', Buffer.from('fine'));
    expect((await a.list(c)).objects.map((o) => o.key)).toEqual(['a/..b/.c.']);
  });

  it('a range starting at or past the end → INVALID_ARGUMENT, also on an empty blob', async () => {
    const a = az.adapter();
    const c = await az.container(a);
    await a.put(c, 'empty', new Uint8Array(0));
    await a.put(c, 'three', Buffer.from('abc'));
    for (const [key, range] of [
      ['empty', { start: 0 }],
      ['empty', { start: 0, end: 4 }],
      ['three', { start: 3 }],
      ['three', { start: 5, end: 9 }],
    ] as const) {
      const e = await caughtError(a.get(c, key, { range }));
      expect(e.code).toBe('INVALID_ARGUMENT');
      expect(e.retryable).toBe(false);
    }
  });

  it('a wrong account key → PERMISSION_DENIED, with no key in the error', async () => {
    const bad = az.adapter({ accountName: az.emulator.accountName, accountKey: WRONG_KEY, endpoint: az.emulator.blobEndpoint });
    const e = await caughtError(bad.head('any-container', 'k'));
    expect(e.code).toBe('PERMISSION_DENIED');
    expect(e.retryable).toBe(false);
    expectNoSecret(e, WRONG_KEY, az.emulator.accountKey);
    expect(inspect(e, { depth: 6 })).not.toContain(WRONG_KEY);
  });

  it('a forged SAS → PERMISSION_DENIED, with no signature in the error', async () => {
    const good = generateAccountSASQueryParameters(
      {
        expiresOn: new Date(Date.now() + 3600_000),
        permissions: AccountSASPermissions.parse('rl'),
        resourceTypes: AccountSASResourceTypes.parse('sco').toString(),
        services: AccountSASServices.parse('b').toString(),
      },
      new StorageSharedKeyCredential(az.emulator.accountName, WRONG_KEY),
    );
    const sig = good.signature;
    const bad = az.adapter({ sasUrl: `${az.emulator.blobEndpoint}?${good.toString()}` });
    const e = await caughtError(bad.list('any-container'));
    expect(e.code).toBe('PERMISSION_DENIED');
    expectNoSecret(e, sig, encodeURIComponent(sig));
  });
});

describe('mapAzureError (provider errors Azurite cannot produce)', () => {
  const rest = (statusCode: number | undefined, code: string | undefined, message = 'boom') =>
    Object.assign(new Error(message), { name: 'RestError', statusCode, code });
  const cases: [unknown, string, boolean][] = [
    [rest(503, 'ServerBusy'), 'RATE_LIMITED', true],
    [rest(429, undefined), 'RATE_LIMITED', true],
    [rest(500, 'OperationTimedOut'), 'TIMEOUT', true],
    [rest(500, 'InternalError'), 'UNAVAILABLE', true],
    [rest(503, undefined), 'UNAVAILABLE', true],
    [rest(409, 'LeaseIdMissing'), 'CONFLICT', false],
    [rest(403, 'AuthorizationPermissionMismatch'), 'PERMISSION_DENIED', false],
    [rest(undefined, 'ECONNRESET'), 'UNAVAILABLE', true],
    [rest(undefined, 'REQUEST_SEND_ERROR'), 'UNAVAILABLE', true],
    [rest(undefined, 'ETIMEDOUT'), 'TIMEOUT', true],
    // core's classifyNetworkError: codes nested in `cause` (fetch / undici) and codes the old local list lacked
    [Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('x'), { code: 'UND_ERR_BODY_TIMEOUT' }) }), 'TIMEOUT', true],
    [Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('x'), { code: 'UND_ERR_CLOSED' }) }), 'UNAVAILABLE', true],
    [Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' }), 'ABORTED', false],
    [new TypeError('weird'), 'UNEXPECTED', false],
  ];
  it.each(cases)('%s → %s (retryable %s)', (error, code, retryable) => {
    const e = mapAzureError(error, { operation: 'get', key: 'k' });
    expect(e.code).toBe(code);
    expect(e.retryable).toBe(retryable);
    expect(e.cause).toBe(error);
  });

  it('redacts signatures and keys that appear in a provider message', () => {
    const e = mapAzureError(rest(403, 'AuthenticationFailed', 'bad http://h/c/k?sv=2020&sig=SECRETSIG123 AccountKey=SECRETKEY456;'), { operation: 'get' });
    expect(e.message).not.toContain('SECRETSIG123');
    expect(e.message).not.toContain('SECRETKEY456');
  });

  it('an abort is ABORTED whatever its reason: core execute() turns its own deadline into TIMEOUT', () => {
    const ac = new AbortController();
    ac.abort(Object.assign(new Error('deadline'), { name: 'TimeoutError' }));
    const e = mapAzureError(Object.assign(new Error('aborted'), { name: 'AbortError' }), { operation: 'get' }, ac.signal);
    expect(e.code).toBe('ABORTED');
    expect(e.retryable).toBe(false);
  });
});

describe('oversized metadata (issue 13: HTTP 431 was UNEXPECTED)', () => {
  it('HTTP 431 (request headers too large) → INVALID_ARGUMENT, not retryable', () => {
    const e = mapAzureError({ name: 'RestError', statusCode: 431, message: 'Request Header Fields Too Large' }, { operation: 'put', key: 'k' });
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.retryable).toBe(false);
  });

  it('1 MiB of metadata against Azurite → INVALID_ARGUMENT', async () => {
    const a = az.adapter();
    const c = await az.container(a);
    const e = await caughtError(a.put(c, 'big-metadata', new Uint8Array([1]), { metadata: { big: 'x'.repeat(1024 * 1024) } }));
    expect(e.code).toBe('INVALID_ARGUMENT');
    await expect(a.head(c, 'big-metadata')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('a stalled upload through the facade on Azurite (issue 13: still pending after 60 s)', () => {
  it('timeoutMs → TIMEOUT, an AbortSignal → ABORTED, within the bound, and no blob is left', async () => {
    const adapter = az.adapter();
    const container = await az.container(adapter);
    const polycloud = createPolycloud({
      providers: [{ name: 'az', adapter }],
      resources: [{ resource_id: 'lb', type: 'LogicalBucket', providers: [{ cloud: 'az', physical_id: container }] }],
    });
    try {
      const bucket = polycloud.bucket('lb');
      const started = Date.now();
      await expect(bucket.put('stalled', new Readable({ read() {} }), { timeoutMs: 1000 })).rejects.toMatchObject({ code: 'TIMEOUT' });
      const partial = new Readable({ read() {} });
      partial.push(Buffer.alloc(64 * 1024, 1));
      await expect(bucket.put('stalled', partial, { signal: AbortSignal.timeout(500) })).rejects.toMatchObject({ code: 'ABORTED' });
      expect(Date.now() - started).toBeLessThan(10_000);
      await expect(adapter.head(container, 'stalled')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    } finally {
      await polycloud.close();
    }
  }, 30_000);
});
