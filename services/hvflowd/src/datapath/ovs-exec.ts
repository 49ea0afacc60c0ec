import { execFile } from 'node:child_process';
import { OvsError } from './ovs-error.js';

export interface ExecOptions {
  /** Written to the command's standard input, which is then closed. */
  readonly input?: string;
  /** The command's whole environment. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs one OVS command. The ovs driver's only way to the outside, hence the test seam (as
 * go-openvswitch's ExecFunc): a test may pass a function that records or scripts the calls.
 * Rejects when the command fails; the driver normalises the failure with OvsError.from.
 */
export type ExecFunc = (
  command: string,
  args: readonly string[],
  options?: ExecOptions,
) => Promise<ExecResult>;

export interface DefaultExecOptions {
  /** A command still running after this long is killed; default 30 s. */
  readonly timeoutMs?: number;
}

/** Runs commands with child_process.execFile; output up to 512 MiB (a dump of many flows). */
export function defaultExec(options: DefaultExecOptions = {}): ExecFunc {
  const timeout = options.timeoutMs ?? 30_000;
  return (command, args, { input, env } = {}) =>
    new Promise((resolve, reject) => {
      const commandLine = [command, ...args].join(' ');
      const child = execFile(
        command,
        args,
        { env, timeout, maxBuffer: 512 * 1024 * 1024, encoding: 'utf8' },
        (err, stdout, stderr) => {
          if (err) reject(OvsError.from(Object.assign(err, { stderr }), commandLine));
          else resolve({ stdout, stderr });
        },
      );
      // A command that exits before reading all its input must not fail the call with EPIPE.
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(input);
    });
}
