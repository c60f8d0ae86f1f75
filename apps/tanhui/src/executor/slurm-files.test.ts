// The batch files without a cluster: inputs written once per batch and read back exactly,
// output columns scattered back, a truncated result named as such, Slurm's outputs parsed.
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isTanhuiError } from '@tanhui/core';
import { expandTaskIds, parseSacct, parseScontrol } from './slurm-commands';
import { ArraySink, ArraySource, decodeTree, encodeTree, readResult, writeResult, type ColumnsRef } from './slurm-files';

const dir = (): string => mkdtempSync(join(tmpdir(), 'tanhui-slurm-files-'));

describe('slurm batch files', () => {
  it('writes each distinct array of a batch once and gives every task its own exact copy', () => {
    const shared = Float64Array.from({ length: 1000 }, (_, k) => Math.sin(k) * 1e-6);
    const sameContent = Float64Array.from(shared);
    const sink = new ArraySink();
    const tasks = [0, 1, 2].map((g) => ({ fixed: shared, again: sameContent, states: Float64Array.of(g, g + 0.5), K: 2, plan: { rowPtr: Int32Array.of(0, 3), n: NaN }, tag: 'x', none: undefined }));
    const trees = tasks.map((t) => encodeTree(t, sink));
    const d = dir();
    writeFileSync(join(d, 'inputs.bin'), sink.bytes());
    // 1000 doubles once (both arrays of that content), three 2-double states, one Int32 pair (padded to 8).
    expect(statSync(join(d, 'inputs.bin')).size).toBe(8000 + 3 * 16 + 8);
    const src = new ArraySource(join(d, 'inputs.bin'));
    for (let g = 0; g < 3; g++) {
      const back = decodeTree(JSON.parse(JSON.stringify(trees[g])), (t, o, n) => src.read(t, o, n)) as (typeof tasks)[number];
      expect(back.fixed).toEqual(shared);
      expect(back.again).toEqual(shared);
      expect(back.states).toEqual(Float64Array.of(g, g + 0.5));
      expect(back.plan.rowPtr).toBeInstanceOf(Int32Array);
      expect(back.plan.rowPtr).toEqual(Int32Array.of(0, 3));
      expect(Number.isNaN(back.plan.n)).toBe(true);
      expect(back.K).toBe(2);
      expect('none' in back).toBe(false);
    }
    src.close();
  });

  it('turns output columns into local tables and the result into the caller’s columns', () => {
    const dest = new Float64Array(4 * 5).fill(-1); // [row][5], the task owns columns 1-2
    const ref: ColumnsRef = { array: dest, stride: 5, offset: 1 };
    const sink = new ArraySink();
    const tree = encodeTree({ finalsInto: { members: ref } }, sink, new Map([[ref as object, { key: 'members', dest: ref, rows: 4, count: 2 }]]));
    const cols = new Map<string, ColumnsRef>();
    const local = decodeTree(tree, () => new Float64Array(0), cols) as { finalsInto: { members: ColumnsRef } };
    expect(local.finalsInto.members.stride).toBe(2);
    for (let r = 0; r < 4; r++) for (let k = 0; k < 2; k++) local.finalsInto.members.array[r * 2 + k] = 10 * r + k;
    const d = dir();
    const file = join(d, 'result-0.bin');
    writeResult(file, { samples: Float64Array.of(1, 2, 3), timing: { startMs: 1 } }, cols, { processStartMs: 0, readyMs: 1, taskStartMs: 2, taskEndMs: 3 });
    const r = readResult(file);
    expect((r.value as { samples: Float64Array }).samples).toEqual(Float64Array.of(1, 2, 3));
    expect(r.columns.get('members')).toEqual(Float64Array.from({ length: 8 }, (_, i) => 10 * Math.floor(i / 2) + (i % 2)));
    expect(r.times.taskEndMs).toBe(3);
  });

  it('names a truncated or foreign result file in one line', () => {
    const d = dir();
    const file = join(d, 'result-0.bin');
    writeResult(file, { samples: new Float64Array(5000) }, new Map(), { processStartMs: 0, readyMs: 0, taskStartMs: 0, taskEndMs: 0 });
    const full = readFileSync(file);
    writeFileSync(file, full.subarray(0, full.byteLength - 100));
    const err = (() => {
      try {
        readResult(file);
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected a failure');
    })();
    expect(isTanhuiError(err, 'WorkerFailed')).toBe(true);
    expect(err.message).toBe(`the task result ${file} is truncated (${full.byteLength - 100} of ${full.byteLength} bytes)`);
    writeFileSync(file, full.subarray(0, 40));
    expect(() => readResult(file)).toThrow(/is truncated \(40 bytes, its header alone needs/);
    writeFileSync(file, 'hello world, not a result');
    expect(() => readResult(file)).toThrow(/is not a tanhui result/);
  });

  it('parses scontrol and sacct records of array tasks', () => {
    expect(expandTaskIds('3')).toEqual([3]);
    expect(expandTaskIds('0-3%2')).toEqual([0, 1, 2, 3]);
    expect(expandTaskIds('1,4-8:2')).toEqual([1, 4, 6, 8]);
    const text = [
      'JobId=61 ArrayJobId=60 ArrayTaskId=1 JobName=tanhui JobState=TIMEOUT Reason=TimeLimit Dependency=(null) ExitCode=0:15 Command=/w/batch-1/job.sh StdOut=/w/batch-1/log/task-1.60.log',
      'JobId=60 ArrayJobId=60 ArrayTaskId=2-3 JobName=tanhui JobState=PENDING Reason=Resources ExitCode=0:0 Command=/w/batch-1/job.sh StdOut=/w/batch-1/log/task-%a.%A.log',
      '',
    ].join('\n');
    const m = parseScontrol(text);
    expect(m.get(1)).toEqual({ state: 'TIMEOUT', reason: 'TimeLimit', exitCode: '0:15', stdout: '/w/batch-1/log/task-1.60.log', command: '/w/batch-1/job.sh' });
    expect(m.get(3)?.state).toBe('PENDING');
    expect(m.has(0)).toBe(false);
    const s = parseSacct('60_0|COMPLETED|0:0\n60_1|OUT_OF_MEMORY|0:125\n60_2|CANCELLED by 0|0:15\n');
    expect(s.get(1)).toEqual({ state: 'OUT_OF_MEMORY', reason: 'None', exitCode: '0:125' });
    expect(s.get(2)).toEqual({ state: 'CANCELLED', reason: 'CANCELLED by 0', exitCode: '0:15' });
  });
});
