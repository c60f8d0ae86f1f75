// One registry of plug-ins by name (transport kinds, solvers, observation and prior readers),
// in the style of zarrita's codec registry: an entry is one object registered under its name
// (and optional aliases); looking up an unknown name fails with the names that are known.
import { TanhuiError, type TanhuiErrorContext } from './errors';

export interface RegistryEntry {
  /** The name a config or command line uses (e.g. 'builtin', 'ensrf-serial'). */
  readonly name: string;
  /** One line for `tanhui plugins`. */
  readonly description: string;
  /** Other names that select this entry (older config values). */
  readonly aliases?: readonly string[];
}

export class Registry<E extends RegistryEntry> {
  private readonly entriesByName = new Map<string, E>();
  private readonly aliasTo = new Map<string, string>();

  /** `what` names the kind of plug-in in messages: 'transport kind', 'solver', … */
  constructor(readonly what: string) {}

  /** Add an entry; a name or alias already taken is a programming error. */
  register(entry: E): E {
    for (const n of [entry.name, ...(entry.aliases ?? [])]) {
      if (this.entriesByName.has(n) || this.aliasTo.has(n)) throw new TanhuiError('InvalidArgument', `${this.what} '${n}' is registered twice`);
    }
    this.entriesByName.set(entry.name, entry);
    for (const a of entry.aliases ?? []) this.aliasTo.set(a, entry.name);
    return entry;
  }

  /** Remove an entry (tests that register a plug-in of their own). */
  unregister(name: string): void {
    const e = this.entriesByName.get(name);
    if (!e) return;
    this.entriesByName.delete(name);
    for (const a of e.aliases ?? []) this.aliasTo.delete(a);
  }

  has(name: string): boolean {
    return this.entriesByName.has(name) || this.aliasTo.has(name);
  }

  /** Registered names in registration order (aliases not included). */
  names(): string[] {
    return [...this.entriesByName.keys()];
  }

  entries(): E[] {
    return [...this.entriesByName.values()];
  }

  /** The entry of a name or alias; unknown → InvalidConfig naming what is known. */
  get(name: string, context: TanhuiErrorContext = {}): E {
    const e = this.entriesByName.get(this.aliasTo.get(name) ?? name);
    if (!e) throw new TanhuiError('InvalidConfig', this.unknownMessage(name), { context });
    return e;
  }

  /** "unknown transport kind 'mozart' (known: builtin, response-functions)". */
  unknownMessage(name: string): string {
    return `unknown ${this.what} '${name}' (known: ${this.names().join(', ')})`;
  }
}
