// Source of the WebAssembly SIMD GEMM macro-kernels (the module's bytes, with the vector
// kernels of vector-kernel.ts and the EnSRF row kernel of rows-kernel.ts, are committed in kernels.bytes.ts; regenerate with `node --import tsx libs/solvers/scripts/generate-wasm.ts`,
// a test checks they are in sync).
//
//   gemm_panels(ap, bp, cp, mBlocks, nBlocks, kc)      all pointers are byte addresses
//   gemm_rows(ap, bp, cp, mBlocks, nBlocks, kc)
//
// C[0 : 4·mBlocks, 0 : 4·nBlocks] = A · Bp, written (not accumulated) row-major with
// ldc = 4·nBlocks doubles. Bp holds nBlocks column micro-panels (bp[j][p][0..3] =
// B[p, 4j+0..3]) — the layout of pack.ts's packB, padded with zeros to whole tiles. A is either
// mBlocks packed row micro-panels of kc×4 (gemm_panels: ap[i][p][0..3] = A[4i+0..3, p], as
// packA) or 4·mBlocks plain rows A_ROW_STRIDE doubles apart (gemm_rows; rows past the end of A
// only produce rows of C that the caller ignores). The 4×4 tile of C lives in eight
// f64x2 registers: per p, two loads of B, four load64_splat of A, eight mul and eight add
// (no fused multiply-add in WebAssembly SIMD 1.0). Each C entry is therefore the sum over p in
// order starting from 0, product rounded then added — the same bits as the JavaScript kernel.
import { assembleModule, Code, I32, V128, type FunctionDef } from './assembler';
import { rowsKernels } from './rows-kernel';
import { vectorKernels } from './vector-kernel';

// Parameters
const AP = 0, BP = 1, CP = 2, MBLOCKS = 3, NBLOCKS = 4, KC = 5;
// i32 locals
const LDC = 6; // bytes per row of C
const PANEL = 7; // bytes per packed micro-panel (kc × 4 doubles)
const J = 8, I = 9; // remaining column / row tiles
const A = 10, B = 11, AEND = 12; // streaming pointers of the inner loop
const APANEL = 13, BPANEL = 14; // current micro-panels
const CCOL = 15, C = 16, T = 17; // C tile column start, C tile, row address
// v128 locals
const ACC = 18; // ACC + 2q + h: rows q = 0..3, column pairs h = 0, 1
const B0 = 26, B1 = 27, AV = 28;

/**
 * How the kernel reads A. 'panels': packed row micro-panels (kc×4, one after the other).
 * 'rows': plain row-major rows with a fixed stride of A_ROW_STRIDE doubles (a block of A copied
 * in with memcpy-speed typed-array set, no packing); row tile i starts at 4·i·A_ROW_STRIDE.
 */
export type ALayout = 'panels' | 'rows';
export const A_ROW_STRIDE = 256;

function kernelBody(layout: ALayout): Code {
  const aRowBytes = 8 * A_ROW_STRIDE;
  const aStep = layout === 'panels' ? 32 : 8; // bytes per p
  const aSplat = (q: number) => (layout === 'panels' ? 8 * q : q * aRowBytes);
  const aTile = layout === 'panels' ? null : 4 * aRowBytes; // bytes between row tiles
  const c = new Code();
  c.local_get(NBLOCKS).i32_const(5).i32_shl().local_set(LDC);
  c.local_get(KC).i32_const(5).i32_shl().local_set(PANEL);
  c.local_get(BP).local_set(BPANEL);
  c.local_get(CP).local_set(CCOL);
  c.local_get(NBLOCKS).local_set(J);
  c.loop(); // over column tiles
  {
    c.local_get(AP).local_set(APANEL);
    c.local_get(CCOL).local_set(C);
    c.local_get(MBLOCKS).local_set(I);
    c.loop(); // over row tiles
    {
      for (let r = 0; r < 8; r++) c.v128_const_zero().local_set(ACC + r);
      c.local_get(APANEL).local_set(A);
      c.local_get(BPANEL).local_set(B);
      if (layout === 'panels') c.local_get(APANEL).local_get(PANEL).i32_add().local_set(AEND);
      else c.local_get(APANEL).local_get(KC).i32_const(3).i32_shl().i32_add().local_set(AEND);
      c.loop(); // over p: one rank-1 update of the 4×4 tile
      {
        c.local_get(B).v128_load(0).local_set(B0);
        c.local_get(B).v128_load(16).local_set(B1);
        for (let q = 0; q < 4; q++) {
          c.local_get(A).v128_load64_splat(aSplat(q)).local_set(AV);
          for (let h = 0; h < 2; h++) {
            c.local_get(ACC + 2 * q + h).local_get(AV).local_get(h === 0 ? B0 : B1).f64x2_mul().f64x2_add().local_set(ACC + 2 * q + h);
          }
        }
        c.local_get(B).i32_const(32).i32_add().local_set(B);
        c.local_get(A).i32_const(aStep).i32_add().local_tee(A).local_get(AEND).i32_lt_u().br_if(0);
      }
      c.end();
      // Store the tile: row q at C + q·ldc.
      c.local_get(C).local_set(T);
      for (let q = 0; q < 4; q++) {
        if (q > 0) c.local_get(T).local_get(LDC).i32_add().local_set(T);
        c.local_get(T).local_get(ACC + 2 * q).v128_store(0);
        c.local_get(T).local_get(ACC + 2 * q + 1).v128_store(16);
      }
      c.local_get(T).local_get(LDC).i32_add().local_set(C); // next tile row: C + 4·ldc
      if (aTile === null) c.local_get(APANEL).local_get(PANEL).i32_add().local_set(APANEL);
      else c.local_get(APANEL).i32_const(aTile).i32_add().local_set(APANEL);
      c.local_get(I).i32_const(1).i32_sub().local_tee(I).br_if(0);
    }
    c.end();
    c.local_get(BPANEL).local_get(PANEL).i32_add().local_set(BPANEL);
    c.local_get(CCOL).i32_const(32).i32_add().local_set(CCOL);
    c.local_get(J).i32_const(1).i32_sub().local_tee(J).br_if(0);
  }
  c.end();
  return c;
}

/** The module: memory (1 page initially; the caller grows it), gemm_panels, gemm_rows, the vector kernels and ensrf_rows. */
export function buildKernels(): Uint8Array {
  const fn = (name: string, layout: ALayout): FunctionDef => ({
    name,
    params: [I32, I32, I32, I32, I32, I32],
    locals: [
      [12, I32],
      [11, V128],
    ],
    body: kernelBody(layout),
  });
  return assembleModule([fn('gemm_panels', 'panels'), fn('gemm_rows', 'rows'), ...vectorKernels(), ...rowsKernels()], 1);
}
