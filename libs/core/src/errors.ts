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
}

export function isTanhuiError(err: unknown, code?: TanhuiErrorCode): err is TanhuiError {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { name?: unknown; code?: unknown };
  // Structural check so errors that crossed a worker boundary (structured clone) still match.
  if (e.name !== 'TanhuiError' || typeof e.code !== 'string') return false;
  return code === undefined || e.code === code;
}
