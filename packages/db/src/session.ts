import type { ResultSetHeader } from 'mysql2/promise';
import { DbError } from './db-error.js';
import { runStatement, type Instruments, type Send } from './run-statement.js';

/** Runs SQL. Parameters bind to `?` placeholders (arrays expand, for `IN (?)` and bulk VALUES). */
export interface Queryable {
  /** Runs a statement that returns rows and returns them. */
  query<T extends object = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs a write and returns how many rows it affected and the AUTO_INCREMENT id it generated. */
  execute(sql: string, params?: unknown[]): Promise<{ affectedRows: number; insertId: number }>;
}

/**
 * A Queryable over the pool, one connection, or one transaction. In a transaction the first error
 * that ends it on the server (deadlock, lock wait timeout, lost connection) is sticky: every later
 * statement rejects with it, and the transaction rolls back even when the callback swallowed it.
 */
export class Session implements Queryable {
  #finished = false;
  #failure: DbError | undefined;
  #broken = false;

  constructor(
    private readonly instruments: Instruments,
    private readonly send: Send,
    private readonly scope: 'pool' | 'connection' | 'transaction',
  ) {}

  async query<T extends object = Record<string, unknown>>(
    sql: string,
    params?: unknown[],
  ): Promise<T[]> {
    const result = await this.#run(sql, params);
    return Array.isArray(result) ? (result as T[]) : [];
  }

  async execute(
    sql: string,
    params?: unknown[],
  ): Promise<{ affectedRows: number; insertId: number }> {
    const result = await this.#run(sql, params);
    if (Array.isArray(result)) return { affectedRows: 0, insertId: 0 };
    const header = result as Partial<ResultSetHeader>;
    return {
      affectedRows: Number(header.affectedRows ?? 0),
      insertId: Number(header.insertId ?? 0),
    };
  }

  /** Transaction control (BEGIN, COMMIT, ...): traced and measured, not counted by countQueries. */
  async control(sql: string): Promise<void> {
    try {
      await runStatement(this.instruments, this.send, sql, undefined, 'control');
    } catch (err) {
      this.#note(err as DbError);
      throw err;
    }
  }

  /** The sticky error of a transaction, if one happened. */
  get failure(): DbError | undefined {
    return this.#failure;
  }

  /** True when the connection must not go back to the pool (its state is unknown). */
  get broken(): boolean {
    return this.#broken;
  }

  /** Keeps the connection out of the pool, e.g. after a failed ROLLBACK. */
  markBroken(): void {
    this.#broken = true;
  }

  /** Ends the session: later calls reject, so a leaked Queryable cannot run outside its scope. */
  finish(): void {
    this.#finished = true;
  }

  async #run(sql: string, params: unknown[] | undefined): Promise<unknown> {
    if (this.#finished) {
      throw new DbError('other', 'the transaction or connection scope has ended');
    }
    if (this.#failure) throw this.#failure;
    try {
      return await runStatement(this.instruments, this.send, sql, params, 'statement');
    } catch (err) {
      this.#note(err as DbError);
      throw err;
    }
  }

  #note(err: DbError): void {
    if (leavesConnectionBroken(err)) this.#broken = true;
    if (this.scope === 'transaction' && !this.#failure && (err.retryable || this.#broken)) {
      this.#failure = err;
    }
  }
}

/**
 * True when the connection a statement failed on must not be reused: a client-side failure (no
 * server errno: a lost connection, a statement without an answer) leaves its state unknown.
 */
export function leavesConnectionBroken(err: DbError): boolean {
  return err.kind === 'unavailable' || (err.kind === 'timeout' && err.errno === undefined);
}
