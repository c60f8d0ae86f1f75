// Meteo preparation to the model grid, record by record (streaming: a source record is reduced to
// the model grid as soon as it is read, so only one source record is in memory): winds → mass-flux
// densities per merged model level on the source grid → face mass fluxes of the model grid; surface
// pressure, Kz (KH) and convective mass flux (CMFMC) averaged conservatively; then, once all
// records are in, balancing so that every column's flux convergence equals its surface-pressure
// tendency between met times. The model (ArrayMeteorology) interpolates the prepared fluxes
// linearly in time and derives vertical fluxes from continuity.
import { GRAVITY, HybridLevels, LatLonGrid, TanhuiError } from '@tanhui/core';
import { balanceColumns, columnConvergence, type ArrayMetData } from '../array-met';
import { FaceFluxOperator, type SourceGrid } from './horizontal';
import { checkLevelMap, type LevelMap } from './levels';

export { columnConvergence };

type Field = ArrayLike<number>;

/** How a source file set lays out its 3-D fields. */
export interface SourceLayout {
  /** Cell centres, latitudes south → north (after the reader's flip). */
  grid: SourceGrid;
  /** The file's rows run north → south (ERA5, T42 files). */
  latNorthFirst: boolean;
  /** The file's level axis runs top → surface (ERA5 model levels, MERRA-2, GEOS-FP). */
  levTopFirst: boolean;
  /** Source hybrid levels (surface first, as HybridLevels orders them). */
  levels: HybridLevels;
  /** Model interfaces as source interfaces, surface first. */
  levelMap: LevelMap;
  /**
   * Pressure-level sources instead (ERA5 u, v on pressure levels, sp from a single-level file):
   * the file's levels [hPa] and the model's hybrid levels. Source layers lie between midpoints of
   * the levels (0 at the top, the surface at the bottom); each model layer takes the winds of the
   * source layers it overlaps in pressure, weighted by the overlap, so the column's mass is kept.
   */
  pressureLevels?: { hPa: Float64Array; model: HybridLevels };
}

/** One source time record, arrays in the file's own order ([level][lat][lon], float32 or float64). */
export interface SourceRecord {
  timeSec: number;
  uMS: Field;
  vMS: Field;
  /** Surface pressure [Pa] ([lat][lon]); or layer thickness DELP [Pa] ([level][lat][lon]). */
  psPa?: Field;
  delpPa?: Field;
  /** Turbulent diffusivity KH [m² s⁻¹] at the nsrc+1 interfaces (file order). */
  khM2S?: Field;
  /** Upward convective mass flux CMFMC [kg m⁻² s⁻¹] at the nsrc+1 interfaces (file order). */
  cmfmcKgM2S?: Field;
}

export interface BalanceReport {
  /** Residual column tendency, ps equivalent [Pa h⁻¹]: max |conv·g/A − ∂ps/∂t| before balancing. */
  maxBeforePaH: number;
  rmsBeforePaH: number;
  /** The same after balancing (round-off level). */
  maxAfterPaH: number;
}

const WIND_LIMIT_MS = 300;
const INV_G = 1 / GRAVITY;

export class MetPreparer {
  readonly levels: HybridLevels;
  readonly nlev: number;
  private readonly op: FaceFluxOperator;
  private readonly map: Int32Array;
  private readonly nsrc: number;
  private readonly ncolS: number;
  private readonly qu: Float64Array;
  private readonly qv: Float64Array;
  private readonly psS: Float64Array;
  private readonly scratch: Float64Array;
  private readonly times: number[] = [];
  private readonly ps: Float64Array[] = [];
  private readonly am: Float64Array[] = [];
  private readonly bm: Float64Array[] = [];
  private readonly kz: Float64Array[] = [];
  private readonly ent: Float64Array[] = [];
  private readonly det: Float64Array[] = [];
  private balanced = false;
  private plevPa?: Float64Array;
  private plevBounds?: Float64Array;

