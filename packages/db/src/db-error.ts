import { classifyDriverError, type DbErrorKind } from './error-kind.js';

const brand = Symbol.for('vpcd.db.DbError');

export interface DbErrorOptions {
  cause?: unknown;
  errno?: number;
  sqlState?: string;
  /** The driver's error code, e.g. `ER_DUP_ENTRY` or `ECONNREFUSED`. */
  code?: string;
  key?: string;
}

/**
 * The error of the database boundary: every method of Database and Queryable rejects with one.
 * The driver's error is kept as `cause`; its message may quote a row value, so DbError's own
 * message leaves a duplicate entry's value out.
 */
export class DbError extends Error {
  readonly [brand] = true;
  readonly kind: DbErrorKind;
  readonly errno?: number;
  readonly sqlState?: string;
  readonly code?: string;
  /** For `duplicate`: the name of the unique key, e.g. `uq_interfaces_vpc_ip`. */
  readonly key?: string;

  constructor(kind: DbErrorKind, message: string, options: DbErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = `DbError(${kind})`;
    this.kind = kind;
    if (options.errno !== undefined) this.errno = options.errno;
    if (options.sqlState !== undefined) this.sqlState = options.sqlState;
    if (options.code !== undefined) this.code = options.code;
    if (options.key !== undefined) this.key = options.key;
  }

  /** Normalises anything thrown: a DbError as it is, a mysql2 error by its errno and code. */
  static from(err: unknown): DbError {
    if (isDbError(err)) return err;
    const { kind, key, message, errno, sqlState, code } = classifyDriverError(err);
    return new DbError(kind, message, { cause: err, errno, sqlState, code, key });
  }

  /** True when the same call may succeed later: `unavailable`, `deadlock`, `timeout`. */
  get retryable(): boolean {
    return this.kind === 'unavailable' || this.kind === 'deadlock' || this.kind === 'timeout';
  }
}

/** True for a DbError from any copy of this package (no instanceof across copies). */
export function isDbError(err: unknown): err is DbError {
  return typeof err === 'object' && err !== null && (err as { [brand]?: unknown })[brand] === true;
}

/** True when `err` is, or normalises to, a DbError of this kind. */
export function hasKind(err: unknown, kind: DbErrorKind): boolean {
  return DbError.from(err).kind === kind;
}
