// A literal transcription of CTDAS's serial_minimum_least_squares (optimizer.py) for tests,
// with its loops in the original order and numpy.corrcoef written out; the one deliberate
// difference is that observation 0's Hx/HX′ is updated too (the issue's correction).

export interface RefProblem {
  nparams: number;
  N: number;
  nobs: number;
  x: Float64Array;
  Xp: Float64Array;
  Hx: Float64Array;
  HXp: Float64Array;
  obs: Float64Array;
  R: Float64Array;
  mayReject: number[];
  mayLocalize: number[];
  flags: number[];
}

function corrcoef(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, v) => s + v, 0) / n;
  const mb = b.reduce((s, v) => s + v, 0) / n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

export function ctdasSerialReference(p: RefProblem, localization: 'none' | 'CT2007', tvalue: number, threshold = 3) {
  const { nparams, N, nobs } = p;
  const x = Array.from(p.x);
  const X = Array.from({ length: nparams }, (_, r) => Array.from(p.Xp.subarray(r * N, r * N + N)));
  const Hx = Array.from(p.Hx);
  const HX = Array.from({ length: nobs }, (_, m) => Array.from(p.HXp.subarray(m * N, m * N + N)));
  const flags = [...p.flags];
  const HPHR = new Array<number>(nobs).fill(NaN);
  for (let n = 0; n < nobs; n++) {
    if (flags[n] !== 0) continue;
    let res = p.obs[n] - Hx[n];
    if (p.mayReject[n]) {
      if (Math.abs(res) > threshold * Math.sqrt(p.R[n])) {
        flags[n] = 2;
        continue;
      }
    }
    const PHt = X.map((row) => row.reduce((s, v, j) => s + v * HX[n][j], 0) / (N - 1));
    HPHR[n] = HX[n].reduce((s, v) => s + v * v, 0) / (N - 1) + p.R[n];
    const KG = PHt.map((v) => v / HPHR[n]);
    if (p.mayLocalize[n] && localization === 'CT2007') {
      for (let r = 0; r < nparams; r++) {
        const corr = corrcoef(HX[n], X[r]);
        const prob = corr / Math.sqrt((1 - corr * corr) / (N - 2));
        if (Math.abs(prob) < tvalue) KG[r] = 0;
      }
    }
    const alpha = 1 / (1 + Math.sqrt(p.R[n] / HPHR[n]));
    for (let r = 0; r < nparams; r++) x[r] = x[r] + KG[r] * res;
    for (let j = 0; j < N; j++) for (let r = 0; r < nparams; r++) X[r][j] = X[r][j] - alpha * KG[r] * HX[n][j];
    // Observations after n, then 0..n (CTDAS starts this second loop at 1; we start at 0).
    const order = [...Array.from({ length: nobs - n - 1 }, (_, i) => n + 1 + i), ...Array.from({ length: n + 1 }, (_, i) => i)];
    for (const m of order) {
      res = p.obs[n] - Hx[n];
      const fac = HX[n].reduce((s, v, j) => s + v * HX[m][j], 0) / (N - 1) / HPHR[n];
      Hx[m] = Hx[m] + fac * res;
      const hn = [...HX[n]];
      for (let j = 0; j < N; j++) HX[m][j] = HX[m][j] - alpha * fac * hn[j];
    }
  }
  return {
    x: Float64Array.from(x),
    Xprime: Float64Array.from(X.flat()),
    Hx: Float64Array.from(Hx),
    HXprime: Float64Array.from(HX.flat()),
    flags,
    HPHR: Float64Array.from(HPHR),
  };
}
