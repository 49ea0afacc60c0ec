// Runs vpcctl in this process with captured output, for the command tests.
import type { Io } from './cli/io.js';
import { run } from './run.js';

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs one command line; `env` stands in for the process environment (nothing else is read). */
export async function vpcctl(
  argv: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    stderrIsTty: false,
  };
  const code = await run(argv, env, io);
  return { code, stdout, stderr };
}

/** Runs a command that must succeed and returns its stdout parsed as JSON (`-o json` is added). */
export async function vpcctlJson<T = Record<string, unknown>>(
  argv: readonly string[],
  env: Record<string, string | undefined>,
): Promise<T> {
  const r = await vpcctl([...argv, '-o', 'json'], env);
  if (r.code !== 0) throw new Error(`vpcctl ${argv.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** Polls `read` until `done` holds or `timeoutMs` passes; returns the last value. */
export async function eventually<T>(
  read: () => Promise<T>,
  done: (v: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}
