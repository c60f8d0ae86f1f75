// Packing of GEMM operands into micro-panels (BLIS layout), shared by the JavaScript and the
// WebAssembly kernels: whatever the transposes, the kernels then stream both with unit stride.
// Partial panels are padded with zeros so the kernels always compute whole 4×4 tiles.

export const MR = 4;
export const NR = 4;

/** Pack alpha·opA[ic:ic+mc, pc:pc+kc] as row micro-panels: ap[dst + (i/MR)·MR·kc + p·MR + i%MR]. */
export function packA(
  trans: boolean,
  a: Float64Array,
  off: number,
  ld: number,
  ic: number,
  mc: number,
  pc: number,
  kc: number,
  alpha: number,
  ap: Float64Array,
  dst: number,
): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const base = dst + ir * kc;
    const rows = Math.min(MR, mc - ir);
    for (let q = 0; q < MR; q++) {
      if (q >= rows) {
        for (let p = 0; p < kc; p++) ap[base + p * MR + q] = 0;
        continue;
      }
      const i = ic + ir + q;
      if (trans) {
        let src = off + pc * ld + i;
        for (let p = 0; p < kc; p++, src += ld) ap[base + p * MR + q] = alpha * a[src];
      } else {
        const src = off + i * ld + pc;
        for (let p = 0; p < kc; p++) ap[base + p * MR + q] = alpha * a[src + p];
      }
    }
  }
}

/** Pack opB[pc:pc+kc, jc:jc+nc] as column micro-panels: bp[dst + (j/NR)·NR·kc + p·NR + j%NR]. */
export function packB(
  trans: boolean,
  b: Float64Array,
  off: number,
  ld: number,
  pc: number,
  kc: number,
  jc: number,
  nc: number,
  bp: Float64Array,
  dst: number,
): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const base = dst + jr * kc;
    const cols = Math.min(NR, nc - jr);
    if (!trans && cols === NR) {
      let src = off + pc * ld + jc + jr;
      for (let p = 0; p < kc; p++, src += ld) {
        const d = base + p * NR;
        bp[d] = b[src];
        bp[d + 1] = b[src + 1];
        bp[d + 2] = b[src + 2];
        bp[d + 3] = b[src + 3];
      }
      continue;
    }
    for (let q = 0; q < NR; q++) {
      if (q >= cols) {
        for (let p = 0; p < kc; p++) bp[base + p * NR + q] = 0;
        continue;
      }
      const j = jc + jr + q;
      if (trans) {
        const src = off + j * ld + pc;
        for (let p = 0; p < kc; p++) bp[base + p * NR + q] = b[src + p];
      } else {
        let src = off + pc * ld + j;
        for (let p = 0; p < kc; p++, src += ld) bp[base + p * NR + q] = b[src];
      }
    }
  }
}
