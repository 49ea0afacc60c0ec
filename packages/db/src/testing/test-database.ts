import { randomBytes } from 'node:crypto';
import { createConnection, type Connection } from 'mysql2/promise';
import type { Logger } from 'pino';
import { needsService } from '@vpcd/observability/testing';
import { privateMariadb } from './private-mariadb.js';

/** A database of its own on a test server; drop() removes it. */
export interface TestDatabase {
  /** `mysql://user:password@host:port/<database>`. */
  url: string;
  database: string;
  /** Drops the database. Idempotent. */
  drop(): Promise<void>;
}

const localServer = 'mysql://root@127.0.0.1:3306';
let server: Promise<string> | undefined;

/**
 * Creates a uniquely named throwaway database (`vpcd_test_<random>`) on the server of env
 * MYSQL_URL (its host, port, user and password; its database is ignored), else on
 * 127.0.0.1:3306 as root without password when that answers, else on a private server started
 * for this process and stopped when it exits.
 */
export async function createTestDatabase(options: { logger?: Logger } = {}): Promise<TestDatabase> {
  needsService('MariaDB');
  server ??= findServer(options.logger).catch((err: unknown) => {
    server = undefined;
    throw err;
  });
  const base = await server;
  const database = `vpcd_test_${randomBytes(6).toString('hex')}`;
  await withConnection(base, (c) => c.query(`CREATE DATABASE \`${database}\``));
  let dropped: Promise<void> | undefined;
  return {
    url: `${base}/${database}`,
    database,
    drop: () =>
      (dropped ??= withConnection(base, async (c) => {
        await c.query(`DROP DATABASE IF EXISTS \`${database}\``);
      })),
  };
}

async function findServer(logger: Logger | undefined): Promise<string> {
  const candidates = [process.env.MYSQL_URL, localServer].filter((u): u is string => !!u);
  for (const candidate of candidates) {
    const base = serverOnly(candidate);
    if (await answers(base)) return base;
  }
  logger?.info('no database server answers: starting a private one');
  const instance = await privateMariadb(logger ? { logger } : {});
  return instance.url;
}

/** The URL without its database and parameters. */
function serverOnly(url: string): string {
  const parsed = new URL(url);
  const auth = parsed.username
    ? `${parsed.username}${parsed.password ? `:${parsed.password}` : ''}@`
    : '';
  return `${parsed.protocol}//${auth}${parsed.host}`;
}

async function answers(url: string): Promise<boolean> {
  try {
    await withConnection(url, (c) => c.query('SELECT 1'));
    return true;
  } catch {
    return false;
  }
}

async function withConnection<T>(url: string, fn: (c: Connection) => Promise<T>): Promise<T> {
  const parsed = new URL(url);
  const connection = await createConnection({
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : 3306,
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    connectTimeout: 3000,
  });
  try {
    return await fn(connection);
  } finally {
    await connection.end();
  }
}