  constructor(readonly layout: SourceLayout, readonly model: LatLonGrid) {
    const pl = layout.pressureLevels;
    this.nsrc = pl ? pl.hPa.length : layout.levels.nlev;
    this.map = pl ? Int32Array.from({ length: pl.model.nlev + 1 }, (_, k) => k) : checkLevelMap(layout.levelMap, this.nsrc);
    this.levels = pl ? pl.model : new HybridLevels(Array.from(this.map, (k) => layout.levels.aHalfPa[k]!), Array.from(this.map, (k) => layout.levels.bHalf[k]!));
    if (pl) {
      // Source layer bounds [Pa], surface-first order of the levels (highest pressure first).
      const p = Float64Array.from(pl.hPa, (x) => x * 100).sort((a, b) => b - a);
      for (let k = 1; k < p.length; k++) if (!(p[k]! < p[k - 1]!)) throw new TanhuiError('BadValue', `pressure levels repeat (${p[k]! / 100} hPa)`);
      this.plevPa = p;
      this.plevBounds = new Float64Array(p.length + 1);
      this.plevBounds[0] = Infinity;
      for (let k = 1; k < p.length; k++) this.plevBounds[k] = 0.5 * (p[k - 1]! + p[k]!);
      this.plevBounds[p.length] = 0;
    }
    this.nlev = this.levels.nlev;
    this.op = new FaceFluxOperator(layout.grid, model);
    this.ncolS = this.op.nlonS * this.op.nlatS;
    this.qu = new Float64Array(this.nlev * this.ncolS);
    this.qv = new Float64Array(this.nlev * this.ncolS);
    this.psS = new Float64Array(this.ncolS);
    this.scratch = new Float64Array(Math.max(this.op.scratchLength, this.op.nlatS * model.nlon));
  }

  get recordCount(): number {
    return this.times.length;
  }

  /** Source (file-order) offset of level k (surface first) and row r (south first). */
  private srcOff(k: number, r: number, nlevFile: number): number {
    const { nlatS, nlonS } = this.op;
    const kf = this.layout.levTopFirst ? nlevFile - 1 - k : k;
    const rf = this.layout.latNorthFirst ? nlatS - 1 - r : r;
    return (kf * nlatS + rf) * nlonS;
  }

