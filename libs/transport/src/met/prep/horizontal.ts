// Horizontal part of the meteo preparation (TM5's preprocessing): mass fluxes through the model
// grid's cell faces from winds on a finer source grid, and conservative averages of cell fields.
// The flux through a model face is the line integral of the source's mass-flux density
// q = u·Δp/g [kg m⁻¹ s⁻¹] along that face, summed over the pieces of source cells it crosses
// (where the faces coincide this is exactly the sum of the source grid's face fluxes, the
// piece integrals being additive). Along a face the density is the local quadratic through
// three source rows (columns), integrated exactly over each piece (4th order on a regular
// grid); across the face the density is interpolated by a 4-point Lagrange cubic. Regular and
// Gaussian (any monotonic) source latitudes; the pole rows get no flux, as the model needs.
// Pure: typed arrays in, typed arrays out.
import { type LatLonGrid, TanhuiError } from '@tanhui/core';

const DEG = Math.PI / 180;

/** Source grid: cell centres, longitudes regular and increasing (any start), latitudes south → north. */
export interface SourceGrid {
  lonDeg: Float64Array;
  latDeg: Float64Array;
}

/** A sparse row: indices and weights. */
interface Sparse {
  idx: Int32Array;
  w: Float64Array;
}

/** Edges of source rows: midpoints between centres, ±90 at the ends. */
export function sourceLatEdgesDeg(latDeg: Float64Array): Float64Array {
  const n = latDeg.length;
  const e = new Float64Array(n + 1);
  e[0] = -90;
  e[n] = 90;
  for (let r = 1; r < n; r++) e[r] = 0.5 * (latDeg[r - 1]! + latDeg[r]!);
  return e;
}

/** The regular longitude step of a source grid, or BadValue. */
export function sourceLonStepDeg(lonDeg: Float64Array): number {
  const n = lonDeg.length;
  const d = 360 / n;
  for (let l = 1; l < n; l++) {
    if (Math.abs(lonDeg[l]! - lonDeg[l - 1]! - d) > 1e-4 * d) {
      throw new TanhuiError('GridMismatch', `longitudes are not a regular global axis (${n} points, step ${lonDeg[l]! - lonDeg[l - 1]!}° at ${l}, expected ${d}°)`, {
        hint: 'the meteorology must cover the globe in longitude (regional cuts cannot drive a global model)',
      });
    }
  }
  return d;
}

/** ∫_{x1}^{x2} of the Lagrange basis polynomials of nodes p[0..2]. */
function quadraticBasisIntegrals(p0: number, p1: number, p2: number, x1: number, x2: number, out: Float64Array): void {
  const F = (x: number, a: number, b: number): number => (x * x * x) / 3 - ((a + b) * x * x) / 2 + a * b * x;
  const I = (a: number, b: number): number => F(x2, a, b) - F(x1, a, b);
  out[0] = I(p1, p2) / ((p0 - p1) * (p0 - p2));
  out[1] = I(p0, p2) / ((p1 - p0) * (p1 - p2));
  out[2] = I(p0, p1) / ((p2 - p0) * (p2 - p1));
}

/** Lagrange cubic weights of nodes p[0..3] at x. */
function cubicWeights(p: ArrayLike<number>, x: number, out: Float64Array): void {
  for (let a = 0; a < 4; a++) {
    let w = 1;
    for (let b = 0; b < 4; b++) if (b !== a) w *= (x - p[b]!) / (p[a]! - p[b]!);
    out[a] = w;
  }
}

function toSparse(m: Map<number, number>): Sparse {
  const keys = [...m.keys()].sort((a, b) => a - b);
  return { idx: Int32Array.from(keys), w: Float64Array.from(keys, (k) => m.get(k)!) };
}

/** ∫ over [φa, φb] (radians) as weights on source rows (piecewise quadratic through 3 rows). */
function latIntegralWeights(latRad: Float64Array, edgesRad: Float64Array, a: number, b: number): Sparse {
  const n = latRad.length;
  const m = new Map<number, number>();
  const tmp = new Float64Array(3);
  for (let r = 0; r < n; r++) {
    const x1 = Math.max(a, edgesRad[r]!), x2 = Math.min(b, edgesRad[r + 1]!);
    if (!(x2 > x1)) continue;
    const c = Math.min(Math.max(r, 1), n - 2);
    quadraticBasisIntegrals(latRad[c - 1]!, latRad[c]!, latRad[c + 1]!, x1, x2, tmp);
    for (let q = 0; q < 3; q++) m.set(c - 1 + q, (m.get(c - 1 + q) ?? 0) + tmp[q]!);
  }
  return toSparse(m);
}

