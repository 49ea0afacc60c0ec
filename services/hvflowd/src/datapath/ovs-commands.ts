import { defaultExec, type ExecFunc } from './ovs-exec.js';
import { OvsError } from './ovs-error.js';

export interface OvsCommandsOptions {
  /** The commands' whole environment: PATH and the OVS_* variables that locate the sockets. */
  readonly env: Readonly<Record<string, string>>;
  /** Runs the commands; default child_process.execFile. The test seam. */
  readonly exec?: ExecFunc;
  /** How long ovs-vsctl waits for ovs-vswitchd; default 10 s. */
  readonly vsctlTimeoutMs?: number;
  /** Called when any command fails, before the error is thrown (to drop cached lookups). */
  readonly onFailure?: () => void;
}

/**
 * The ovs-* command lines of the driver: each resolves its standard output or rejects with an
 * OvsError naming the command line.
 */
export class OvsCommands {
  private readonly exec: ExecFunc;

  constructor(private readonly options: OvsCommandsOptions) {
    this.exec = options.exec ?? defaultExec();
  }

  vsctl(...args: string[]): Promise<string> {
    const timeoutS = Math.max(1, Math.ceil((this.options.vsctlTimeoutMs ?? 10_000) / 1000));
    return this.run('ovs-vsctl', [`--timeout=${timeoutS}`, ...args]);
  }

  /** ovs-ofctl speaking OpenFlow 1.5, which the flows (goto_table, set_field) need. */
  ofctl(...args: string[]): Promise<string> {
    return this.run('ovs-ofctl', ['-O', 'OpenFlow15', ...args]);
  }

  /** ovs-ofctl with `input` on its standard input (`add-flows <bridge> -`). */
  ofctlWithInput(input: string, ...args: string[]): Promise<string> {
    return this.run('ovs-ofctl', ['-O', 'OpenFlow15', ...args], input);
  }

  appctl(...args: string[]): Promise<string> {
    return this.run('ovs-appctl', args);
  }

  private async run(command: string, args: string[], input?: string): Promise<string> {
    try {
      const { stdout } = await this.exec(command, args, { input, env: this.options.env });
      return stdout;
    } catch (err) {
      this.options.onFailure?.();
      throw OvsError.from(err, [command, ...args].join(' '));
    }
  }
}

/** Parses a command's output; what cannot be read is an OvsError `bad-output`. */
export function readOutput<T>(what: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new OvsError('bad-output', `cannot read the output of ${what}`, what, { cause: err });
  }
}
