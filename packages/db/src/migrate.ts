import type { Logger } from 'pino';
import type { Database } from './database.js';
import { DbError } from './db-error.js';
import type { Queryable } from './session.js';

/** One schema change. `id`s order the migrations; a released id and its statements never change. */
export interface Migration {
  id: number;
  name: string;
  /**
   * Run one by one. MySQL commits DDL at once, so a migration that fails halfway stays half
   * applied: keep one DDL statement per migration, or make the statements idempotent.
   */
  statements: string[];
}

export interface MigrateOptions {
  /** The GET_LOCK name serialising migrators (at most 64 characters). Default `vpcd_migrate`. */
  lockName?: string;
  /** How long to wait for another migrator to finish. Default 60000. */
  lockTimeoutMs?: number;
  /**
   * Longest wait for one statement of the migration connection, in place of the pool's: DDL on
   * a large table may run for minutes. Must exceed lockTimeoutMs (GET_LOCK waits that long);
   * 0: no limit. Default 600000.
   */
  statementTimeoutMs?: number;
  /** Told about each migration applied. */
  logger?: Logger;
}

const createLedger = `CREATE TABLE IF NOT EXISTS schema_migrations (
  id BIGINT NOT NULL PRIMARY KEY,
  name VARCHAR(255) NOT NULL,
  applied_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
) ENGINE=InnoDB`;

/**
 * Applies the migrations not yet applied, in id order, each recorded in `schema_migrations`.
 * Migrators serialise on a named lock held by one connection, so processes that start together
 * apply each migration once; running it again applies nothing. Refuses (DbError `other`) when
 * the database holds a migration this list does not know (its schema is newer than this build)
 * or one whose name differs (the list was renumbered).
 */
export async function migrate(
  db: Database,
  migrations: readonly Migration[],
  options: MigrateOptions = {},
): Promise<{ applied: number[] }> {
  const lockName = options.lockName ?? 'vpcd_migrate';
  const lockTimeoutMs = options.lockTimeoutMs ?? 60_000;
  const statementTimeoutMs = options.statementTimeoutMs ?? 600_000;
  const ordered = validate(migrations);
  if (!lockName || lockName.length > 64) {
    throw new DbError('other', 'lockName must have 1 to 64 characters');
  }
  if (statementTimeoutMs !== 0 && statementTimeoutMs <= lockTimeoutMs) {
    throw new DbError('other', 'statementTimeoutMs must exceed lockTimeoutMs (or be 0)');
  }
  return db.withConnection(
    async (connection) => {
      // GET_LOCK waits whole seconds; it returns 1 when taken, 0 on timeout.
      const [lock] = await connection.query<{ taken: number | null }>(
        'SELECT GET_LOCK(?, ?) AS taken',
        [lockName, Math.max(1, Math.ceil(lockTimeoutMs / 1000))],
      );
      if (lock?.taken !== 1) {
        throw new DbError(
          'timeout',
          `another migrator held lock ${lockName} for ${lockTimeoutMs} ms`,
        );
      }
      try {
        return { applied: await applyPending(connection, ordered, options.logger) };
      } finally {
        // Closing the connection would release it too; a failure here leaves nothing held.
        await connection.query('SELECT RELEASE_LOCK(?) AS released', [lockName]).catch(() => []);
      }
    },
    { statementTimeoutMs },
  );
}

async function applyPending(
  connection: Queryable,
  migrations: readonly Migration[],
  logger: Logger | undefined,
): Promise<number[]> {
  await connection.execute(createLedger);
  const rows = await connection.query<{ id: number | string; name: string }>(
    'SELECT id, name FROM schema_migrations ORDER BY id',
  );
  const known = new Map(migrations.map((m) => [m.id, m]));
  const done = new Set<number>();
  for (const row of rows) {
    const id = Number(row.id);
    const migration = known.get(id);
    if (!migration) {
      throw new DbError(
        'other',
        `the database has migration ${id} (${row.name}), unknown to this build: its schema is newer`,
      );
    }
    if (migration.name !== row.name) {
      throw new DbError(
        'other',
        `migration ${id} is ${row.name} in the database but ${migration.name} here`,
      );
    }
    done.add(id);
  }
  const applied: number[] = [];
  for (const migration of migrations) {
    if (done.has(migration.id)) continue;
    const started = performance.now();
    for (const [index, sql] of migration.statements.entries()) {
      try {
        await connection.execute(sql);
      } catch (err) {
        const cause = DbError.from(err);
        throw new DbError(
          cause.kind,
          `migration ${migration.id} (${migration.name}) failed at statement ${index + 1}: ${cause.message}`,
          { cause, errno: cause.errno, sqlState: cause.sqlState, code: cause.code, key: cause.key },
        );
      }
    }
    await connection.execute('INSERT INTO schema_migrations (id, name) VALUES (?, ?)', [
      migration.id,
      migration.name,
    ]);
    applied.push(migration.id);
    logger?.info(
      { migration: migration.id, name: migration.name, durationMs: performance.now() - started },
      'migration applied',
    );
  }
  return applied;
}

/** Checks the list once; returns it sorted by id. */
function validate(migrations: readonly Migration[]): Migration[] {
  const seen = new Set<number>();
  for (const m of migrations) {
    if (!Number.isSafeInteger(m.id) || m.id <= 0) {
      throw new DbError('other', `migration id must be a positive integer (got ${m.id})`);
    }
    if (seen.has(m.id)) throw new DbError('other', `migration id ${m.id} is used twice`);
    seen.add(m.id);
    if (!m.name || m.name.length > 255) {
      throw new DbError('other', `migration ${m.id} needs a name of 1 to 255 characters`);
    }
    if (m.statements.length === 0) {
      throw new DbError('other', `migration ${m.id} (${m.name}) has no statements`);
    }
  }
  return [...migrations].sort((a, b) => a.id - b.id);
}
