import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, openSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { connect } from 'amqplib';
import { needsService } from '@vpcd/observability/testing';

/** A RabbitMQ node of this process's own: own name, ports, data, logs and Erlang cookie. */
export interface PrivateRabbitmq {
  /** `amqp://guest:guest@127.0.0.1:<port>`; the same across restarts. */
  readonly url: string;
  /** `amqps://guest:guest@127.0.0.1:<port>` when started with `tls`. */
  readonly tlsUrl: string | undefined;
  /** Stops the node (gracefully: clients get a connection.close) and waits until it is gone. */
  stop(): Promise<void>;
  /** Starts the stopped node on the same data and ports; resolves when it accepts AMQP. */
  start(): Promise<void>;
  /** stop() then start(): durable queues and their messages survive. */
  restart(): Promise<void>;
  /** Runs `rabbitmqctl` against this node (e.g. `['add_vhost', name]`); resolves to its output. */
  rabbitmqctl(args: string[]): Promise<string>;
  /** Stops the node and removes its directory. */
  close(): Promise<void>;
}

export interface PrivateRabbitmqOptions {
  /** How long a start may take before it fails. Default 60000. */
  startTimeoutMs?: number;
  /**
   * Also listen for AMQPS with these PEM files (the server's certificate must name 127.0.0.1);
   * with `caFile`, clients must present a certificate that CA signed.
   */
  tls?: { certFile: string; keyFile: string; caFile?: string };
}

/**
 * Starts a throwaway RabbitMQ node from the installed `rabbitmq-server` and waits until it accepts
 * AMQP connections. HOME points at the node's directory, so the node makes its own Erlang cookie
 * and never touches the user's. The node is killed when this process exits without close().
 */
