import { PrivateProcess } from './private-process.js';

/**
 * A private mysqld_exporter (Debian's `prometheus-mysqld-exporter`) for the server of
 * `mysqlUrl` (`mysql://user:password@host:port/...`; the database is ignored: the exporter reads
 * the server's global status and replication state), on a free port of 127.0.0.1.
 */
export async function startMysqldExporter(
  mysqlUrl: string,
  options: { startTimeoutMs?: number } = {},
): Promise<PrivateProcess> {
  return PrivateProcess.start({
    command: 'prometheus-mysqld-exporter',
    args: (port) => [`--web.listen-address=127.0.0.1:${port}`],
    // Version 0.14 reads the server from DATA_SOURCE_NAME (a Go driver DSN) before any .my.cnf.
    env: { ...process.env, DATA_SOURCE_NAME: goDsn(mysqlUrl) },
    readyPath: '/metrics',
    startTimeoutMs: options.startTimeoutMs,
  });
}

/** `mysql://user:password@host:port/db` as go-sql-driver/mysql spells it: `user:password@tcp(host:port)/`. */
export function goDsn(mysqlUrl: string): string {
  const url = new URL(mysqlUrl);
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  const credentials = password ? `${user}:${password}` : user;
  return `${credentials}@tcp(${url.hostname}:${url.port || '3306'})/`;
}