/** ∫ over [λa, λb] (radians, any real values with λb > λa) on a periodic regular axis. */
function lonIntegralWeights(lon0Rad: number, dRad: number, n: number, a: number, b: number): Sparse {
  const m = new Map<number, number>();
  const tmp = new Float64Array(3);
  // Source cell l (unwrapped index L) spans lon0 + (L − ½)d … lon0 + (L + ½)d.
  const L0 = Math.floor((a - lon0Rad) / dRad + 0.5);
  const L1 = Math.ceil((b - lon0Rad) / dRad - 0.5);
  for (let L = L0; L <= L1; L++) {
    const c = lon0Rad + L * dRad;
    const x1 = Math.max(a, c - dRad / 2), x2 = Math.min(b, c + dRad / 2);
    if (!(x2 > x1)) continue;
    quadraticBasisIntegrals(c - dRad, c, c + dRad, x1, x2, tmp);
    for (let q = 0; q < 3; q++) {
      const l = (((L - 1 + q) % n) + n) % n;
      m.set(l, (m.get(l) ?? 0) + tmp[q]!);
    }
  }
  return toSparse(m);
}

/**
 * The linear map from source flux densities (per model level, on the source grid) to model face
 * fluxes; built once per (source grid, model grid) pair.
 */
export class FaceFluxOperator {
  readonly nlonS: number;
  readonly nlatS: number;
  /** East faces: per model column i, 4 source longitudes and cubic weights. */
  private readonly eastLon: Int32Array;
  private readonly eastLonW: Float64Array;
  /** East faces: per model row j, the latitude integral over source rows (× R). */
  private readonly eastLat: Sparse[];
  /** North faces: per interior model edge je (1 … nlat−1), 4 source rows and cubic weights. */
  private readonly northRow: Int32Array;
  private readonly northRowW: Float64Array;
  /** North faces: per model column i, the longitude integral (× R cos φ added per edge). */
  private readonly northLon: Sparse[];
  private readonly cosEdge: Float64Array;
  /** Conservative averages: per model row / column, overlap weights on source rows / columns. */
  private readonly avgLat: Sparse[];
  private readonly avgLon: Sparse[];

