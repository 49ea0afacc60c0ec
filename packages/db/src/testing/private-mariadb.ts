import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { createConnection } from 'mysql2/promise';
import type { Logger } from 'pino';
import { needsService } from '@vpcd/observability/testing';
import { findBinary } from './find-binary.js';
import { freePort } from './free-port.js';

const run = promisify(execFile);

/** A MariaDB (or MySQL) server of this process alone: own data directory, socket and port. */
export interface PrivateMariadb {
  /** `mysql://root@127.0.0.1:<port>`: root, no password, no database selected. */
  readonly url: string;
  readonly port: number;
  /** Shuts the server down (SIGTERM) and waits for it to exit; the data stays. */
  stop(): Promise<void>;
  /** Kills the server (SIGKILL: a crash, no shutdown) and waits for it to exit; the data stays. */
  kill(): Promise<void>;
  /** Starts the stopped server again on the same port and waits until it answers. */
  start(): Promise<void>;
  restart(): Promise<void>;
  /** Stops the server and deletes its data. */
  destroy(): Promise<void>;
}

export interface PrivateMariadbOptions {
  logger?: Logger;
  /** How long initialising or starting may take. Default 60000. */
  startTimeoutMs?: number;
  /**
   * More server options (`--server-id=2`, `--log-bin=mysql-bin`, ...), given after the defaults
   * so they override them (the defaults switch the binary log off). Default none.
   */
  serverOptions?: readonly string[];
}

// Servers still running when the process exits are killed then, and their data deleted.
const running = new Set<{ child?: ChildProcess; dir: string }>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const server of running) {
      server.child?.kill('SIGKILL');
      rmSync(server.dir, { recursive: true, force: true, maxRetries: 5 });
    }
  });
}

/**
 * Initialises and starts a throwaway server from the installed binaries (`mariadbd` with
 * `mariadb-install-db`, or MySQL's `mysqld --initialize-insecure`). Root has no password and the
 * grant tables are in force. Chaos tests stop and start it without touching a shared server.
 */
export async function privateMariadb(options: PrivateMariadbOptions = {}): Promise<PrivateMariadb> {
  needsService('MariaDB');
  const startTimeoutMs = options.startTimeoutMs ?? 60_000;
  const server = await findBinary(['mariadbd', 'mysqld']);
  if (!server) throw new Error('neither mariadbd nor mysqld is installed');
  const { stdout } = await run(server, ['--version']);
  const isMariadb = /mariadb/i.test(stdout);
  const dir = await mkdtemp(path.join(tmpdir(), 'vpcd-mariadb-'));
  const state: { child?: ChildProcess; dir: string } = { dir };
  running.add(state);
  installExitHook();
  const dataDir = path.join(dir, 'data');
  const socket = path.join(dir, 'mysqld.sock');
  const logFile = path.join(dir, 'error.log');
  const asRoot = process.getuid?.() === 0 ? ['--user=root'] : [];
  try {
    await initialise(server, isMariadb, dataDir, asRoot, startTimeoutMs);
  } catch (err) {
    running.delete(state);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  let port = await freePort();
  let exited: Promise<void> = Promise.resolve();

  const start = async (): Promise<void> => {
    if (state.child && state.child.exitCode === null && state.child.signalCode === null) return;
    const child = spawn(
      server,
      [
        '--no-defaults',
        `--datadir=${dataDir}`,
        `--socket=${socket}`,
        `--port=${port}`,
        '--bind-address=127.0.0.1',
        `--pid-file=${path.join(dir, 'mysqld.pid')}`,
        `--log-error=${logFile}`,
        `--tmpdir=${dir}`,
        '--skip-name-resolve',
        '--character-set-server=utf8mb4',
        '--max-connections=500',
        '--innodb-buffer-pool-size=64M',
        '--innodb-flush-log-at-trx-commit=2',
        '--loose-skip-log-bin',
        '--loose-innodb-doublewrite=0',
        '--loose-performance-schema=OFF',
        '--loose-mysqlx=OFF',
        ...asRoot,
        ...(options.serverOptions ?? []),
      ],
      { stdio: 'ignore' },
    );
    // The server must not keep this process alive; the exit hook stops it.
    child.unref();
    state.child = child;
    exited = new Promise((resolve) => child.once('exit', () => resolve()));
    await waitUntilReady(child, socket, logFile, startTimeoutMs);
  };

  const stop = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> => {
    const child = state.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    // This timer also keeps the event loop alive while the unref'd child shuts down.
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  };

  try {
    await start();
  } catch (err) {
    // The port may have been taken between choosing and binding it: try once more.
    if (!/address already in use/i.test(String(err))) throw err;
    port = await freePort();
    await start();
  }
  await allowRootOverTcp(socket);
  options.logger?.info({ port, dataDir }, 'private database server started');

  return {
    url: `mysql://root@127.0.0.1:${port}`,
    port,
    stop: () => stop(),
    kill: () => stop('SIGKILL'),
    start,
    restart: async () => {
      await stop();
      await start();
    },
    destroy: async () => {
      await stop();
      running.delete(state);
      await rm(dir, { recursive: true, force: true, maxRetries: 5 });
    },
  };
}

async function initialise(
  server: string,
  isMariadb: boolean,
  dataDir: string,
  asRoot: string[],
  timeoutMs: number,
): Promise<void> {
  if (!isMariadb) {
    await run(
      server,
      ['--no-defaults', '--initialize-insecure', `--datadir=${dataDir}`, ...asRoot],
      { timeout: timeoutMs },
    );
    return;
  }
  const installer = await findBinary(['mariadb-install-db', 'mysql_install_db']);
  if (!installer) throw new Error('mariadb-install-db is not installed');
  await run(
    installer,
    [
      '--no-defaults',
      `--datadir=${dataDir}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      '--skip-name-resolve',
      ...asRoot,
    ],
    // The bootstrap server's temporary tables go to TMPDIR: a directory of this server alone,
    // as two installs at once in a shared /tmp have been seen to fail.
    { timeout: timeoutMs, env: { ...process.env, TMPDIR: path.dirname(dataDir) } },
  );
}

/** Polls the socket until the server answers; fails with its log when it exits first. */
async function waitUntilReady(
  child: ChildProcess,
  socket: string,
  logFile: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`database server exited while starting:\n${await tail(logFile)}`);
    }
    try {
      const connection = await createConnection({ socketPath: socket, user: 'root' });
      await connection.end();
      return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`database server did not start in ${timeoutMs} ms:\n${await tail(logFile)}`);
    }
    await sleep(100);
  }
}

/** With --skip-name-resolve, TCP clients match `root@127.0.0.1`, which MySQL does not create. */
async function allowRootOverTcp(socket: string): Promise<void> {
  const connection = await createConnection({ socketPath: socket, user: 'root' });
  try {
    await connection.query("CREATE USER IF NOT EXISTS 'root'@'127.0.0.1'");
    await connection.query("GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION");
  } finally {
    await connection.end();
  }
}

async function tail(file: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').slice(-20).join('\n');
}
