// The row half of the serial EnSRF (rows.ts) through the WebAssembly SIMD kernel ensrf_rows
// (kernels/wasm/rows-kernel.ts), for no localisation and CT2007. Rows are copied, a block at a
// time, into the module's memory with two rows per f64x2 (lanes = rows, so each row's sums keep
// the member order of the JavaScript loop: same bits); every group of 2·ROW_PAIRS rows then
// takes all observations in sequence while it sits in L1, and the block is copied back. X′ is
// thus read and written once per call instead of twice per observation.
import { ensureScratch, SCRATCH_AT, type WasmKernels } from '../kernels/gemm-wasm';
import { REC_HEADER, ROW_PAIRS } from '../kernels/wasm/kernels.bytes';
import type { ObsSequence } from './sequence';

const GROUP_ROWS = 2 * ROW_PAIRS;
/** Rows per kernel call. */
const BLOCK_ROWS = 16 * GROUP_ROWS;
/** Observation records held in the module's memory at once (4 MB); more are fed in chunks. */
const MAX_RECORD_DOUBLES = 1 << 19;

/**
 * Update rows [rowStart, rowEnd) of x and X′ with the observations of `seq`, writing them to
 * xOut and XOut (which may be x and X′ themselves); CT2007 test on observations with
 * localize ≠ 0 when tValue ≥ 0. Returns false (nothing done) when the module's memory cannot
 * grow to hold the records and a block.
 */
export function updateRowsWasm(
  w: WasmKernels,
  seq: ObsSequence,
  x: Float64Array,
  X: Float64Array,
  rowStart: number,
  rowEnd: number,
  tValue: number,
  xOut: Float64Array,
  XOut: Float64Array,
): boolean {
  const N = seq.nmembers;
  const count = seq.count;
  if (rowEnd <= rowStart) return true;
  if (count === 0) {
    if (XOut !== X) XOut.set(X.subarray(rowStart * N, rowEnd * N), rowStart * N);
    if (xOut !== x) xOut.set(x.subarray(rowStart, rowEnd), rowStart);
    return true;
  }
  const rec = REC_HEADER + N;
  const chunk = Math.max(1, Math.min(count, Math.floor(MAX_RECORD_DOUBLES / rec)));
  const recAt = SCRATCH_AT;
  const blkAt = recAt + chunk * rec;
  const xAt = blkAt + BLOCK_ROWS * N;
  try {
    ensureScratch(w, chunk * rec + BLOCK_ROWS * N + BLOCK_ROWS);
  } catch {
    return false; // wasm32 memory limit: the JavaScript loop runs instead
  }
  const mem = w.mem;
  const writeRecords = (k0: number, k1: number): void => {
    for (let k = k0; k < k1; k++) {
      const o = recAt + (k - k0) * rec;
      mem.fill(0, o, o + REC_HEADER);
      // The test changes nothing when hCss ≤ 0 (rows.ts's `significant` returns true): skip it.
      mem[o] = tValue >= 0 && seq.localize[k] !== 0 && seq.hCss[k] > 0 ? 1 : 0;
      mem[o + 1] = seq.hSum[k];
      mem[o + 2] = seq.hCss[k];
      mem[o + 3] = seq.invDen[k];
      mem[o + 4] = seq.innovation[k];
      mem[o + 5] = seq.alpha[k];
      mem.set(seq.h.subarray(k * N, k * N + N), o + REC_HEADER);
    }
  };
  const single = chunk >= count;
  if (single) writeRecords(0, count);
  for (let r0 = rowStart; r0 < rowEnd; r0 += BLOCK_ROWS) {
    const nr = Math.min(BLOCK_ROWS, rowEnd - r0);
    const groups = Math.ceil(nr / GROUP_ROWS);
    // In: row i of the block → group i / GROUP_ROWS, column i % GROUP_ROWS; zero padding rows
    // (their gain is 0 and they are not copied back).
    for (let i = 0; i < groups * GROUP_ROWS; i++) {
      const base = blkAt + Math.floor(i / GROUP_ROWS) * N * GROUP_ROWS + (i % GROUP_ROWS);
      if (i < nr) {
        const o = (r0 + i) * N;
        for (let j = 0; j < N; j++) mem[base + j * GROUP_ROWS] = X[o + j];
        mem[xAt + i] = x[r0 + i];
      } else {
        for (let j = 0; j < N; j++) mem[base + j * GROUP_ROWS] = 0;
        mem[xAt + i] = 0;
      }
    }
    for (let k0 = 0; k0 < count; k0 += chunk) {
      const k1 = Math.min(count, k0 + chunk);
      if (!single) writeRecords(k0, k1);
      w.ensrfRows(recAt * 8, k1 - k0, N, blkAt * 8, xAt * 8, groups, tValue, N);
    }
    for (let i = 0; i < nr; i++) {
      const base = blkAt + Math.floor(i / GROUP_ROWS) * N * GROUP_ROWS + (i % GROUP_ROWS);
      const o = (r0 + i) * N;
      for (let j = 0; j < N; j++) XOut[o + j] = mem[base + j * GROUP_ROWS];
      xOut[r0 + i] = mem[xAt + i];
    }
  }
  return true;
}
