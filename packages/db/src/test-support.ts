import pino, { type Logger } from 'pino';
import { Registry } from 'prom-client';
import { createDatabase, type Database } from './database.js';
import type { DatabaseOptions } from './database-options.js';
import { createTestDatabase, type TestDatabase } from './testing/test-database.js';

export const silentLogger: Logger = pino({ level: 'silent' });

/** A throwaway database and a way to open Database objects on it, each closed by cleanup(). */
export interface TestContext {
  testDb: TestDatabase;
  open(options?: Partial<DatabaseOptions>): { db: Database; registry: Registry };
  cleanup(): Promise<void>;
}

export async function testContext(): Promise<TestContext> {
  const testDb = await createTestDatabase();
  const opened: Database[] = [];
  return {
    testDb,
    open(options = {}) {
      const registry = options.registry ?? new Registry();
      const db = createDatabase({ url: testDb.url, logger: silentLogger, registry, ...options });
      opened.push(db);
      return { db, registry };
    },
    async cleanup() {
      await Promise.all(opened.map((db) => db.close()));
      await testDb.drop();
    },
  };
}

/** A promise with its resolve function, to order steps of concurrent work. */
export function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Reads until `done` holds (or about 10 s pass), then returns the last value read. */
export async function eventually<T>(
  read: () => Promise<T> | T,
  done: (v: T) => boolean,
): Promise<T> {
  for (let i = 0; ; i++) {
    const value = await read();
    if (done(value) || i >= 1000) return value;
    await new Promise((r) => setTimeout(r, 10));
  }
}

export { metricValue } from '@vpcd/observability/testing';
