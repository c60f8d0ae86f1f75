// Benchmark of @tanhui/solvers against numpy implementations of the same algorithms
// (reference.py, Debian's /usr/bin/python3). Cases of issue 3:
//   (a)  CTDAS size: 5×9835 params, N = 150, 200 obs, serial, no localisation — the default
//        ensrfSerial call (a process's first solve; it takes the ensemble-space route here),
//        then the forced plain loop, and ensrfEnsembleSpace against numpy's same transform
//   (b)  the same with CT2007 localisation: the default ensrfSerial call (returns new arrays),
//        the same in place (as numpy's loop updates its arrays), and — labelled, not what
//        ensrfSerial does — the row half split over two worker threads by this script
//   (c)  GCAS size: 21 600 params, N = 50, 100 000 obs, ensemble-space
//   (d)  batch: 3612 params × 11 000 obs (diagonal R and B, state-space form chosen by cost)
// Both sides read the same inputs (raw float64 files in a temp dir) and their answers are
// compared. Times are wall clock of the solve only, measured in this one run.
// Run: node --conditions=@tanhui/source --import tsx tools/bench/solvers/main.ts [--quick] [--cases a,b,c,d]
import { execFileSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { batchInversion, ct2007TValue, ensrfEnsembleSpace, ensrfSerial, ensrfSerialPlan, ensrfSerialRoute, gemmBackend, prepareRowLocalization, type EnsembleProblem, type EnsrfResult } from '@tanhui/solvers';
import { createRng, type Rng } from '@tanhui/core';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const casesArg = args.indexOf('--cases') >= 0 ? args[args.indexOf('--cases') + 1] : 'a,b,c,d';
const cases = new Set(casesArg.split(','));
const scale = (v: number, q: number) => (quick ? Math.max(1, Math.round(v / q)) : v);

interface Row {
  label: string;
  ts: number;
  np: number;
  npNote?: string;
  target: string;
  agreement: string;
}
const rows: Row[] = [];

function writeF64(dir: string, name: string, a: Float64Array): void {
  writeFileSync(join(dir, `${name}.f64`), Buffer.from(a.buffer, a.byteOffset, a.byteLength));
}
function readF64(dir: string, name: string): Float64Array {
  const b = readFileSync(join(dir, `np_${name}.f64`));
  return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
function relDiff(a: Float64Array, b: Float64Array): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return d / (s || 1);
}
function python(dir: string, name: string): { seconds: number; rows?: number } {
  const out = execFileSync('/usr/bin/python3', [join(here, 'reference.py'), dir, name], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').pop()!);
}
function time<T>(f: () => T): [T, number] {
  const t = performance.now();
  const r = f();
  return [r, (performance.now() - t) / 1000];
}

/** A worker running rows-worker.ts, resolved once it has loaded the lib. */
function startWorker(): Promise<Worker> {
  const file = pathToFileURL(join(here, 'rows-worker.ts')).href;
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(file)}); });`;
  const w = new Worker(boot, { eval: true, execArgv: ['--conditions=@tanhui/source'] });
  return new Promise((resolve, reject) => {
    w.once('message', () => resolve(w));
    w.once('error', reject);
  });
}
function runJob(w: Worker, job: object): Promise<void> {
  return new Promise((resolve, reject) => {
    w.once('message', () => resolve());
    w.once('error', reject);
    w.postMessage(job);
  });
}
function shared(a: Float64Array): Float64Array {
  const s = new Float64Array(new SharedArrayBuffer(a.byteLength));
  s.set(a);
  return s;
}
/** Fresh copies of the arrays an in-place solve overwrites (made outside the timed region, as numpy loads its arrays). */
function ownCopy(p: EnsembleProblem, share = false): EnsembleProblem {
  const c = share ? shared : (a: Float64Array) => a.slice();
  return { ...p, x: c(p.x), Xprime: c(p.Xprime), Hx: p.Hx.slice(), HXprime: p.HXprime.slice() };
}

function ensembleProblem(rng: Rng, nparams: number, N: number, nobs: number): EnsembleProblem {
  const Xprime = new Float64Array(nparams * N);
  for (let r = 0; r < nparams; r++) for (let j = 1; j < N; j++) Xprime[r * N + j] = rng.normal();
  const HXprime = new Float64Array(nobs * N);
  for (let m = 0; m < nobs; m++) for (let j = 1; j < N; j++) HXprime[m * N + j] = rng.normal();
  const x = Float64Array.from({ length: nparams }, () => 1 + 0.1 * rng.normal());
  const Hx = Float64Array.from({ length: nobs }, () => 400 + rng.normal());
  const R = Float64Array.from({ length: nobs }, () => 1 + rng.uniform());
  const obs = Float64Array.from(Hx, (v, i) => v + Math.sqrt(R[i]) * rng.normal());
  return { nparams, nmembers: N, nobs, x, Xprime, Hx, HXprime, obs, R };
}

function writeEnsemble(dir: string, p: EnsembleProblem, extra: Record<string, unknown> = {}): void {
  writeFileSync(join(dir, 'meta.json'), JSON.stringify({ nparams: p.nparams, nmembers: p.nmembers, nobs: p.nobs, ...extra }));
  for (const [k, v] of Object.entries({ x: p.x, Xprime: p.Xprime, Hx: p.Hx, HXprime: p.HXprime, obs: p.obs, R: p.R })) writeF64(dir, k, v);
}

const dir = mkdtempSync(join(tmpdir(), 'tanhui-bench-solvers-'));
try {
  if (cases.has('a') || cases.has('b')) {
    const nparams = scale(5 * 9835, 10);
    const N = 150;
    const nobs = 200;
    const p = ensembleProblem(createRng(1), nparams, N, nobs);
    const tvalue = ct2007TValue(N);
    writeEnsemble(dir, p, { tvalue, ctdasRows: scale(300, 3) });
    if (cases.has('a')) {
      // The documented default: ensrfSerial picks its route (ensemble-space here: no localisation, N < 2·nobs).
      const route = ensrfSerialRoute(p);
      const [ra, ta] = time(() => ensrfSerial(p));
      const routeNote = route === 'ensemble-space' ? `ensemble-space route, GEMM ${gemmBackend()}` : 'plain loop';
      const npa = python(dir, 'a');
      const npx = readF64(dir, 'x');
      const npX = readF64(dir, 'Xprime');
      rows.push({
        label: `(a) serial, ${nparams} params, N=${N}, ${nobs} obs, no localisation [ensrfSerial default: ${routeNote}]`,
        ts: ta,
        np: npa.seconds,
        target: '≤ 0.5 s',
        agreement: `x ${relDiff(ra.x, npx).toExponential(1)}, X′ ${relDiff(ra.Xprime, npX).toExponential(1)}`,
      });
      const [rr, tr] = time(() => ensrfSerial(p, { stateUpdate: 'rows', obsSpace: 'direct' }));
      rows.push({
        label: `(a′) same, forced plain loop (stateUpdate: 'rows'), both vs numpy's serial loop`,
        ts: tr,
        np: npa.seconds,
        target: '—',
        agreement: `x ${relDiff(rr.x, npx).toExponential(1)}, X′ ${relDiff(rr.Xprime, npX).toExponential(1)}; (a) vs (a′): x ${relDiff(ra.x, rr.x).toExponential(1)}, X′ ${relDiff(ra.Xprime, rr.Xprime).toExponential(1)}, HX′ ${relDiff(ra.HXprime, rr.HXprime).toExponential(1)}`,
      });
      const [re, te] = time(() => ensrfEnsembleSpace(p));
      const npe = python(dir, 'a-es');
      rows.push({
        label: `(a″) ensrfEnsembleSpace (warm) vs numpy's same N×N transform`,
        ts: te,
        np: npe.seconds,
        target: '≤ 0.5 s',
        agreement: `x ${relDiff(re.x, readF64(dir, 'x')).toExponential(1)}, X′ ${relDiff(re.Xprime, readF64(dir, 'Xprime')).toExponential(1)}; vs (a′) ${relDiff(re.Xprime, rr.Xprime).toExponential(1)}`,
      });
    }
    if (cases.has('b')) {
      const options = { obsSpace: 'direct' as const, localization: { kind: 'CT2007' as const } };
      const route = ensrfSerialRoute(p, options);
      const [rb, tb] = time(() => ensrfSerial(p, options));
      const npb = python(dir, 'b');
      const npx = readF64(dir, 'x');
      const npX = readF64(dir, 'Xprime');
      const vsNumpy = (r: EnsrfResult) => `x ${relDiff(r.x, npx).toExponential(1)}, X′ ${relDiff(r.Xprime, npX).toExponential(1)}`;
      rows.push({
        label: `(b) serial + CT2007 localisation [ensrfSerial default, 1 thread: ${route === 'rows' ? 'row kernel' : route}, ${gemmBackend()}; returns new arrays] vs numpy (vectorised over rows)`,
        ts: tb,
        np: npb.seconds,
        target: '≥ 20× faster than numpy serial',
        agreement: vsNumpy(rb),
      });
      const own = ownCopy(p);
      const [ri, ti] = time(() => ensrfSerial(own, { ...options, inPlace: true }));
      const same = (a: Float64Array, b: Float64Array) => a.every((v, i) => Object.is(v, b[i]));
      rows.push({
        label: `(b″) same, inPlace: true (1 thread; numpy's loop also updates its arrays in place)`,
        ts: ti,
        np: npb.seconds,
        target: '≥ 20× faster than numpy serial',
        agreement: `${vsNumpy(ri)}; bits = (b): ${same(ri.x, rb.x) && same(ri.Xprime, rb.Xprime)}`,
      });
      // Two worker threads (started and warmed before timing): obs-space pass here, then each
      // worker updates half of the rows in place over SharedArrayBuffers. This is what an
      // orchestrator can do with ensrfSerialPlan + ensrfUpdateRows; ensrfSerial itself is one thread.
      const workers = await Promise.all([startWorker(), startWorker()]);
      try {
        const loc = prepareRowLocalization(options.localization, N, nobs);
        const warm = ownCopy(p, true);
        const wp = ensrfSerialPlan({ ...warm, nparams: 64, x: warm.x.subarray(0, 64), Xprime: warm.Xprime.subarray(0, 64 * N) }, options);
        await Promise.all(workers.map((w) => runJob(w, { sequence: wp.sequence, loc, xBuffer: shared(wp.result.x).buffer, XBuffer: shared(wp.result.Xprime).buffer, rowStart: 0, rowEnd: 64 })));
        const sp = ownCopy(p, true);
        const t0 = performance.now();
        const plan = ensrfSerialPlan(sp, { ...options, inPlace: true });
        const half = Math.ceil(nparams / 2);
        await Promise.all(
          [[0, half], [half, nparams]].map(([a, b], i) =>
            runJob(workers[i], { sequence: plan.sequence, loc, xBuffer: sp.x.buffer, XBuffer: sp.Xprime.buffer, rowStart: a, rowEnd: b }),
          ),
        );
        const tw = (performance.now() - t0) / 1000;
        rows.push({
          label: `(b‴) same, inPlace, rows split over 2 worker threads by the bench (ensrfSerialPlan + ensrfUpdateRows; not ensrfSerial)`,
          ts: tw,
          np: npb.seconds,
          target: '—',
          agreement: `${vsNumpy(plan.result)}; bits = (b): ${same(sp.x, rb.x) && same(sp.Xprime, rb.Xprime)}`,
        });
      } finally {
        await Promise.all(workers.map((w) => w.terminate()));
      }
      const ct = python(dir, 'b-ctdas');
      const extrapolated = (ct.seconds * nparams) / ct.rows!;
      rows.push({
        label: `(b′) (b) vs CTDAS's own loop (np.corrcoef per row per obs)`,
        ts: tb,
        np: extrapolated,
        npNote: `measured ${ct.seconds.toFixed(1)} s on ${ct.rows} rows, × ${nparams}/${ct.rows}`,
        target: '≥ 20× faster than numpy serial',
        agreement: 'timing of the localisation loop only',
      });
    }
  }
  if (cases.has('c')) {
    const nparams = scale(21600, 10);
    const nobs = scale(100_000, 10);
    const p = ensembleProblem(createRng(2), nparams, 50, nobs);
    writeEnsemble(dir, p);
    const [rc, tc] = time(() => ensrfEnsembleSpace(p));
    const npc = python(dir, 'c');
    let rejected = 0;
    for (const f of rc.flags) if (f === 2) rejected++;
    rows.push({
      label: `(c) ensemble-space, ${nparams} params, N=50, ${nobs} obs (${rejected} rejected)`,
      ts: tc,
      np: npc.seconds,
      target: '< 60 s',
      agreement: `x ${relDiff(rc.x, readF64(dir, 'x')).toExponential(1)}, X′ ${relDiff(rc.Xprime, readF64(dir, 'Xprime')).toExponential(1)}`,
    });
  }
  if (cases.has('d')) {
    const n = scale(3612, 4);
    const m = scale(11000, 4);
    const rng = createRng(3);
    const H = Float64Array.from({ length: m * n }, () => rng.uniform());
    const xb = new Float64Array(n).fill(1);
    const B = Float64Array.from({ length: n }, () => 0.25 + rng.uniform());
    const R = Float64Array.from({ length: m }, () => 1 + rng.uniform());
    const y = Float64Array.from({ length: m }, () => n / 2 + rng.normal());
    writeFileSync(join(dir, 'meta.json'), JSON.stringify({ n, nobs: m }));
    for (const [k, v] of Object.entries({ H, y, R, xb, B })) writeF64(dir, k, v);
    const [rd, td] = time(() => batchInversion({ nobs: m, n, H, y, R, xb, B }));
    const npd = python(dir, 'd');
    const paDiag = Float64Array.from({ length: n }, (_, i) => rd.Pa[i * n + i]);
    rows.push({
      label: `(d) batch ${n} params × ${m} obs (${rd.form}-space form)`,
      ts: td,
      np: npd.seconds,
      target: '≤ 3× numpy',
      agreement: `xa ${relDiff(rd.xa, readF64(dir, 'xa')).toExponential(1)}, diag Pa ${relDiff(paDiag, readF64(dir, 'Pa_diag')).toExponential(1)}`,
    });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const pad = (s: string, w: number) => s + ' '.repeat(Math.max(0, w - s.length));
const w0 = Math.max(...rows.map((r) => r.label.length));
console.log(`tanhui solvers vs numpy ${quick ? '(QUICK sizes)' : '(issue sizes)'} — node ${process.version}, one run, wall seconds`);
console.log(`${pad('case', w0)} | tanhui s | numpy s | tanhui/numpy | target | max rel. difference`);
for (const r of rows) {
  console.log(
    `${pad(r.label, w0)} | ${r.ts.toFixed(3).padStart(8)} | ${r.np.toFixed(3).padStart(7)} | ${(r.ts / r.np).toFixed(3).padStart(12)} | ${r.target} | ${r.agreement}${r.npNote ? ` (${r.npNote})` : ''}`,
  );
}
