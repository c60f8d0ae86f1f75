// Tiny worker for the executor tests: real threads, no mocks.
import { threadId } from 'node:worker_threads';
import { Piscina } from 'piscina';

/** Doubles a transferred Float64Array and moves the result back. */
export function double(input: { data: Float64Array }): unknown {
  const out = new Float64Array(input.data.length);
  for (let k = 0; k < out.length; k++) out[k] = 2 * input.data[k]!;
  return Piscina.move(out);
}

/** Writes k² into slot k of a shared Float64Array for k in [from, to); returns the thread id. */
export function squaresShared(input: { shared: SharedArrayBuffer; from: number; to: number }): number {
  const a = new Float64Array(input.shared);
  for (let k = input.from; k < input.to; k++) a[k] = k * k;
  return threadId;
}

/** Throws until the shared counter reached `failures`, then returns the attempt count. */
export function flaky(input: { counter: SharedArrayBuffer; failures: number }): number {
  const c = new Int32Array(input.counter);
  const n = Atomics.add(c, 0, 1) + 1;
  if (n <= input.failures) throw new Error(`flaky failure ${n}`);
  return n;
}

/** Kills its own worker thread until the counter reached `deaths`. */
export function dies(input: { counter: SharedArrayBuffer; deaths: number }): number {
  const c = new Int32Array(input.counter);
  const n = Atomics.add(c, 0, 1) + 1;
  if (n <= input.deaths) process.exit(1);
  return n;
}

/** Tries to load gdal-async; returns the error message (or 'loaded'). */
export async function loadGdal(): Promise<string> {
  try {
    await import('gdal-async');
    return 'loaded';
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** Busy work for ~ms milliseconds; returns the thread id. */
export function spin(input: { ms: number }): number {
  const end = Date.now() + input.ms;
  let x = 0;
  while (Date.now() < end) x += Math.sqrt(x + 1);
  return x > 0 ? threadId : -1;
}