export async function privateRabbitmq(
  options: PrivateRabbitmqOptions = {},
): Promise<PrivateRabbitmq> {
  needsService('RabbitMQ');
  const startTimeoutMs = options.startTimeoutMs ?? 60_000;
  const server = rabbitmqServerPath();
  const dir = await mkdtemp(join(tmpdir(), 'vpcd-rabbitmq-'));
  const [nodePort, distPort, tlsPort] = await freePorts(3);
  const nodeName = `vpcd-test-${process.pid}-${nodePort}@localhost`;
  await mkdir(join(dir, 'mnesia'));
  await mkdir(join(dir, 'log'));
  await writeFile(join(dir, 'rabbitmq-env.conf'), '');
  await writeFile(join(dir, 'enabled_plugins'), '[].\n');
  await writeFile(join(dir, 'rabbitmq.conf'), rabbitmqConf(nodePort!, tlsPort!, options.tls));
  const env: NodeJS.ProcessEnv = {
    ...withoutRabbitmqEnv(process.env),
    HOME: dir,
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_NODENAME: nodeName,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(nodePort),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_PID_FILE: join(dir, 'rabbitmq.pid'),
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
  };
  const url = `amqp://guest:guest@127.0.0.1:${nodePort}`;
  const outputPath = join(dir, 'output.log');
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const pidFile = env.RABBITMQ_PID_FILE ?? '';
  // The child is the start script, which runs the Erlang VM as its own child and turns SIGTERM
  // into a graceful stop; killing it hard would orphan the VM, whose pid the pid file has.
  const killHard = (): void => {
    try {
      process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGKILL');
    } catch {
      // not running
    }
    child?.kill('SIGKILL');
  };
  const killOnExit = (): void => {
    killHard();
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);
  const watchdog = startWatchdog(pidFile, dir);

  const start = async (): Promise<void> => {
    if (child) throw new Error('the private RabbitMQ node is running');
    const output = openSync(outputPath, 'a');
    const started = spawn(server, [], { cwd: dir, env, stdio: ['ignore', output, output] });
    closeSync(output);
    started.unref();
    child = started;
    exited = new Promise((resolve) => started.once('exit', () => resolve()));
    let gone = false;
    void exited.then(() => {
      gone = true;
      if (child === started) child = undefined;
    });
    const deadline = Date.now() + startTimeoutMs;
    for (;;) {
      if (gone) throw new Error(`RabbitMQ exited while starting: ${await tail(outputPath)}`);
      if (await acceptsAmqp(url)) return;
      if (Date.now() > deadline) {
        throw new Error(
          `RabbitMQ did not start in ${startTimeoutMs} ms: ${await tail(outputPath)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };

  const stop = async (): Promise<void> => {
    const running = child;
    if (!running) return;
    running.kill('SIGTERM');
    const killer = setTimeout(killHard, 30_000);
    await exited;
    clearTimeout(killer);
  };

  try {
    await start();
  } catch (err) {
    await stop();
    process.removeListener('exit', killOnExit);
    watchdog.kill();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url,
    tlsUrl: options.tls ? `amqps://guest:guest@127.0.0.1:${tlsPort}` : undefined,
    start,
    stop,
    restart: async () => {
      await stop();
      await start();
    },
    rabbitmqctl: async (args) => {
      const ctl = join(dirname(server), 'rabbitmqctl');
      const { stdout } = await promisify(execFile)(ctl, ['-n', nodeName, ...args], {
        env,
        cwd: dir,
      });
      return stdout;
    },
    close: async () => {
      await stop();
      process.removeListener('exit', killOnExit);
      watchdog.kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function rabbitmqConf(
  nodePort: number,
  tlsPort: number,
  tls: PrivateRabbitmqOptions['tls'],
): string {
  const lines = [`listeners.tcp.default = 127.0.0.1:${nodePort}`];
  if (tls) {
    lines.push(
      `listeners.ssl.default = 127.0.0.1:${tlsPort}`,
      `ssl_options.certfile = ${tls.certFile}`,
      `ssl_options.keyfile = ${tls.keyFile}`,
    );
    if (tls.caFile) {
      lines.push(
        `ssl_options.cacertfile = ${tls.caFile}`,
        'ssl_options.verify = verify_peer',
        'ssl_options.fail_if_no_peer_cert = true',
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * A detached shell that kills the node and removes its directory when this process dies without
 * running its exit handlers (SIGKILL, a test runner's timeout), so no node outlives its test.
 */
function startWatchdog(pidFile: string, dir: string): ChildProcess {
  const script = [
    `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done`,
    `if [ -f "$1" ]; then kill -9 "$(cat "$1")" 2>/dev/null; fi`,
    'rm -rf "$2"',
  ].join('\n');
  const watchdog = spawn('sh', ['-c', script, 'watchdog', pidFile, dir], {
    detached: true,
    stdio: 'ignore',
  });
  watchdog.unref();
  return watchdog;
}

/**
 * The RabbitMQ start script: Debian's own (its /usr/sbin wrapper switches to the rabbitmq user,
 * which could not read our directory), else `rabbitmq-server` on PATH.
 */
function rabbitmqServerPath(): string {
  const candidates = [
    '/usr/lib/rabbitmq/bin/rabbitmq-server',
    ...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'rabbitmq-server')),
  ];
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not this one
    }
  }
  throw new Error('rabbitmq-server is not installed (Debian: apt-get install rabbitmq-server)');
}

function withoutRabbitmqEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(env).filter(([key]) => !key.startsWith('RABBITMQ_') && key !== 'ERL_FLAGS'),
  );
}

/** Whether an AMQP connection to `url` opens. */
export async function acceptsAmqp(url: string): Promise<boolean> {
  try {
    const model = await connect(url, { timeout: 2000 });
    model.on('error', () => undefined);
    await model.close();
    return true;
  } catch {
    return false;
  }
}

/** Ports free now, distinct; a race with another process taking one is possible but unlikely. */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, async () => {
      const server = createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
      return server;
    }),
  );
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

async function tail(path: string): Promise<string> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.slice(-2000);
}