  /** Reduce one record to the model grid (records in increasing time). */
  addRecord(rec: SourceRecord): void {
    if (this.balanced) throw new TanhuiError('InvalidArgument', 'records cannot be added after balance()');
    const last = this.times[this.times.length - 1];
    if (last !== undefined && !(rec.timeSec > last)) throw new TanhuiError('BadValue', `met records must increase in time (${rec.timeSec} after ${last})`);
    const { nlatS, nlonS } = this.op;
    const ncolS = this.ncolS;
    const nsrc = this.nsrc;
    const expect = (name: string, a: Field | undefined, n: number): void => {
      if (a !== undefined && a.length !== n) throw new TanhuiError('BadShape', `${name} has ${a.length} values, expected ${n}`, { context: { variable: name } });
    };
    expect('u', rec.uMS, nsrc * ncolS);
    expect('v', rec.vMS, nsrc * ncolS);
    expect('ps', rec.psPa, ncolS);
    expect('delp', rec.delpPa, nsrc * ncolS);
    expect('kh', rec.khM2S, (nsrc + 1) * ncolS);
    expect('cmfmc', rec.cmfmcKgM2S, (nsrc + 1) * ncolS);
    const { aHalfPa: a, bHalf: b } = this.layout.levels;
    // Source surface pressure, south first.
    const ps = this.psS;
    if (rec.psPa) {
      for (let r = 0; r < nlatS; r++) {
        const o = this.srcOff(0, r, 1);
        for (let l = 0; l < nlonS; l++) ps[r * nlonS + l] = rec.psPa[o + l]!;
      }
    } else if (rec.delpPa) {
      ps.fill(a[nsrc]!);
      for (let k = 0; k < nsrc; k++) {
        for (let r = 0; r < nlatS; r++) {
          const o = this.srcOff(k, r, nsrc);
          for (let l = 0; l < nlonS; l++) ps[r * nlonS + l] += rec.delpPa[o + l]!;
        }
      }
    } else throw new TanhuiError('MissingVariable', 'a met record needs surface pressure or layer thicknesses (DELP)');
    for (let c = 0; c < ncolS; c++) {
      if (!(ps[c]! > 10000 && ps[c]! < 120000)) throw new TanhuiError('BadValue', `surface pressure ${ps[c]} Pa is not a surface pressure (expected 100–1200 hPa)`, { context: { variable: rec.psPa ? 'ps' : 'DELP', index: c } });
    }
    // Mass-flux densities u·Δp/g per merged level.
    this.qu.fill(0);
    this.qv.fill(0);
    if (this.plevBounds) this.pressureOverlap(rec, ps);
    else {
      // The hot loop of the preparation (every source value once): locals, no branches per value
      // beyond the wind check.
      const U = rec.uMS, V = rec.vMS, DELP = rec.delpPa;
      const qu = this.qu, qv = this.qv;
      for (let m = 0; m < this.nlev; m++) {
        const qoff = m * ncolS;
        for (let k = this.map[m]!; k < this.map[m + 1]!; k++) {
          const da = a[k]! - a[k + 1]!, db = b[k]! - b[k + 1]!;
          for (let r = 0; r < nlatS; r++) {
            const o = this.srcOff(k, r, nsrc);
            const qo = qoff + r * nlonS;
            const po = r * nlonS;
            if (DELP) {
              for (let l = 0; l < nlonS; l++) {
                const u = U[o + l]!, v = V[o + l]!;
                if (!(Math.abs(u) <= WIND_LIMIT_MS && Math.abs(v) <= WIND_LIMIT_MS)) this.badWind(u, v, k, r, l, rec.timeSec);
                const m = DELP[o + l]! * INV_G;
                qu[qo + l] += u * m;
                qv[qo + l] += v * m;
              }
            } else {
              for (let l = 0; l < nlonS; l++) {
                const u = U[o + l]!, v = V[o + l]!;
                if (!(Math.abs(u) <= WIND_LIMIT_MS && Math.abs(v) <= WIND_LIMIT_MS)) this.badWind(u, v, k, r, l, rec.timeSec);
                const m = (da + db * ps[po + l]!) * INV_G;
                qu[qo + l] += u * m;
                qv[qo + l] += v * m;
              }
            }
          }
        }
      }
    }
    const { nlat, nlon } = this.model;
    const ncol = nlat * nlon;
    const am = new Float64Array(this.nlev * ncol);
    const bm = new Float64Array(this.nlev * (nlat + 1) * nlon);
    for (let m = 0; m < this.nlev; m++) this.op.faceFluxes(this.qu, this.qv, m * ncolS, am, m * ncol, bm, m * (nlat + 1) * nlon, this.scratch);
    const psM = new Float64Array(ncol);
    this.op.average(ps, 0, psM, 0, this.scratch);
    this.times.push(rec.timeSec);
    this.ps.push(psM);
    this.am.push(am);
    this.bm.push(bm);
    if (rec.khM2S) this.kz.push(this.interfaces(rec.khM2S, 1, this.nlev - 1));
    if (rec.cmfmcKgM2S) {
      const M = this.interfaces(rec.cmfmcKgM2S, 0, this.nlev + 1);
      const e = new Float64Array(this.nlev * ncol), d = new Float64Array(this.nlev * ncol);
      for (let m = 0; m < this.nlev; m++) {
        for (let c = 0; c < ncol; c++) {
          // Updraft mass flux gained (entrained) or lost (detrained) across the layer.
          const dM = Math.max(M[(m + 1) * ncol + c]!, 0) - Math.max(M[m * ncol + c]!, 0);
          e[m * ncol + c] = Math.max(dM, 0);
          d[m * ncol + c] = Math.max(-dM, 0);
        }
      }
      this.ent.push(e);
      this.det.push(d);
    }
  }

