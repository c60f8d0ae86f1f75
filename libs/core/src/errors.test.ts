import { describe, expect, it } from 'vitest';
import { isTanhuiError, TanhuiError } from './errors';

describe('TanhuiError', () => {
  const e = new TanhuiError('MissingVariable', "no variable 'co2'", {
    hint: 'list variables with tanhui info',
    context: { file: 'obs.nc', variable: 'co2', index: [3, 4] },
    cause: new Error('inner'),
  });

  it('prints one line with code, place and hint', () => {
    expect(e.toLine()).toBe("MissingVariable: no variable 'co2' (file obs.nc, variable co2, index [3, 4]) — list variables with tanhui info");
    expect(new TanhuiError('BadValue', 'x').toLine()).toBe('BadValue: x');
    expect(new TanhuiError('BadValue', 'x', { context: { index: 7, key: 'k' } }).toLine()).toBe('BadValue: x (key k, index 7)');
    expect(e.toLine()).not.toContain('\n');
  });

  it('is an Error with a cause and a name', () => {
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('TanhuiError');
    expect((e.cause as Error).message).toBe('inner');
  });

  it('is recognised by code, also after a structured clone (worker boundary)', () => {
    expect(isTanhuiError(e)).toBe(true);
    expect(isTanhuiError(e, 'MissingVariable')).toBe(true);
    expect(isTanhuiError(e, 'BadUnits')).toBe(false);
    expect(isTanhuiError(new Error('x'))).toBe(false);
    expect(isTanhuiError(null)).toBe(false);
    expect(isTanhuiError('MissingVariable')).toBe(false);
    // A structured clone of the Error itself loses code and context (V8 keeps message/stack only)…
    const lossy = structuredClone(e) as unknown;
    expect(isTanhuiError(lossy)).toBe(false);
    // …so errors cross threads as toData(), which clones intact and revives.
    const clone = structuredClone(e.toData()) as unknown;
    expect(isTanhuiError(clone, 'MissingVariable')).toBe(true);
    expect((clone as TanhuiError).context.file).toBe('obs.nc');
    const revived = TanhuiError.fromData(clone);
    expect(revived).toBeInstanceOf(TanhuiError);
    expect(revived.toLine()).toBe(e.toLine());
    expect(revived.stack).toBe(e.stack);
    expect(JSON.parse(JSON.stringify(e)).code).toBe('MissingVariable');
    expect(TanhuiError.fromData(new Error('boom')).code).toBe('Internal');
  });
});
