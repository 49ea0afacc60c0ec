import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export interface PrivateProcessOptions {
  /** The executable, from PATH (a Debian package's binary). */
  readonly command: string;
  /** Its arguments, given the free port it must serve HTTP on (127.0.0.1). */
  readonly args: (port: number) => readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** A path that answers 2xx once the program is ready (`/-/ready`, `/metrics`). */
  readonly readyPath: string;
  /** Default 30000. */
  readonly startTimeoutMs?: number;
}

/**
 * A program serving HTTP on a free port of 127.0.0.1, started by a test and killed with it: the
 * common part of the private Prometheus, Alertmanager and exporters. Its output is kept for
 * the error of a failed start.
 */
export class PrivateProcess {
  private constructor(
    readonly url: string,
    readonly port: number,
    private readonly child: ChildProcess,
    readonly output: () => string,
  ) {}

  /**
   * Starts `command` and resolves once `readyPath` answers. The port is free when chosen and may
   * be taken before the program binds it: that start is tried again on another port.
   */
  static async start(o: PrivateProcessOptions): Promise<PrivateProcess> {
    for (let attempt = 1; ; attempt++) {
      const server = PrivateProcess.spawn(o, await freePort());
      try {
        await server.waitReady(o.readyPath, o.startTimeoutMs ?? 30_000);
        return server;
      } catch (err) {
        await server.stop();
        if (attempt < 3 && /address already in use/.test(String(err))) continue;
        throw err;
      }
    }
  }

  private static spawn(o: PrivateProcessOptions, port: number): PrivateProcess {
    const child = spawn(o.command, o.args(port), {
      env: o.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Never outlive the test process, even when it ends without stopping this one.
    const kill = () => child.kill('SIGKILL');
    process.once('exit', kill);
    child.once('exit', () => process.removeListener('exit', kill));
    let output = '';
    const keep = (d: Buffer | string) => {
      output = (output + d.toString()).slice(-20_000);
    };
    // Not installed, say: no pid, and waitReady reports this.
    child.once('error', (err) => keep(`${err.message}\n`));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    return new PrivateProcess(`http://127.0.0.1:${port}`, port, child, () => output);
  }

  /** Sends `signal` (SIGHUP: reload the configuration). */
  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Stops it (SIGTERM; SIGKILL after 10 s) and waits until it exited. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null && this.child.pid) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
  }

  private async waitReady(readyPath: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const name = this.child.spawnfile;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null || this.child.signalCode !== null || !this.child.pid) {
        await new Promise((resolve) => setImmediate(resolve)); // the spawn error, if any
        const how = this.child.pid ? `exited (${this.child.exitCode})` : 'did not start';
        throw new Error(`${name} ${how}:\n${this.output()}`);
      }
      const ready = await fetch(`${this.url}${readyPath}`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`${name} not ready within ${timeoutMs} ms:\n${this.output()}`);
  }
}

/** A TCP port of 127.0.0.1 free now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}
