// One error type for the whole system: a literal code, a message, an optional hint, and the
// context a user needs to find the problem (file, variable, index). The original error is
// kept as `cause`. Use `isTanhuiError(err, 'MissingVariable')` rather than instanceof chains.

export type TanhuiErrorCode =
  | 'InvalidArgument'
  | 'InvalidConfig'
  | 'MissingFile'
  | 'MissingVariable'
  | 'CorruptFile'
  | 'UnsupportedFormat'
  | 'BadUnits'
  | 'BadShape'
  | 'BadValue'
  | 'GridMismatch'
  | 'NotPositiveDefinite'
  | 'EmptyInput'
  | 'StoreLocked'
  | 'StoreConflict'
  | 'WorkerFailed'
  | 'ExternalModelFailed'
  | 'NotImplemented'
  | 'Internal';

export interface TanhuiErrorContext {
  file?: string;
  variable?: string;
  index?: number | readonly number[];
  key?: string;
  [extra: string]: unknown;
}

export interface TanhuiErrorOptions {
  hint?: string;
  context?: TanhuiErrorContext;
  cause?: unknown;
}

export class TanhuiError extends Error {
  override readonly name = 'TanhuiError';
  readonly code: TanhuiErrorCode;
  readonly hint?: string;
  readonly context: TanhuiErrorContext;

  constructor(code: TanhuiErrorCode, message: string, options: TanhuiErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    this.context = options.context ?? {};
  }

  /** One line for a terminal: `code: message (file …, variable …) — hint`. */
  toLine(): string {
    const where: string[] = [];
    const { file, variable, index, key } = this.context;
    if (file !== undefined) where.push(`file ${file}`);
    if (variable !== undefined) where.push(`variable ${variable}`);
    if (key !== undefined) where.push(`key ${key}`);
    if (index !== undefined) where.push(`index ${Array.isArray(index) ? `[${index.join(', ')}]` : index}`);
    const loc = where.length > 0 ? ` (${where.join(', ')})` : '';
    const hint = this.hint ? ` — ${this.hint}` : '';
    return `${this.code}: ${this.message}${loc}${hint}`;
  }

  /**
   * A plain object that survives structured cloning (postMessage, Piscina). A structured clone
   * of the Error itself does NOT: V8 keeps only message, stack and cause, and renames it
   * 'Error', so code, hint and context are lost. Send `err.toData()` across threads and
   * rebuild with `TanhuiError.fromData`.
   */
  toData(): TanhuiErrorData {
    const d: TanhuiErrorData = { name: 'TanhuiError', code: this.code, message: this.message, context: { ...this.context } };
    if (this.hint !== undefined) d.hint = this.hint;
    if (this.stack !== undefined) d.stack = this.stack;
    return d;
  }

  toJSON(): TanhuiErrorData {
    return this.toData();
  }

  /** Rebuild a TanhuiError from `toData()` output (or pass a TanhuiError through). */
  static fromData(data: unknown): TanhuiError {
    if (data instanceof TanhuiError) return data;
    if (!isTanhuiError(data)) {
      const msg = data instanceof Error ? data.message : String(data);
      return new TanhuiError('Internal', msg, { cause: data });
    }
    const d = data as Partial<TanhuiErrorData> & { code: TanhuiErrorCode };
    const e = new TanhuiError(d.code, String(d.message ?? ''), { hint: d.hint, context: d.context ?? {} });
    if (typeof d.stack === 'string') e.stack = d.stack;
    return e;
  }
}

/** The structured-clone-safe form of a TanhuiError (see TanhuiError#toData). */
export interface TanhuiErrorData {
  name: 'TanhuiError';
  code: TanhuiErrorCode;
  message: string;
  hint?: string;
  context: TanhuiErrorContext;
  stack?: string;
}

export function isTanhuiError(err: unknown, code?: TanhuiErrorCode): err is TanhuiError {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { name?: unknown; code?: unknown };
  // Structural check so the plain `toData()` form that crossed a worker boundary still matches.
  if (e.name !== 'TanhuiError' || typeof e.code !== 'string') return false;
  return code === undefined || e.code === code;
}
