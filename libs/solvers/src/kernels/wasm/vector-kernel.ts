// Source of the WebAssembly SIMD level-2 kernels of the ensemble-space transform (one module
// with the GEMM kernels, see gemm-kernel.ts). T is n rows of `ld` doubles (ld even, the
// padding columns zero); h and u have ld doubles. All pointers are byte addresses, n ≥ 1.
//
//   combine_rows(a, t, h, n, ld)         h = Σ_i a[i]·T[i, :]           (h is overwritten)
//   row_dots(t, h, u, n, ld, scale)      u[i] = (T[i, :]·h)·scale
//   rank_one(t, u, h, n, ld, alpha)      T[i, :] −= (alpha·u[i])·h
//
// Each is the JavaScript loop it replaces (sequence.ts) with two columns per f64x2 and the same
// operation order: the row sums of row_dots keep even and odd columns apart and add them last,
// as kernels/vector.ts's dot does, so the results have the same bits.
import { Code, F64, I32, V128, type FunctionDef } from './assembler';

// Parameters
const P0 = 0, P1 = 1, P2 = 2, N = 3, LD = 4, SCALAR = 5;
// i32 locals
const ROW = 6, P = 7, Q = 8, END = 9;
// v128 local
const V = 10;

function prologue(c: Code): void {
  c.local_get(LD).i32_const(3).i32_shl().local_set(ROW);
}

/** combine_rows(a = P0, t = P1, h = P2, n, ld) */
function combineRows(): Code {
  const c = new Code();
  prologue(c);
  c.local_get(P2).local_get(ROW).i32_add().local_set(END);
  c.local_get(P2).local_set(P);
  c.loop(); // h = 0
  c.local_get(P).v128_const_zero().v128_store(0);
  c.local_get(P).i32_const(16).i32_add().local_tee(P).local_get(END).i32_lt_u().br_if(0);
  c.end();
  c.loop(); // over rows i
  {
    c.local_get(P0).v128_load64_splat(0).local_set(V);
    c.local_get(P2).local_set(P);
    c.local_get(P1).local_set(Q);
    c.loop(); // h[j:j+2] += a_i·T[i, j:j+2]
    c.local_get(P);
    c.local_get(P).v128_load(0).local_get(V).local_get(Q).v128_load(0).f64x2_mul().f64x2_add();
    c.v128_store(0);
    c.local_get(Q).i32_const(16).i32_add().local_set(Q);
    c.local_get(P).i32_const(16).i32_add().local_tee(P).local_get(END).i32_lt_u().br_if(0);
    c.end();
    c.local_get(P0).i32_const(8).i32_add().local_set(P0);
    c.local_get(P1).local_get(ROW).i32_add().local_set(P1);
    c.local_get(N).i32_const(1).i32_sub().local_tee(N).br_if(0);
  }
  c.end();
  return c;
}

/** row_dots(t = P0, h = P1, u = P2, n, ld, scale) */
function rowDots(): Code {
  const c = new Code();
  prologue(c);
  c.local_get(P1).local_get(ROW).i32_add().local_set(END);
  c.loop(); // over rows i
  {
    c.v128_const_zero().local_set(V);
    c.local_get(P1).local_set(P);
    c.local_get(P0).local_set(Q);
    c.loop(); // V += T[i, j:j+2]·h[j:j+2]
    c.local_get(V).local_get(Q).v128_load(0).local_get(P).v128_load(0).f64x2_mul().f64x2_add().local_set(V);
    c.local_get(Q).i32_const(16).i32_add().local_set(Q);
    c.local_get(P).i32_const(16).i32_add().local_tee(P).local_get(END).i32_lt_u().br_if(0);
    c.end();
    c.local_get(P2);
    c.local_get(V).f64x2_extract_lane(0).local_get(V).f64x2_extract_lane(1).f64_add().local_get(SCALAR).f64_mul();
    c.f64_store(0);
    c.local_get(P2).i32_const(8).i32_add().local_set(P2);
    c.local_get(P0).local_get(ROW).i32_add().local_set(P0);
    c.local_get(N).i32_const(1).i32_sub().local_tee(N).br_if(0);
  }
  c.end();
  return c;
}

/** rank_one(t = P0, u = P1, h = P2, n, ld, alpha) */
function rankOne(): Code {
  const c = new Code();
  prologue(c);
  c.local_get(P2).local_get(ROW).i32_add().local_set(END);
  c.loop(); // over rows i
  {
    c.local_get(SCALAR).local_get(P1).f64_load(0).f64_mul().f64x2_splat().local_set(V);
    c.local_get(P2).local_set(P);
    c.local_get(P0).local_set(Q);
    c.loop(); // T[i, j:j+2] −= (alpha·u_i)·h[j:j+2]
    c.local_get(Q);
    c.local_get(Q).v128_load(0).local_get(V).local_get(P).v128_load(0).f64x2_mul().f64x2_sub();
    c.v128_store(0);
    c.local_get(Q).i32_const(16).i32_add().local_set(Q);
    c.local_get(P).i32_const(16).i32_add().local_tee(P).local_get(END).i32_lt_u().br_if(0);
    c.end();
    c.local_get(P1).i32_const(8).i32_add().local_set(P1);
    c.local_get(P0).local_get(ROW).i32_add().local_set(P0);
    c.local_get(N).i32_const(1).i32_sub().local_tee(N).br_if(0);
  }
  c.end();
  return c;
}

export function vectorKernels(): FunctionDef[] {
  const def = (name: string, body: Code): FunctionDef => ({
    name,
    params: [I32, I32, I32, I32, I32, F64],
    locals: [
      [4, I32],
      [1, V128],
    ],
    body,
  });
  return [def('combine_rows', combineRows()), def('row_dots', rowDots()), def('rank_one', rankOne())];
}
