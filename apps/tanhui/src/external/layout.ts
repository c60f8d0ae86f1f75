// File names and folders of the external-model contracts (docs/external-models.md): one folder
// per window and mode, MOZART-4 emission / initial / history names, the command template.
// Pure: no I/O here.
import { join } from 'node:path';
import { TanhuiError } from '@tanhui/core';
import { tracerName, type TransportWindow } from '@tanhui/transport';

export type ModelMode = 'ensemble' | 'forward';

/** YYYYMMDD of an instant (UTC). */
export function ymd(sec: number): string {
  return new Date(sec * 1000).toISOString().slice(0, 10).replaceAll('-', '');
}

/** MOZART's `date` (YYYYMMDD as a number) and `datesec` of an instant. */
export function camDate(sec: number): { date: number; datesec: number } {
  const day = Math.floor(sec / 86400) * 86400;
  return { date: Number(ymd(sec)), datesec: sec - day };
}

/** `workdir/window-YYYYMMDD/<mode>`: everything one model run reads and writes. */
export function runFolder(workdir: string, window: TransportWindow, mode: ModelMode): string {
  return join(workdir, `window-${ymd(window.startSec)}`, mode);
}

export { H0_PATTERN, tracerName } from '@tanhui/transport';

export const emissionFile = (t: number): string => `emissions.${tracerName(t)}.surface.nc`;
export const INITIAL_FILE = 'initial.nc';
export const OBS_INPUT_FILE = 'obs_input.nc';
export const TM5_OUTPUT_FILE = 'flask_output.nc';
export const RESTART_FILE = 'restart.nc';
export const MODEL_LOG = 'model.log';
export const MANIFEST = 'manifest.json';


export interface CommandValues {
  workdir: string;
  start: string;
  end: string;
  ntracers: number;
  mode: ModelMode;
}

const PLACEHOLDERS = ['workdir', 'start', 'end', 'ntracers', 'mode'] as const;

/** The user's command template with {workdir} {start} {end} {ntracers} {mode} filled in. */
export function expandCommand(template: string, v: CommandValues, key = 'transport.command'): string {
  return template.replace(/\{([a-z]+)\}/g, (m, name: string) => {
    if (!(PLACEHOLDERS as readonly string[]).includes(name)) {
      throw new TanhuiError('InvalidConfig', `unknown placeholder ${m} in the model command (known: ${PLACEHOLDERS.map((p) => `{${p}}`).join(' ')})`, { context: { key } });
    }
    return String(v[name as keyof CommandValues]);
  });
}
