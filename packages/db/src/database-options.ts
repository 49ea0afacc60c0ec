import type { TracerProvider } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { DbError } from './db-error.js';

export interface DatabaseOptions {
  /**
   * `mysql://user:password@host:port/database`; the query may set `connectionLimit`,
   * `queueLimit`, `connectTimeoutMs`, `statementTimeoutMs` and `keepAliveDelayMs` (an option
   * given both here and there must agree).
   */
  url: string;
  logger: Logger;
  registry: Registry;
  /** Default: the global tracer provider. */
  tracerProvider?: TracerProvider;
  /** Most connections open at once. Default 10. */
  connectionLimit?: number;
  /** Most callers waiting for a connection; beyond it a call fails with `unavailable`. 0: none may wait. Default 1000. */
  queueLimit?: number;
  /** Time to establish a connection (TCP and the MySQL handshake). Default 5000. */
  connectTimeoutMs?: number;
  /**
   * Longest wait for the server's answer to one statement (or ping). Past it the call fails with
   * kind `timeout` and its connection is destroyed: this is what finds a connection whose server
   * or network vanished without a FIN (half-open), on which TCP alone would wait for many minutes.
   * A statement that legitimately runs longer needs a scope of its own
   * (`withConnection(fn, { statementTimeoutMs })`). 0: no limit. Default 10000.
   */
  statementTimeoutMs?: number;
  /**
   * Idle time after which TCP keepalive probes check a connection, so that an idle pooled
   * connection to a host that is gone is dropped before a caller picks it. 0: no keepalive.
   * Default 30000.
   */
  keepAliveDelayMs?: number;
  /** The `db` label of the metrics. Default `main`. */
  name?: string;
  /**
   * MariaDB kills a connection that sits idle inside a transaction this long, releasing its row
   * locks: a stalled client (a paused process, a frozen VM) must not hold locks others need, such
   * as a lease row. 0 (the default) leaves the server's setting. MySQL has no such setting; there
   * it is ignored.
   */
  idleTransactionTimeoutS?: number;
}

/** Validated options, with the URL taken apart. */
export interface CompiledOptions {
  readonly idleTransactionTimeoutS: number;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** Empty when the URL names none. */
  readonly database: string;
  readonly connectionLimit: number;
  readonly queueLimit: number;
  readonly connectTimeoutMs: number;
  readonly statementTimeoutMs: number;
  readonly keepAliveDelayMs: number;
  readonly name: string;
}

const defaults = {
  connectionLimit: 10,
  queueLimit: 1000,
  connectTimeoutMs: 5000,
  statementTimeoutMs: 10_000,
  keepAliveDelayMs: 30_000,
  name: 'main',
};
const urlParams = [
  'connectionLimit',
  'queueLimit',
  'connectTimeoutMs',
  'statementTimeoutMs',
  'keepAliveDelayMs',
] as const;
type UrlParam = (typeof urlParams)[number];

/** Checks the options once and returns them frozen; throws DbError `other` naming each problem. */
export function compileOptions(options: DatabaseOptions): CompiledOptions {
  const problems: string[] = [];
  let url: URL | undefined;
  try {
    url = new URL(options.url);
  } catch {
    problems.push('url is not a URL');
  }
  if (url && url.protocol !== 'mysql:' && url.protocol !== 'mariadb:') {
    problems.push(`url scheme must be mysql: (got ${url.protocol})`);
  }
  const fromUrl: Partial<Record<UrlParam, number>> = {};
  for (const [key, value] of url?.searchParams ?? []) {
    if (!(urlParams as readonly string[]).includes(key)) {
      problems.push(`url parameter ${key} is unknown (known: ${urlParams.join(', ')})`);
    } else {
      fromUrl[key as UrlParam] = Number(value);
    }
  }
  const pick = (key: UrlParam, min: number): number => {
    const given = options[key];
    const inUrl = fromUrl[key];
    if (given !== undefined && inUrl !== undefined && given !== inUrl) {
      problems.push(`${key} is ${given} in the options but ${inUrl} in the url`);
    }
    const value = given ?? inUrl ?? defaults[key];
    if (!Number.isInteger(value) || value < min) {
      problems.push(`${key} must be an integer >= ${min} (got ${String(value)})`);
    }
    return value;
  };
  const compiled: CompiledOptions = {
    host: url ? decodeURIComponent(url.hostname.replace(/^\[(.*)\]$/, '$1')) : '',
    port: url?.port ? Number(url.port) : 3306,
    user: url ? decodeURIComponent(url.username) : '',
    password: url ? decodeURIComponent(url.password) : '',
    database: url ? decodeURIComponent(url.pathname.replace(/^\//, '')) : '',
    connectionLimit: pick('connectionLimit', 1),
    queueLimit: pick('queueLimit', 0),
    connectTimeoutMs: pick('connectTimeoutMs', 1),
    statementTimeoutMs: pick('statementTimeoutMs', 0),
    keepAliveDelayMs: pick('keepAliveDelayMs', 0),
    name: options.name ?? defaults.name,
    idleTransactionTimeoutS: options.idleTransactionTimeoutS ?? 0,
  };
  if (!Number.isInteger(compiled.idleTransactionTimeoutS) || compiled.idleTransactionTimeoutS < 0) {
    problems.push('idleTransactionTimeoutS must be an integer >= 0');
  }
  if (url && !compiled.host) problems.push('url has no host');
  if (url && !compiled.user) problems.push('url has no user');
  if (!compiled.name) problems.push('name must not be empty');
  if (problems.length > 0) {
    // The URL itself is not repeated: it may hold a password.
    throw new DbError('other', `invalid database options: ${problems.join('; ')}`);
  }
  return Object.freeze(compiled);
}
