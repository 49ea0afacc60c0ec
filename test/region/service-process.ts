import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** A vpcd service running as its own process, as in production. */
export interface ServiceProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** The fields of the service's "<service> started" log line (ports, addresses). */
  readonly started: Readonly<Record<string, unknown>>;
  readonly grpcPort: number;
  readonly metricsPort: number;
  /** Stops it with `signal` (default SIGTERM) and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  readonly exited: Promise<number | null>;
}

export interface SpawnServiceOptions {
  readonly name: string;
  /** The compiled main.js of the service. */
  readonly script: string;
  readonly env: Readonly<Record<string, string>>;
  /** The `msg` of the log line that says the service is up. */
  readonly readyMessage: string;
  /** Where its output goes: `<logDir>/<name>.log`. */
  readonly logDir: string;
  readonly startTimeoutMs?: number;
}

/**
 * Node flags that profile the service `name` when the environment asks for it (opt-in, for
 * finding where a benchmark's time goes): VPCD_CPU_PROF names services (comma-separated, e.g.
 * `northd-0,southd-0`), VPCD_CPU_PROF_DIR the directory. A profile is written when the process
 * exits on its own or on SIGTERM, not after a kill -9.
 */
function profileFlags(name: string): string[] {
  const dir = process.env.VPCD_CPU_PROF_DIR;
  const names = (process.env.VPCD_CPU_PROF ?? '').split(',').map((s) => s.trim());
  return dir && names.includes(name) ? ['--cpu-prof', `--cpu-prof-dir=${join(dir, name)}`] : [];
}

/**
 * Starts a service and resolves when it logs that it started; rejects with the tail of its log
 * when it exits first or does not start in time. Every output line goes to its log file.
 */
export async function spawnService(o: SpawnServiceOptions): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [...profileFlags(o.name), o.script], {
    env: { ...process.env, ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: WriteStream = createWriteStream(join(o.logDir, `${o.name}.log`), { flags: 'a' });
  const tail: string[] = [];
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : null))),
  );
  void exited.then(() => log.end());
  child.stderr.on('data', (chunk: Buffer) => {
    log.write(chunk);
    tail.push(chunk.toString());
    if (tail.length > 20) tail.shift();
  });
  const starting = new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(
            `${o.name} did not start within ${o.startTimeoutMs ?? 60_000} ms:\n${tail.join('')}`,
          ),
        ),
      o.startTimeoutMs ?? 60_000,
    );
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${o.name} exited with ${code} before it started:\n${tail.join('')}`));
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      log.write(`${line}\n`);
      tail.push(line);
      if (tail.length > 20) tail.shift();
      if (!line.startsWith('{')) return;
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        if (parsed.msg === o.readyMessage) {
          clearTimeout(timer);
          resolve(parsed);
        }
      } catch {
        // not a log line of ours
      }
    });
  });
  let started: Record<string, unknown>;
  try {
    started = await starting;
  } catch (err) {
    // A service that did not start must not outlive the attempt.
    child.kill('SIGKILL');
    await exited;
    throw err;
  }
  return {
    name: o.name,
    child,
    started,
    grpcPort: Number(started.grpcPort),
    metricsPort: Number(started.metricsPort),
    exited,
    stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
