// Measures the memory adapter's list and put cost on a bucket with many objects.
// Run: node --import tsx scripts/bench/testing-memory-list.ts
import { createMemoryStorageAdapter } from '@polycloud/core/testing';

const m = createMemoryStorageAdapter({ buckets: ['b'] });
const N = 5_000;
const body = new Uint8Array(1024);
let t = performance.now();
for (let i = 0; i < N; i++) await m.put('b', `journal/${String(i).padStart(8, '0')}`, body);
console.log(`put ×${N}: ${(performance.now() - t).toFixed(0)} ms`);
t = performance.now();
const R = 200;
for (let i = 0; i < R; i++) await m.list('b', { prefix: 'journal/', pageSize: 100 });
console.log(`list (first page of 100 over ${N} objects) ×${R}: ${((performance.now() - t) / R).toFixed(2)} ms each`);
t = performance.now();
for (let i = 0; i < R; i++) await m.head('b', `journal/${String(i).padStart(8, '0')}`);
console.log(`head ×${R}: ${((performance.now() - t) / R).toFixed(3)} ms each`);