  /** The one error for a wind that is missing (NaN or a fill value) or faster than 300 m s⁻¹. */
  private badWind(u: number, v: number, k: number, r: number, l: number, timeSec: number): never {
    const nsrc = this.nsrc;
    const w = Math.max(Math.abs(u), Math.abs(v));
    const missing = Number.isNaN(u) || Number.isNaN(v) || w >= 1e10;
    const where = this.plevPa ? `${this.plevPa[k]! / 100} hPa` : `level ${this.layout.levTopFirst ? nsrc - k : k + 1} of ${nsrc} (${this.layout.levTopFirst ? 'top' : 'surface'} = 1)`;
    throw new TanhuiError('BadValue', `wind ${missing ? 'is missing (NaN or fill value)' : `of ${w} m s-1 exceeds ${WIND_LIMIT_MS} m s-1`} at ${where}, latitude ${this.layout.grid.latDeg[r]}°, longitude ${this.layout.grid.lonDeg[l]}°`, {
      context: { variable: Number.isNaN(u) || Math.abs(u) > WIND_LIMIT_MS ? 'u' : 'v', time: timeSec },
    });
  }

  /** q per model layer from pressure-level winds: overlap in pressure of source and model layers. */
  private pressureOverlap(rec: SourceRecord, ps: Float64Array): void {
    const { nlatS, nlonS } = this.op;
    const ncolS = this.ncolS;
    const nsrc = this.nsrc;
    const bounds = this.plevBounds!;
    const { aHalfPa: A, bHalf: B } = this.levels;
    // File level index of surface-first source level k (files list pressure levels either way).
    const hPa = this.layout.pressureLevels!.hPa;
    const fileIndex = Int32Array.from(this.plevPa!, (p) => hPa.findIndex((x) => Math.abs(x * 100 - p) < 1e-6));
    const rowOff = (kf: number, r: number): number => (kf * nlatS + (this.layout.latNorthFirst ? nlatS - 1 - r : r)) * nlonS;
    for (let r = 0; r < nlatS; r++) {
      for (let l = 0; l < nlonS; l++) {
        const c = r * nlonS + l;
        const p = ps[c]!;
        let m = 0;
        let mTop = A[1]! + B[1]! * p;
        for (let k = 0; k < nsrc; k++) {
          let bot = Math.min(bounds[k]!, p);
          const top = bounds[k + 1]!;
          if (!(bot > top)) continue; // below the surface
          const o = rowOff(fileIndex[k]!, r) + l;
          const u = rec.uMS[o]!, v = rec.vMS[o]!;
          if (!(Math.abs(u) <= WIND_LIMIT_MS && Math.abs(v) <= WIND_LIMIT_MS)) this.badWind(u, v, k, r, l, rec.timeSec);
          // Walk the model layers that overlap [top, bot].
          while (bot > top) {
            while (m < this.nlev - 1 && mTop >= bot) {
              m++;
              mTop = A[m + 1]! + B[m + 1]! * p;
            }
            const lo = Math.max(top, m === this.nlev - 1 ? -Infinity : mTop);
            const dp = bot - lo;
            this.qu[m * ncolS + c] += (u * dp) / GRAVITY;
            this.qv[m * ncolS + c] += (v * dp) / GRAVITY;
            bot = lo;
          }
        }
      }
    }
  }

  /** Model interfaces first … first+count−1 of an interface field (file order), averaged. */
  private interfaces(x: Field, first: number, count: number): Float64Array {
    const { nlatS, nlonS } = this.op;
    const ncol = this.model.size;
    const out = new Float64Array(count * ncol);
    const row = new Float64Array(this.ncolS);
    for (let q = 0; q < count; q++) {
      const s = this.map[first + q]!; // source interface, surface first
      for (let r = 0; r < nlatS; r++) {
        const o = this.srcOff(s, r, this.nsrc + 1);
        for (let l = 0; l < nlonS; l++) {
          const v = x[o + l]!;
          row[r * nlonS + l] = Number.isFinite(v) && Math.abs(v) < 1e10 ? v : 0;
        }
      }
      this.op.average(row, 0, out, q * ncol, this.scratch);
    }
    return out;
  }

