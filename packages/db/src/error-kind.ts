/**
 * What went wrong, in the terms a caller acts on: `unavailable` (the server cannot be reached or
 * will not take writes now), `duplicate` (a unique key already holds the value), `deadlock`,
 * `timeout` (a lock wait or a statement ran out of time), `constraint` (a foreign key, CHECK or
 * NOT NULL rule refused the row), `other` (a bug or a schema mismatch: do not retry).
 */
export type DbErrorKind =
  'unavailable' | 'duplicate' | 'deadlock' | 'timeout' | 'constraint' | 'other';

/** The fields of a mysql2 error (or a Node socket error) that classification reads. */
interface DriverError {
  message?: unknown;
  code?: unknown;
  errno?: unknown;
  sqlState?: unknown;
  sqlMessage?: unknown;
  fatal?: unknown;
}

export interface Classified {
  kind: DbErrorKind;
  message: string;
  key?: string;
  errno?: number;
  sqlState?: string;
  code?: string;
}

/** Server error numbers (MySQL and MariaDB share them below 1900) and what they mean to callers. */
const byErrno: ReadonlyMap<number, DbErrorKind> = new Map([
  [1040, 'unavailable'], // ER_CON_COUNT_ERROR: too many connections
  [1053, 'unavailable'], // ER_SERVER_SHUTDOWN
  [1290, 'unavailable'], // ER_OPTION_PREVENTS_STATEMENT: --read-only (a replica, or failover)
  [1792, 'unavailable'], // ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION
  [1836, 'unavailable'], // ER_READ_ONLY_MODE
  [1927, 'unavailable'], // ER_CONNECTION_KILLED (MariaDB)
  [4031, 'unavailable'], // ER_CLIENT_INTERACTION_TIMEOUT (MySQL 8: idle connection closed)
  [1062, 'duplicate'], // ER_DUP_ENTRY
  [1586, 'duplicate'], // ER_DUP_ENTRY_WITH_KEY_NAME
  [1213, 'deadlock'], // ER_LOCK_DEADLOCK
  [1205, 'timeout'], // ER_LOCK_WAIT_TIMEOUT
  [1969, 'timeout'], // ER_STATEMENT_TIMEOUT (MariaDB max_statement_time)
  [3024, 'timeout'], // ER_QUERY_TIMEOUT (MySQL max_execution_time)
  [1048, 'constraint'], // ER_BAD_NULL_ERROR: NOT NULL
  [1216, 'constraint'], // ER_NO_REFERENCED_ROW
  [1217, 'constraint'], // ER_ROW_IS_REFERENCED
  [1451, 'constraint'], // ER_ROW_IS_REFERENCED_2: a child row still refers to it
  [1452, 'constraint'], // ER_NO_REFERENCED_ROW_2: the parent row does not exist
  [3819, 'constraint'], // ER_CHECK_CONSTRAINT_VIOLATED (MySQL)
  [4025, 'constraint'], // ER_CONSTRAINT_FAILED (MariaDB CHECK)
]);

/** Client-side codes: the socket, the protocol state and mysql2's own timeouts. */
const byCode: ReadonlyMap<string, DbErrorKind> = new Map([
  ['ECONNREFUSED', 'unavailable'],
  ['ECONNRESET', 'unavailable'],
  ['EPIPE', 'unavailable'],
  ['ETIMEDOUT', 'unavailable'], // the connect timeout: the server did not answer
  ['EHOSTUNREACH', 'unavailable'],
  ['ENETUNREACH', 'unavailable'],
  ['ENOTFOUND', 'unavailable'],
  ['EAI_AGAIN', 'unavailable'],
  ['PROTOCOL_CONNECTION_LOST', 'unavailable'],
  ['PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR', 'unavailable'],
  ['PROTOCOL_ENQUEUE_AFTER_QUIT', 'unavailable'],
  ['ER_CON_COUNT_ERROR', 'unavailable'],
  ['PROTOCOL_SEQUENCE_TIMEOUT', 'timeout'],
]);

/** mysql2's pool reports these as plain Errors without a code. */
const poolMessages: ReadonlyMap<string, DbErrorKind> = new Map([
  ['Queue limit reached.', 'unavailable'],
  ['No connections available.', 'unavailable'],
  ['Pool is closed.', 'unavailable'],
]);

/** Classifies a driver error; anything unrecognised is `other`. */
export function classifyDriverError(err: unknown): Classified {
  const e: DriverError = typeof err === 'object' && err !== null ? err : {};
  const errno = typeof e.errno === 'number' && e.errno > 0 ? e.errno : undefined;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const sqlState = typeof e.sqlState === 'string' ? e.sqlState : undefined;
  const text = typeof e.sqlMessage === 'string' ? e.sqlMessage : messageOf(err);
  const kind =
    (errno !== undefined ? byErrno.get(errno) : undefined) ??
    (code !== undefined ? byCode.get(code) : undefined) ??
    poolMessages.get(text) ??
    // A fatal error without a server errno is the connection itself failing.
    (e.fatal === true && errno === undefined ? 'unavailable' : 'other');
  const base = { kind, errno, sqlState, code };
  if (kind !== 'duplicate') return { ...base, message: text };
  const key = duplicateKey(text);
  // The entry value may be private (a name, an address): it stays in the cause only.
  return { ...base, key, message: `duplicate entry for key '${key ?? '?'}'` };
}

/**
 * The key of "Duplicate entry '...' for key 'uq_x'" (MariaDB) or "... for key 'table.uq_x'"
 * (MySQL 8.0.19+), without the table.
 */
export function duplicateKey(message: string): string | undefined {
  const match = /for key '([^']*)'\s*$/.exec(message);
  if (!match?.[1]) return undefined;
  const name = match[1];
  const dot = name.lastIndexOf('.');
  return dot >= 0 ? name.slice(dot + 1) : name;
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  return 'unknown database error';
}