  constructor(readonly src: SourceGrid, readonly model: LatLonGrid) {
    const { lonDeg, latDeg } = src;
    this.nlonS = lonDeg.length;
    this.nlatS = latDeg.length;
    if (this.nlatS < 4 || this.nlonS < 4) throw new TanhuiError('GridMismatch', `the source grid (${this.nlonS}×${this.nlatS}) is too small to prepare from`);
    for (let r = 1; r < this.nlatS; r++) {
      if (!(latDeg[r]! > latDeg[r - 1]!)) throw new TanhuiError('GridMismatch', 'source latitudes must increase south → north after reading', { context: { index: r } });
    }
    if (latDeg[0]! < -90 - 1e-9 || latDeg[this.nlatS - 1]! > 90 + 1e-9) throw new TanhuiError('GridMismatch', 'source latitudes outside [−90, 90]');
    const spacing = (latDeg[this.nlatS - 1]! - latDeg[0]!) / (this.nlatS - 1);
    if (latDeg[0]! > -90 + 1.5 * spacing || latDeg[this.nlatS - 1]! < 90 - 1.5 * spacing) {
      throw new TanhuiError('GridMismatch', `the meteorology covers latitudes ${latDeg[0]}…${latDeg[this.nlatS - 1]}°, not the globe`, {
        hint: 'download the global field (North/West/South/East 90/0/-90/360)',
      });
    }
    const dLon = sourceLonStepDeg(lonDeg) * DEG;
    const lon0 = lonDeg[0]! * DEG;
    const latRad = Float64Array.from(latDeg, (x) => x * DEG);
    const edgesRad = Float64Array.from(sourceLatEdgesDeg(latDeg), (x) => x * DEG);
    const { nlon, nlat } = model;
    const R = model.radiusM;
    const w4 = new Float64Array(4);
    // East faces at model longitude edges i+1.
    this.eastLon = new Int32Array(4 * nlon);
    this.eastLonW = new Float64Array(4 * nlon);
    for (let i = 0; i < nlon; i++) {
      const x = (model.lonEdgesDeg[i + 1]! * DEG - lon0) / dLon;
      const l0 = Math.floor(x);
      const nodes = [l0 - 1, l0, l0 + 1, l0 + 2];
      cubicWeights(nodes, x, w4);
      for (let q = 0; q < 4; q++) {
        this.eastLon[4 * i + q] = (((nodes[q]! % this.nlonS) + this.nlonS) % this.nlonS);
        this.eastLonW[4 * i + q] = w4[q]!;
      }
    }
    this.eastLat = [];
    for (let j = 0; j < nlat; j++) {
      const s = latIntegralWeights(latRad, edgesRad, model.latEdgesDeg[j]! * DEG, model.latEdgesDeg[j + 1]! * DEG);
      for (let q = 0; q < s.w.length; q++) s.w[q] *= R;
      this.eastLat.push(s);
    }
    // North faces at interior model latitude edges.
    this.northRow = new Int32Array(4 * (nlat + 1));
    this.northRowW = new Float64Array(4 * (nlat + 1));
    this.cosEdge = new Float64Array(nlat + 1);
    for (let je = 1; je < nlat; je++) {
      const phi = model.latEdgesDeg[je]! * DEG;
      this.cosEdge[je] = Math.cos(phi);
      let r = 0;
      while (r + 1 < this.nlatS && latRad[r + 1]! <= phi) r++;
      const r0 = Math.min(Math.max(r - 1, 0), this.nlatS - 4);
      const nodes = [latRad[r0]!, latRad[r0 + 1]!, latRad[r0 + 2]!, latRad[r0 + 3]!];
      cubicWeights(nodes, phi, w4);
      for (let q = 0; q < 4; q++) {
        this.northRow[4 * je + q] = r0 + q;
        this.northRowW[4 * je + q] = w4[q]!;
      }
    }
    this.northLon = [];
    for (let i = 0; i < nlon; i++) {
      const s = lonIntegralWeights(lon0, dLon, this.nlonS, model.lonEdgesDeg[i]! * DEG, model.lonEdgesDeg[i + 1]! * DEG);
      for (let q = 0; q < s.w.length; q++) s.w[q] *= R;
      this.northLon.push(s);
    }
    // Conservative (area) averages: sin-latitude overlaps × longitude overlaps.
    const edgesDeg = sourceLatEdgesDeg(latDeg);
    this.avgLat = [];
    for (let j = 0; j < nlat; j++) {
      const a = model.latEdgesDeg[j]!, b = model.latEdgesDeg[j + 1]!;
      const m = new Map<number, number>();
      for (let r = 0; r < this.nlatS; r++) {
        const x1 = Math.max(a, edgesDeg[r]!), x2 = Math.min(b, edgesDeg[r + 1]!);
        if (x2 > x1) m.set(r, (Math.sin(x2 * DEG) - Math.sin(x1 * DEG)) / (Math.sin(b * DEG) - Math.sin(a * DEG)));
      }
      this.avgLat.push(toSparse(m));
    }
    this.avgLon = [];
    for (let i = 0; i < nlon; i++) {
      const a = model.lonEdgesDeg[i]! * DEG, b = model.lonEdgesDeg[i + 1]! * DEG;
      const m = new Map<number, number>();
      const L0 = Math.floor((a - lon0) / dLon + 0.5), L1 = Math.ceil((b - lon0) / dLon - 0.5);
      for (let L = L0; L <= L1; L++) {
        const c = lon0 + L * dLon;
        const x1 = Math.max(a, c - dLon / 2), x2 = Math.min(b, c + dLon / 2);
        if (x2 > x1) {
          const l = ((L % this.nlonS) + this.nlonS) % this.nlonS;
          m.set(l, (m.get(l) ?? 0) + (x2 - x1) / (b - a));
        }
      }
      this.avgLon.push(toSparse(m));
    }
  }