  /**
   * Adjust every record's fluxes so that its column convergence equals the surface-pressure
   * tendency at that time (centred differences between records, one-sided at the ends), less the
   * global mean tendency (total air mass is conserved). Returns the residuals before and after.
   */
  balance(): BalanceReport {
    const nt = this.times.length;
    if (nt === 0) throw new TanhuiError('EmptyInput', 'no met records to balance');
    const grid = this.model;
    const ncol = grid.size;
    let maxB = 0, sumB = 0, maxA = 0;
    const want = new Float64Array(ncol);
    for (let n = 0; n < nt; n++) {
      const n0 = Math.max(n - 1, 0), n1 = Math.min(n + 1, nt - 1);
      const dt = n1 > n0 ? this.times[n1]! - this.times[n0]! : 1;
      for (let c = 0; c < ncol; c++) want[c] = n1 > n0 ? ((this.ps[n1]![c]! - this.ps[n0]![c]!) / dt) * (grid.cellAreaM2[c]! / GRAVITY) : 0;
      let mean = 0, area = 0;
      for (let c = 0; c < ncol; c++) {
        mean += want[c]!;
        area += grid.cellAreaM2[c]!;
      }
      for (let c = 0; c < ncol; c++) want[c] = want[c]! - (mean * grid.cellAreaM2[c]!) / area;
      const before = this.residualPaH(n, want);
      maxB = Math.max(maxB, before.max);
      sumB += before.sumSq;
      balanceColumns(grid, this.levels, this.ps[n]!, want, this.am[n]!, this.bm[n]!);
      maxA = Math.max(maxA, this.residualPaH(n, want).max);
    }
    this.balanced = true;
    return { maxBeforePaH: maxB, rmsBeforePaH: Math.sqrt(sumB / (nt * ncol)), maxAfterPaH: maxA };
  }

  /** Column convergence of record n minus the wanted tendency, in Pa h⁻¹. */
  private residualPaH(n: number, want: Float64Array): { max: number; sumSq: number } {
    const conv = columnConvergence(this.model, this.nlev, this.am[n]!, this.bm[n]!);
    let max = 0, sumSq = 0;
    for (let c = 0; c < conv.length; c++) {
      const r = (((conv[c]! - want[c]!) * GRAVITY) / this.model.cellAreaM2[c]!) * 3600;
      max = Math.max(max, Math.abs(r));
      sumSq += r * r;
    }
    return { max, sumSq };
  }

  /** The prepared met as the model's input (fluxes [kg s⁻¹] per record). */
  result(alloc: (n: number) => Float64Array = (n) => new Float64Array(n)): ArrayMetData {
    if (!this.balanced) this.balance();
    const cat = (xs: Float64Array[]): Float64Array | undefined => {
      if (xs.length === 0) return undefined;
      const out = alloc(xs.length * xs[0]!.length);
      xs.forEach((x, q) => out.set(x, q * x.length));
      return out;
    };
    const out: ArrayMetData = {
      lonEdgesDeg: Float64Array.from(this.model.lonEdgesDeg),
      latEdgesDeg: Float64Array.from(this.model.latEdgesDeg),
      aHalfPa: Float64Array.from(this.levels.aHalfPa),
      bHalf: Float64Array.from(this.levels.bHalf),
      timesSec: Float64Array.from(this.times),
      psPa: cat(this.ps)!,
      amKgS: cat(this.am),
      bmKgS: cat(this.bm),
    };
    if (this.kz.length === this.times.length) out.kzM2S = cat(this.kz);
    if (this.ent.length === this.times.length) {
      out.entrainUp = cat(this.ent);
      out.detrainUp = cat(this.det);
    }
    return out;
  }
}
