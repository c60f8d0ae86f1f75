import { describe, expect, it, afterAll } from 'vitest';
import { isTanhuiError } from '@tanhui/core';
import { PiscinaExecutor } from './piscina-executor';
import { InlineExecutor } from './inline-executor';

const fixture = new URL('./__fixtures__/tiny-worker.ts', import.meta.url);

describe('PiscinaExecutor on real worker threads', () => {
  const ex = new PiscinaExecutor({ filename: fixture, workers: 2, retries: 2 });
  afterAll(() => ex.close());

  it('moves a transferred input to the worker and the result back', async () => {
    const data = Float64Array.from({ length: 1000 }, (_, k) => k + 0.5);
    const out = await ex.run<{ data: Float64Array }, Float64Array>('double', { data }, { transferList: [data.buffer as ArrayBuffer] });
    expect(data.byteLength).toBe(0); // moved, not copied
    expect(out).toBeInstanceOf(Float64Array);
    expect(out.length).toBe(1000);
    for (let k = 0; k < 1000; k++) expect(out[k]).toBe(2 * (k + 0.5));
  });

  it('shares a SharedArrayBuffer between two workers', async () => {
    const n = 4000;
    const shared = new SharedArrayBuffer(8 * n);
    const ids = await Promise.all([
      ex.run<unknown, number>('squaresShared', { shared, from: 0, to: n / 2 }),
      ex.run<unknown, number>('squaresShared', { shared, from: n / 2, to: n }),
    ]);
    const a = new Float64Array(shared);
    for (let k = 0; k < n; k++) expect(a[k]).toBe(k * k);
    expect(ids.every((id) => id > 0)).toBe(true); // ran off the main thread (threadId 0)
  });

  it('runs two tasks at once on two workers', async () => {
    const ids = await Promise.all([ex.run<unknown, number>('spin', { ms: 150 }), ex.run<unknown, number>('spin', { ms: 150 })]);
    expect(new Set(ids).size).toBe(2);
  });

  it('retries a task that throws (default 2 retries) and succeeds on the third attempt', async () => {
    const counter = new SharedArrayBuffer(4);
    const before = ex.stats().retries;
    await expect(ex.run('flaky', { counter, failures: 2 })).resolves.toBe(3);
    expect(ex.stats().retries - before).toBe(2);
  });

  it('fails with WorkerFailed after the retries are used up', async () => {
    const counter = new SharedArrayBuffer(4);
    const err = await ex.run('flaky', { counter, failures: 5 }, { label: 'group 3' }).catch((e: unknown) => e);
    expect(isTanhuiError(err, 'WorkerFailed')).toBe(true);
    expect((err as Error).message).toMatch(/group 3 failed after 3 attempt/);
    expect(new Int32Array(counter)[0]).toBe(3);
  });

  it('replaces a worker that dies and retries its task', async () => {
    const counter = new SharedArrayBuffer(4);
    await expect(ex.run('dies', { counter, deaths: 1 })).resolves.toBe(2);
  });

  it('keeps gdal-async out of workers', async () => {
    const msg = await ex.run<unknown, string>('loadGdal', {});
    expect(msg).toMatch(/must not load gdal-async/);
  });

  it('validates its options with messages naming them', () => {
    expect(() => new PiscinaExecutor({ filename: fixture, workers: 0 })).toThrow(/options.workers must be an integer ≥ 1/);
    expect(() => new PiscinaExecutor({ filename: fixture, retries: -1 })).toThrow(/options.retries must be an integer ≥ 0/);
    expect(() => new PiscinaExecutor({ filename: '/nonexistent/worker.ts' })).toThrow(/options.filename/);
  });
});

describe('InlineExecutor', () => {
  it('runs the same task module in the calling thread with the same retry contract', async () => {
    const ex = new InlineExecutor(() => import('./__fixtures__/tiny-worker'), 1);
    const data = Float64Array.of(1, 2, 3);
    await expect(ex.run('double', { data })).resolves.toEqual(Float64Array.of(2, 4, 6));
    const counter = new SharedArrayBuffer(4);
    await expect(ex.run('flaky', { counter, failures: 1 })).resolves.toBe(2);
    const err = await ex.run('flaky', { counter: new SharedArrayBuffer(4), failures: 9 }).catch((e: unknown) => e);
    expect(isTanhuiError(err, 'WorkerFailed')).toBe(true);
  });
});