  /**
   * Model face fluxes [kg s⁻¹] of one level from flux densities qu, qv [kg m⁻¹ s⁻¹] on the source
   * grid ([lat][lon], south first; offset into the arrays). am: [nlat][nlon] east faces,
   * bm: [nlat+1][nlon] north faces (rows 0 and nlat left 0). Scratch: ≥ nlatS·nlon + (nlat+1)·nlonS.
   */
  faceFluxes(qu: ArrayLike<number>, qv: ArrayLike<number>, off: number, am: Float64Array, amOff: number, bm: Float64Array, bmOff: number, scratch: Float64Array): void {
    const { nlon, nlat } = this.model;
    const { nlonS, nlatS } = this;
    // East: interpolate each source row to the model face longitudes, then integrate in latitude.
    const g = scratch; // [nlatS][nlon]
    for (let r = 0; r < nlatS; r++) {
      const row = off + r * nlonS;
      for (let i = 0; i < nlon; i++) {
        const b = 4 * i;
        g[r * nlon + i] =
          this.eastLonW[b]! * qu[row + this.eastLon[b]!]! + this.eastLonW[b + 1]! * qu[row + this.eastLon[b + 1]!]! +
          this.eastLonW[b + 2]! * qu[row + this.eastLon[b + 2]!]! + this.eastLonW[b + 3]! * qu[row + this.eastLon[b + 3]!]!;
      }
    }
    for (let j = 0; j < nlat; j++) {
      const s = this.eastLat[j]!;
      for (let i = 0; i < nlon; i++) {
        let f = 0;
        for (let q = 0; q < s.idx.length; q++) f += s.w[q]! * g[s.idx[q]! * nlon + i]!;
        am[amOff + j * nlon + i] = f;
      }
    }
    // North: interpolate to the model edge latitude, then integrate in longitude.
    const h = scratch.subarray(nlatS * nlon); // [nlonS]
    for (let je = 1; je < nlat; je++) {
      const b = 4 * je;
      const r0 = off + this.northRow[b]! * nlonS, r1 = off + this.northRow[b + 1]! * nlonS, r2 = off + this.northRow[b + 2]! * nlonS, r3 = off + this.northRow[b + 3]! * nlonS;
      const w0 = this.northRowW[b]!, w1 = this.northRowW[b + 1]!, w2 = this.northRowW[b + 2]!, w3 = this.northRowW[b + 3]!;
      for (let l = 0; l < nlonS; l++) h[l] = w0 * qv[r0 + l]! + w1 * qv[r1 + l]! + w2 * qv[r2 + l]! + w3 * qv[r3 + l]!;
      const c = this.cosEdge[je]!;
      for (let i = 0; i < nlon; i++) {
        const s = this.northLon[i]!;
        let f = 0;
        for (let q = 0; q < s.idx.length; q++) f += s.w[q]! * h[s.idx[q]!]!;
        bm[bmOff + je * nlon + i] = c * f;
      }
    }
    for (let i = 0; i < nlon; i++) {
      bm[bmOff + i] = 0;
      bm[bmOff + nlat * nlon + i] = 0;
    }
  }

  /** Scratch length faceFluxes needs. */
  get scratchLength(): number {
    return this.nlatS * this.model.nlon + this.nlonS;
  }

  /**
   * Area-weighted (conservative) average of a source field [lat][lon] (south first, at `off`)
   * onto the model grid, into out[outOff …]. Scratch ≥ nlatS·nlon.
   */
  average(x: ArrayLike<number>, off: number, out: Float64Array, outOff: number, scratch: Float64Array): void {
    const { nlon, nlat } = this.model;
    const { nlonS, nlatS } = this;
    for (let r = 0; r < nlatS; r++) {
      for (let i = 0; i < nlon; i++) {
        const s = this.avgLon[i]!;
        let v = 0;
        for (let q = 0; q < s.idx.length; q++) v += s.w[q]! * x[off + r * nlonS + s.idx[q]!]!;
        scratch[r * nlon + i] = v;
      }
    }
    for (let j = 0; j < nlat; j++) {
      const s = this.avgLat[j]!;
      for (let i = 0; i < nlon; i++) {
        let v = 0;
        for (let q = 0; q < s.idx.length; q++) v += s.w[q]! * scratch[s.idx[q]! * nlon + i]!;
        out[outOff + j * nlon + i] = v;
      }
    }
  }
}
