// Hybrid sigma-pressure levels: half-level pressure p = a + b·ps.
// Orientation in tanhui: index 0 is the surface (a = 0, b = 1 typically) and the last half
// level is the model top, as in TM5. Layer k lies between half levels k and k+1.
import { GRAVITY } from './constants';
import { TanhuiError } from './errors';

export class HybridLevels {
  /** Half-level `a` coefficients [Pa], nlev+1, surface first. */
  readonly aHalfPa: Float64Array;
  /** Half-level `b` coefficients [1], nlev+1, surface first. */
  readonly bHalf: Float64Array;
  readonly nlev: number;

  constructor(aHalfPa: ArrayLike<number>, bHalf: ArrayLike<number>) {
    if (aHalfPa.length !== bHalf.length || aHalfPa.length < 2) {
      throw new TanhuiError('BadShape', `hybrid coefficients need equal lengths ≥ 2 (a: ${aHalfPa.length}, b: ${bHalf.length})`);
    }
    let a = Float64Array.from(aHalfPa);
    let b = Float64Array.from(bHalf);
    // Detect the orientation from the pressures at a standard surface pressure.
    const p0 = a[0]! + b[0]! * 1e5;
    const pn = a[a.length - 1]! + b[b.length - 1]! * 1e5;
    if (p0 < pn) {
      a = a.reverse();
      b = b.reverse();
    }
    for (let k = 0; k + 1 < a.length; k++) {
      const dp = a[k]! - a[k + 1]! + (b[k]! - b[k + 1]!) * 1e5;
      if (!(dp > 0)) {
        throw new TanhuiError('BadValue', `hybrid levels are not monotonic in pressure at half level ${k}`, { context: { index: k } });
      }
    }
    this.aHalfPa = a;
    this.bHalf = b;
    this.nlev = a.length - 1;
  }

  /** From a file's `hyai`, `hybi` (half levels) and reference pressure `P0` [Pa] (CAM/MOZART). */
  static fromHyaiHybi(hyai: ArrayLike<number>, hybi: ArrayLike<number>, p0Pa: number): HybridLevels {
    const a = Array.from(hyai, (v) => v * p0Pa);
    return new HybridLevels(a, hybi);
  }

  /**
   * A generic 25-layer set for the synthetic world: finer near the surface, pure sigma below
   * ~900 hPa blending to pure pressure above 100 hPa, top at 0 Pa. Not any operational model's.
   */
  static generic25(): HybridLevels {
    const refHPa = [
      1000, 990, 975, 955, 930, 900, 865, 825, 780, 730, 675, 615, 550, 480, 410, 345, 285, 230,
      180, 135, 95, 60, 35, 17, 6, 0,
    ];
    const a: number[] = [];
    const b: number[] = [];
    for (const p of refHPa) {
      const x = p / 1000;
      const bk = x > 0.1 ? Math.pow((x - 0.1) / 0.9, 1.3) : 0;
      b.push(bk);
      a.push(p * 100 - bk * 1e5);
    }
    return new HybridLevels(a, b);
  }

  /** Half-level pressures [Pa] for surface pressure psPa, surface first (nlev+1). */
  halfPressuresPa(psPa: number, out = new Float64Array(this.nlev + 1)): Float64Array {
    for (let k = 0; k <= this.nlev; k++) out[k] = this.aHalfPa[k]! + this.bHalf[k]! * psPa;
    return out;
  }

  /** Layer mid pressures [Pa] (arithmetic mean of the bounding half levels), surface first. */
  midPressuresPa(psPa: number, out = new Float64Array(this.nlev)): Float64Array {
    for (let k = 0; k < this.nlev; k++) {
      out[k] = 0.5 * (this.aHalfPa[k]! + this.aHalfPa[k + 1]! + (this.bHalf[k]! + this.bHalf[k + 1]!) * psPa);
    }
    return out;
  }

  /** Pressure thickness [Pa] of each layer, surface first. */
  layerThicknessPa(psPa: number, out = new Float64Array(this.nlev)): Float64Array {
    for (let k = 0; k < this.nlev; k++) {
      out[k] = this.aHalfPa[k]! - this.aHalfPa[k + 1]! + (this.bHalf[k]! - this.bHalf[k + 1]!) * psPa;
    }
    return out;
  }

  /** Air mass [kg] per layer of a column with surface pressure psPa and area areaM2: Δp·A/g. */
  airMassKg(psPa: number, areaM2: number, out = new Float64Array(this.nlev)): Float64Array {
    this.layerThicknessPa(psPa, out);
    const f = areaM2 / GRAVITY;
    for (let k = 0; k < this.nlev; k++) out[k] = out[k]! * f;
    return out;
  }
}
