// Source of the WebAssembly SIMD row kernel of the localised serial EnSRF (ensrf/rows-wasm.ts
// drives it; one module with the GEMM and vector kernels, see gemm-kernel.ts).
//
//   ensrf_rows(seq, count, n, blk, xp, groups, tValue, nf)     pointers are byte addresses
//
// Applies `count` ≥ 1 observation records, in order, to `groups` groups of ROW_PAIRS·2 state rows.
// Both lanes of an f64x2 are two different rows (never two members of one row), so every
// row's sums run over the members in order, one product rounded then added, exactly as the
// JavaScript loop in rows.ts — the same bits. Layouts (doubles):
//
//   record k at seq + k·(REC_HEADER + n):  [test, hSum, hCss, invDen, innovation, alpha, 0, 0,
//                                           h_0 … h_{n−1}]
//   group g of X′ at blk + g·n·2P:        member j of pair p (rows 2p, 2p+1 of the group) at
//                                          (j·P + p)·2 + lane        (P = ROW_PAIRS)
//   group g of x at xp + g·2P:            row 2p + lane at 2p + lane
//
// Per record and pair: d = Σ_j X′[r, j]·h_j; if `test` ≠ 0 also s = Σ_j X′[r, j] and
// q = Σ_j X′[r, j]², and d is zeroed where CT2007's test fails:
//   varx = q − s²/N,  corr = (d − s·hSum/N)/√(varx·hCss),  t = corr/√((1 − corr²)/(N − 2)),
//   zero when |t| < tValue and varx > 0 (the caller sets test = 0 when hCss ≤ 0);
// then g = d·invDen, x += g·innovation, X′[r, :] −= (alpha·g)·h.
import { Code, F64, I32, V128, type FunctionDef } from './assembler';

/** Row pairs per group (2·ROW_PAIRS rows share each load of h; 3·ROW_PAIRS accumulators). */
export const ROW_PAIRS = 3;
/** Doubles before h in a record. */
export const REC_HEADER = 8;
const OFF_TEST = 0, OFF_HSUM = 8, OFF_HCSS = 16, OFF_INVDEN = 24, OFF_INNOV = 32, OFF_ALPHA = 40;

// Parameters
const SEQ = 0, COUNT = 1, NM = 2, BLK = 3, XP = 4, GROUPS = 5, TVAL = 6, NF = 7;
// i32 locals
const GB = 8; // bytes of one group of X′
const RECB = 9; // bytes of one record
const HB = 10; // bytes of h (n doubles)
const I = 11, K = 12; // groups / records left
const R = 13, RN = 14, H = 15, HPREV = 16, HEND = 17, P = 18, XG = 19, XPG = 20;
// v128 locals
const HV = 21, HW = 22, V = 23, NFV = 24, NM2V = 25, TV = 26, ONE = 27, ZERO = 28, VARX = 29, CORR = 30, E = 31;
const ACC = 32; // d_p = ACC + p, s_p = ACC + PAIRS + p, q_p = ACC + 2·PAIRS + p, (alpha·g)_p = ACC + 3·PAIRS + p
const I32_LOCALS = 13;
const V128_LOCALS = 11; // + 4·PAIRS

/**
 * One pass over the members of the group: accumulate d (and s, q when `test`) for the record
 * whose h starts at H; when `update`, first X′ −= (alpha·g)_p · h_prev (h_prev at HPREV) and
 * accumulate on the updated values — the previous record's update fused with this record's sums.
 */
function memberLoop(c: Code, pairs: number, test: boolean, update: boolean): void {
  const step = 16 * pairs;
  c.loop();
  c.local_get(H).v128_load64_splat(0).local_set(HV);
  if (update) c.local_get(HPREV).v128_load64_splat(0).local_set(HW);
  for (let p = 0; p < pairs; p++) {
    const d = ACC + p, s = ACC + pairs + p, q = ACC + 2 * pairs + p, a = ACC + 3 * pairs + p;
    if (update) {
      c.local_get(P);
      c.local_get(P).v128_load(16 * p).local_get(a).local_get(HW).f64x2_mul().f64x2_sub().local_tee(V);
      c.v128_store(16 * p);
    } else c.local_get(P).v128_load(16 * p).local_set(V);
    c.local_get(d).local_get(V).local_get(HV).f64x2_mul().f64x2_add().local_set(d);
    if (test) {
      c.local_get(s).local_get(V).f64x2_add().local_set(s);
      c.local_get(q).local_get(V).local_get(V).f64x2_mul().f64x2_add().local_set(q);
    }
  }
  c.local_get(P).i32_const(step).i32_add().local_set(P);
  if (update) c.local_get(HPREV).i32_const(8).i32_add().local_set(HPREV);
  c.local_get(H).i32_const(8).i32_add().local_tee(H).local_get(HEND).i32_lt_u().br_if(0);
  c.end();
}

/** Sums for the record at `rec` (its test flag decides which loop), fused with an update when asked. */
function sums(c: Code, pairs: number, rec: number, update: boolean): void {
  c.local_get(rec).i32_const(8 * REC_HEADER).i32_add().local_tee(H).local_get(HB).i32_add().local_set(HEND);
  c.local_get(XG).local_set(P);
  for (let p = 0; p < pairs; p++) c.v128_const_zero().local_set(ACC + p);
  c.local_get(rec).f64_load(OFF_TEST).f64_const(0).f64_ne();
  c.if_();
  for (let p = 0; p < pairs; p++) c.v128_const_zero().local_tee(ACC + pairs + p).local_set(ACC + 2 * pairs + p);
  memberLoop(c, pairs, true, update);
  c.else_();
  memberLoop(c, pairs, false, update);
  c.end();
}

