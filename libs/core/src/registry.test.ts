import { describe, expect, it } from 'vitest';
import { Registry } from './registry';
import { TanhuiError } from './errors';

describe('Registry', () => {
  it('finds entries by name and alias, lists names in registration order', () => {
    const r = new Registry<{ name: string; description: string; aliases?: string[]; v: number }>('transport kind');
    r.register({ name: 'builtin', description: 'b', v: 1 });
    r.register({ name: 'response-functions', description: 'r', aliases: ['rf'], v: 2 });
    expect(r.names()).toEqual(['builtin', 'response-functions']);
    expect(r.get('rf').v).toBe(2);
    expect(r.has('rf')).toBe(true);
    expect(r.has('mozart')).toBe(false);
  });
  it('an unknown name fails with the known ones; a second registration of a name fails', () => {
    const r = new Registry<{ name: string; description: string }>('transport kind');
    r.register({ name: 'builtin', description: 'b' });
    r.register({ name: 'response-functions', description: 'r' });
    let err: unknown;
    try {
      r.get('mozart', { key: 'transport.kind' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TanhuiError);
    expect((err as TanhuiError).message).toBe("unknown transport kind 'mozart' (known: builtin, response-functions)");
    expect((err as TanhuiError).context.key).toBe('transport.kind');
    expect(() => r.register({ name: 'builtin', description: 'again' })).toThrow(/registered twice/);
    r.unregister('builtin');
    expect(r.names()).toEqual(['response-functions']);
  });
});
