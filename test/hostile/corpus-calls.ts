import { Readable } from 'node:stream';
import { accept, badArg, type CallCase } from './types.js';

const ok = 'x';
/** A call case: `run` gets a LogicalBucket over one memory binding. */
const call = (name: string, run: CallCase['run'], expect: CallCase['expect']): CallCase => ({ kind: 'call', name, run, expect });

/** Object keys and call options on a LogicalBucket (memory binding). */
export const callCases: CallCase[] = [
  // — object keys —
  call('a plain key', (b) => b.put('a/b.txt', ok), accept),
  call('a key of 1024 UTF-8 bytes', (b) => b.put('k'.repeat(1024), ok), accept),
  call('a key of 1025 bytes', (b) => b.put('k'.repeat(1025), ok), badArg(['key'])),
  call('a key of 342 three-byte characters (1026 bytes)', (b) => b.put('€'.repeat(342), ok), badArg(['key'])),
  call('an empty key', (b) => b.put('', ok), badArg(['key'])),
  call('a key with NUL', (b) => b.put('a\u0000b', ok), badArg(['key'])),
  call('a key with a newline', (b) => b.put('a\nb', ok), badArg(['key'])),
  call('a key with DEL', (b) => b.put('a\u007fb', ok), badArg(['key'])),
  call('a key with a backslash', (b) => b.put('a\\b', ok), badArg(['key'])),
  call('a key ../x', (b) => b.put('../x', ok), badArg(['key'])),
  call('a key a/../b', (b) => b.put('a/../b', ok), badArg(['key'])),
  call('a key ./a', (b) => b.put('./a', ok), badArg(['key'])),
  call('a key ..', (b) => b.put('..', ok), badArg(['key'])),
  call('a key with a lone high surrogate', (b) => b.put('a\ud800', ok), badArg(['key'])),
  call('a key with a lone low surrogate', (b) => b.put('\udc00a', ok), badArg(['key'])),
  call('a key that is a number', (b) => b.put(42 as unknown as string, ok), badArg(['key'])),
  call('a key that is null', (b) => b.get(null as unknown as string), badArg(['key'])),
  call('a key with an emoji (a surrogate pair)', (b) => b.put('a/😀', ok), accept),
  call('a key with a right-to-left override', (b) => b.put('a\u202Etxt.exe', ok), accept),
  call('a key "..." (not a dot segment)', (b) => b.put('.../x', ok), accept),
  call('copy to a key ../x', (b) => b.copy('a', '../x'), badArg(['destination'])),
  call('copy from an empty key', (b) => b.copy('', 'x'), badArg(['source'])),

  // — call options: strict —
  call(
    'put ifmatch (a typo of ifMatch) is refused, never an unconditional write',
    (b) => b.put('exists.txt', 'v', { ifmatch: '0-stale' } as never),
    badArg(['options', 'ifmatch']),
  ),
  call('put IfNoneMatch (wrong case)', (b) => b.put('k', ok, { IfNoneMatch: '*' } as never), badArg(['options', 'IfNoneMatch'])),
  call('put ifMatch and ifNoneMatch together', (b) => b.put('k', ok, { ifMatch: 'x', ifNoneMatch: '*' }), badArg(['options', 'ifNoneMatch'])),
  call('put ifNoneMatch "yes"', (b) => b.put('k', ok, { ifNoneMatch: 'yes' as '*' }), badArg(['options', 'ifNoneMatch'])),
  call('put ifMatch empty', (b) => b.put('k', ok, { ifMatch: '' }), badArg(['options', 'ifMatch'])),
  call('put timeoutMs 0', (b) => b.put('k', ok, { timeoutMs: 0 }), badArg(['options', 'timeoutMs'])),
  call('put timeoutMs NaN', (b) => b.put('k', ok, { timeoutMs: Number.NaN }), badArg(['options', 'timeoutMs'])),
  call('put timeoutMs of a year', (b) => b.put('k', ok, { timeoutMs: 365 * 24 * 3_600_000 }), badArg(['options', 'timeoutMs'])),
  call('put signal that is not a signal', (b) => b.put('k', ok, { signal: {} as AbortSignal }), badArg(['options', 'signal'])),
  call('put contentLength -1', (b) => b.put('k', ok, { contentLength: -1 }), badArg(['options', 'contentLength'])),
  call('put contentType empty', (b) => b.put('k', ok, { contentType: '' }), badArg(['options', 'contentType'])),
  call(
    'put metadata with an own __proto__ key',
    (b) => b.put('k', ok, { metadata: JSON.parse('{"__proto__": "x"}') as Record<string, string> }),
    badArg(['options', 'metadata', '__proto__']),
  ),
  call(
    'put tags with an own __proto__ key',
    (b) => b.put('k', ok, { tags: JSON.parse('{"__proto__": "eu"}') as Record<string, string> }),
    badArg(['options', 'tags', '__proto__']),
  ),
  call('put metadata named with upper case', (b) => b.put('k', ok, { metadata: { Owner: 'x' } }), badArg(['metadata', 'Owner'])),
  call(
    'put options as a Proxy that throws',
    (b) =>
      b.put(
        'k',
        ok,
        new Proxy(
          { timeoutMs: 5 },
          {
            get() {
              throw new Error('trap');
            },
          },
        ),
      ),
    badArg(['options']),
  ),
  call(
    'put options with a throwing getter',
    (b) =>
      b.put('k', ok, {
        get timeoutMs(): number {
          throw new Error('boom');
        },
      }),
    badArg(['options']),
  ),
  call('put a body that is a number', (b) => b.put('k', 42 as unknown as string), badArg(['body'])),
  call('put with valid options', (b) => b.put('k', ok, { contentType: 'text/plain', metadata: { owner: 'x' }, timeoutMs: 5000 }), accept),
  call('list limit 0 (not an option) is refused', (b) => b.list({ limit: 0 } as never), badArg(['options', 'limit'])),
  call('list pageSize 0', (b) => b.list({ pageSize: 0 }), badArg(['options', 'pageSize'])),
  call('list pageSize 1.5', (b) => b.list({ pageSize: 1.5 }), badArg(['options', 'pageSize'])),
  call('list prefix of 2000 characters', (b) => b.list({ prefix: 'p'.repeat(2000) }), badArg(['options', 'prefix'])),
  call('list delimiter empty', (b) => b.list({ delimiter: '' }), badArg(['options', 'delimiter'])),
  call('list with valid options', (b) => b.list({ prefix: 'a/', pageSize: 10 }), accept),
  call(
    'presign with binding (not honoured) is refused',
    (b) => b.presign('k', { method: 'GET', expiresInSeconds: 60, binding: 'az' } as never),
    badArg(['options', 'binding']),
  ),
  call('presign expiresInSeconds 0', (b) => b.presign('k', { method: 'GET', expiresInSeconds: 0 }), badArg(['options', 'expiresInSeconds'])),
  call('presign method DELETE', (b) => b.presign('k', { method: 'DELETE' as 'GET', expiresInSeconds: 60 }), badArg(['options', 'method'])),
  call(
    'presign expiresInSeconds of 8 days',
    (b) => b.presign('k', { method: 'GET', expiresInSeconds: 8 * 24 * 3600 }),
    badArg(['options', 'expiresInSeconds']),
  ),
  call('get range start -1', (b) => b.get('k', { range: { start: -1 } }), badArg(['options', 'range', 'start'])),
  call('get range end before start', (b) => b.get('k', { range: { start: 5, end: 2 } }), badArg(['options', 'range', 'end'])),
  call('get range with an unknown key', (b) => b.get('k', { range: { start: 0, length: 5 } as never }), badArg(['options', 'range', 'length'])),
  call('get binding empty', (b) => b.get('k', { binding: '' }), badArg(['options', 'binding'])),
  call('get Range (wrong case)', (b) => b.get('k', { Range: { start: 0 } } as never), badArg(['options', 'Range'])),
  call('head with an unknown option', (b) => b.head('k', { ifMatch: 'x' } as never), badArg(['options', 'ifMatch'])),
  call('delete ifmatch (typo)', (b) => b.delete('k', { ifmatch: 'x' } as never), badArg(['options', 'ifmatch'])),
  call('delete ifMatch empty', (b) => b.delete('k', { ifMatch: '' }), badArg(['options', 'ifMatch'])),
  call('copy with ifmatch (typo)', (b) => b.copy('k', 'k2', { ifmatch: 'x' } as never), badArg(['options', 'ifmatch'])),
  call('deleteMany with an unknown option', (b) => b.deleteMany(['k'], { force: true } as never), badArg(['options', 'force'])),
  call('a stalled body with timeoutMs 300 → TIMEOUT', (b) => b.put('stalled', new Readable({ read() {} }), { timeoutMs: 300 }), { code: 'TIMEOUT', path: [] }),
  call('a stalled body aborted by its signal → ABORTED', (b) => b.put('stalled', new Readable({ read() {} }), { signal: AbortSignal.timeout(300) }), {
    code: 'ABORTED',
    path: [],
  }),
];
