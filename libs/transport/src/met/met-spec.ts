// Plain, structured-clonable descriptions of meteorology and of a built-in model, so that a
// worker thread can rebuild exactly the model the main thread configured.
import { HybridLevels, LatLonGrid, TanhuiError, type GridPreset } from '@tanhui/core';
import { BuiltinTransportModel, type BuiltinOptions } from '../builtin/model';
import { DeformationalFlow, singleLayer, SolidBodyRotation } from './analytic';
import { ArrayMeteorology, type ArrayMetData } from './array-met';
import type { Meteorology } from './meteorology';
import { SyntheticClimate, type SyntheticClimateOptions } from './synthetic';

export type GridSpec = GridPreset | { dlonDeg: number; dlatDeg: number; lon0Deg?: number };
export type LevelsSpec = 'generic25' | 'single' | { aHalfPa: number[]; bHalf: number[] };

export type MetSpec =
  | ({ kind: 'synthetic'; grid: GridSpec; levels?: LevelsSpec } & SyntheticClimateOptions)
  | { kind: 'solid-body'; grid: GridSpec; alphaRad: number; periodSeconds?: number; psPa?: number }
  | { kind: 'deformational'; grid: GridSpec; divergent: boolean; periodSeconds?: number; startSec?: number }
  | { kind: 'arrays'; data: ArrayMetData };

export interface BuiltinModelSpec {
  met: MetSpec;
  options?: Partial<BuiltinOptions>;
  /**
   * Identity of the model for caches (workers keep the model built for a key): two specs with
   * the same key must build the same model. Give one (e.g. a content hash computed once in the
   * main thread) with `arrays` meteorology, so that nobody stringifies the arrays.
   */
  key?: string;
}

export function gridFromSpec(g: GridSpec): LatLonGrid {
  if (typeof g === 'string') return LatLonGrid.preset(g);
  return LatLonGrid.regular(g.dlonDeg, g.dlatDeg, g.lon0Deg ?? -180);
}

export function levelsFromSpec(l: LevelsSpec | undefined): HybridLevels {
  if (l === undefined || l === 'generic25') return HybridLevels.generic25();
  if (l === 'single') return singleLayer();
  return new HybridLevels(l.aHalfPa, l.bHalf);
}

export function createMeteorology(spec: MetSpec): Meteorology {
  switch (spec.kind) {
    case 'synthetic':
      return new SyntheticClimate(gridFromSpec(spec.grid), levelsFromSpec(spec.levels), spec);
    case 'solid-body':
      return new SolidBodyRotation(gridFromSpec(spec.grid), spec);
    case 'deformational':
      return new DeformationalFlow(gridFromSpec(spec.grid), spec);
    case 'arrays':
      return new ArrayMeteorology(spec.data);
    default:
      throw new TanhuiError('InvalidConfig', `unknown meteorology kind '${String((spec as { kind?: unknown }).kind)}'`, {
        hint: 'use synthetic, solid-body, deformational or arrays',
      });
  }
}

/** Build the built-in model from a plain description (works the same inside a worker). */
export function createBuiltinModel(spec: BuiltinModelSpec): BuiltinTransportModel {
  return new BuiltinTransportModel(createMeteorology(spec.met), spec.options ?? {});
}
