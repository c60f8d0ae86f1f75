// Wall time per stage of a run (printed by the orchestrator benchmark, returned by runCycling).
export interface RunTimings {
  ensembleMs: number;
  transferMs: number;
  solveMs: number;
  forwardMs: number;
  writeMs: number;
  windowMs: number[];
  /** Per window: its ensemble step and its share of transferMs (the first window of a run also pays the page faults of its fresh shared arrays). */
  ensembleWindowMs: number[];
  transferWindowMs: number[];
  /** Per window: wall time of each of the five stages (pipeline/cycle.ts). */
  stageWindowMs: StageMs[];
}

export interface StageMs {
  prepare: number;
  simulate: number;
  solve: number;
  advance: number;
  write: number;
}

export function emptyTimings(): RunTimings {
  return { ensembleMs: 0, transferMs: 0, solveMs: 0, forwardMs: 0, writeMs: 0, windowMs: [], ensembleWindowMs: [], transferWindowMs: [], stageWindowMs: [] };
}