/** CT2007 test (if the record asks for it), then g = d·invDen, x += g·innovation, (alpha·g)_p. */
function finish(c: Code, pairs: number): void {
  c.local_get(R).f64_load(OFF_TEST).f64_const(0).f64_ne();
  c.if_();
  c.local_get(R).v128_load64_splat(OFF_HSUM).local_set(HV);
  c.local_get(R).v128_load64_splat(OFF_HCSS).local_set(E);
  for (let p = 0; p < pairs; p++) {
    const d = ACC + p, s = ACC + pairs + p, q = ACC + 2 * pairs + p;
    // varx = q − (s·s)/N
    c.local_get(q).local_get(s).local_get(s).f64x2_mul().local_get(NFV).f64x2_div().f64x2_sub().local_set(VARX);
    // corr = (d − (s·hSum)/N) / √(varx·hCss)
    c.local_get(d).local_get(s).local_get(HV).f64x2_mul().local_get(NFV).f64x2_div().f64x2_sub();
    c.local_get(VARX).local_get(E).f64x2_mul().f64x2_sqrt().f64x2_div().local_set(CORR);
    // d &= ~(|corr / √((1 − corr·corr)/(N − 2))| < tValue  and  varx > 0)
    c.local_get(d);
    c.local_get(CORR).local_get(ONE).local_get(CORR).local_get(CORR).f64x2_mul().f64x2_sub();
    c.local_get(NM2V).f64x2_div().f64x2_sqrt().f64x2_div().f64x2_abs().local_get(TV).f64x2_lt();
    c.local_get(VARX).local_get(ZERO).f64x2_gt().v128_and();
    c.v128_andnot().local_set(d);
  }
  c.end();
  c.local_get(R).v128_load64_splat(OFF_INVDEN).local_set(HV);
  c.local_get(R).v128_load64_splat(OFF_INNOV).local_set(E);
  c.local_get(R).v128_load64_splat(OFF_ALPHA).local_set(V);
  for (let p = 0; p < pairs; p++) {
    const d = ACC + p, a = ACC + 3 * pairs + p;
    c.local_get(d).local_get(HV).f64x2_mul().local_set(d); // g
    c.local_get(XPG);
    c.local_get(XPG).v128_load(16 * p).local_get(d).local_get(E).f64x2_mul().f64x2_add();
    c.v128_store(16 * p);
    c.local_get(V).local_get(d).f64x2_mul().local_set(a);
  }
}

function rowsBody(pairs: number): Code {
  const c = new Code();
  c.local_get(NM).i32_const(pairs).i32_mul().i32_const(4).i32_shl().local_set(GB); // n·P·16
  c.local_get(NM).i32_const(REC_HEADER).i32_add().i32_const(3).i32_shl().local_set(RECB);
  c.local_get(NM).i32_const(3).i32_shl().local_set(HB);
  c.local_get(NF).f64x2_splat().local_set(NFV);
  c.local_get(NF).f64_const(2).f64_sub().f64x2_splat().local_set(NM2V);
  c.local_get(TVAL).f64x2_splat().local_set(TV);
  c.f64_const(1).f64x2_splat().local_set(ONE);
  c.v128_const_zero().local_set(ZERO);
  c.local_get(BLK).local_set(XG);
  c.local_get(XP).local_set(XPG);
  c.local_get(GROUPS).local_set(I);
  c.loop(); // over groups
  {
    c.local_get(SEQ).local_set(R);
    c.local_get(COUNT).local_set(K);
    sums(c, pairs, R, false);
    c.loop(); // over records, in order
    {
      finish(c, pairs);
      c.local_get(K).i32_const(1).i32_sub().local_tee(K);
      c.if_();
      {
        // next record's sums on the rows as this record's update leaves them
        c.local_get(R).local_get(RECB).i32_add().local_set(RN);
        c.local_get(R).i32_const(8 * REC_HEADER).i32_add().local_set(HPREV);
        sums(c, pairs, RN, true);
        c.local_get(RN).local_set(R);
      }
      c.else_();
      {
        // last record: update only (X′ −= (alpha·g)_p·h)
        c.local_get(R).i32_const(8 * REC_HEADER).i32_add().local_tee(H).local_get(HB).i32_add().local_set(HEND);
        c.local_get(XG).local_set(P);
        c.loop();
        c.local_get(H).v128_load64_splat(0).local_set(HV);
        for (let p = 0; p < pairs; p++) {
          c.local_get(P);
          c.local_get(P).v128_load(16 * p).local_get(ACC + 3 * pairs + p).local_get(HV).f64x2_mul().f64x2_sub();
          c.v128_store(16 * p);
        }
        c.local_get(P).i32_const(16 * pairs).i32_add().local_set(P);
        c.local_get(H).i32_const(8).i32_add().local_tee(H).local_get(HEND).i32_lt_u().br_if(0);
        c.end();
      }
      c.end();
      c.local_get(K).br_if(0);
    }
    c.end();
    c.local_get(XG).local_get(GB).i32_add().local_set(XG);
    c.local_get(XPG).i32_const(16 * pairs).i32_add().local_set(XPG);
    c.local_get(I).i32_const(1).i32_sub().local_tee(I).br_if(0);
  }
  c.end();
  return c;
}

export function rowsKernels(pairs = ROW_PAIRS): FunctionDef[] {
  return [
    {
      name: 'ensrf_rows',
      params: [I32, I32, I32, I32, I32, I32, F64, F64],
      locals: [
        [I32_LOCALS, I32],
        [V128_LOCALS + 4 * pairs, V128],
      ],
      body: rowsBody(pairs),
    },
  ];
}
