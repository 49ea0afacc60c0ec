const brand = Symbol.for('vpcd.hvflowd.OvsError');

/**
 * What went wrong talking to Open vSwitch:
 * - `not-installed`: the command is not on PATH;
 * - `timeout`: the command did not finish in time (ovs-vswitchd or ovsdb-server not answering);
 * - `bridge-not-exist`, `port-not-exist`: the named bridge or port is not there;
 * - `port-failed`: OVS could not create a port (its Interface row carries an error);
 * - `bad-output`: a command's output could not be read;
 * - `command-failed`: any other non-zero exit.
 * Every one is an operator condition a retry may cure, so handlers answer UNAVAILABLE.
 */
export type OvsErrorCode =
  | 'not-installed'
  | 'timeout'
  | 'bridge-not-exist'
  | 'port-not-exist'
  | 'port-failed'
  | 'bad-output'
  | 'command-failed';

/** The one error type of the ovs driver: a code, the command line that failed, and the cause. */
export class OvsError extends Error {
  readonly [brand] = true;
  /** What the command wrote to standard error, trimmed; '' when unknown. */
  readonly stderr: string;

  constructor(
    readonly code: OvsErrorCode,
    message: string,
    readonly command: string,
    options: { cause?: unknown; readonly stderr?: string } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'OvsError';
    this.stderr = options.stderr ?? '';
  }

  /**
   * Normalises a failure of `command`: an OvsError as it is; a child_process error by its errno,
   * kill signal or stderr; anything else as `command-failed` with the original as cause.
   */
  static from(err: unknown, command = ''): OvsError {
    if (isOvsError(err)) return err;
    const e = (typeof err === 'object' && err !== null ? err : {}) as {
      code?: unknown;
      killed?: boolean;
      signal?: unknown;
      stderr?: unknown;
      message?: unknown;
    };
    const stderr = typeof e.stderr === 'string' ? e.stderr.trim() : '';
    const detail = stderr || (typeof e.message === 'string' ? e.message : String(err));
    const code = classify(e.code, e.killed === true || e.signal === 'SIGTERM', stderr);
    return new OvsError(code, `${command}: ${detail}`, command, { cause: err, stderr });
  }
}

function classify(errno: unknown, killed: boolean, stderr: string): OvsErrorCode {
  if (errno === 'ENOENT') return 'not-installed';
  if (killed || /timed out|timeout/i.test(stderr)) return 'timeout';
  if (/no bridge named|is not a bridge/i.test(stderr)) return 'bridge-not-exist';
  if (/no port named|no row "[^"]*" in table (Port|Interface)/i.test(stderr))
    return 'port-not-exist';
  return 'command-failed';
}

/** True for an OvsError from any copy of this package (no instanceof across copies). */
export function isOvsError(err: unknown): err is OvsError {
  return typeof err === 'object' && err !== null && (err as { [brand]?: unknown })[brand] === true;
}

export function isPortNotExist(err: unknown): boolean {
  return isOvsError(err) && err.code === 'port-not-exist';
}

export function isBridgeNotExist(err: unknown): boolean {
  return isOvsError(err) && err.code === 'bridge-not-exist';
}
