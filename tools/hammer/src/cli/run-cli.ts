import { createDhcpTarget } from '../dhcp/dhcp-target.js';
import { createGrpcTarget } from '../grpc/grpc-target.js';
import { isHammerError } from '../hammer-error.js';
import { writeReport } from '../report/write-report.js';
import { runHammer } from '../run/run-hammer.js';
import { parseCli, usage } from './args.js';
import { progressPrinter } from './progress-printer.js';
import { summaryText } from './summary.js';

export interface CliIo {
  readonly stdout: { write(t: string): unknown };
  readonly stderr: { write(t: string): unknown };
  readonly stderrIsTty: boolean;
}

/**
 * The hammer command line; returns the exit code: 0 the run happened (its errors are in the
 * report), 1 it could not (setup, connection), 2 usage. `signal` stops the load early.
 */
export async function runCli(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  io: CliIo,
  signal?: AbortSignal,
): Promise<number> {
  try {
    const cli = parseCli(argv, env);
    if (!cli) {
      io.stdout.write(`${usage}\n`);
      return 0;
    }
    const progress = progressPrinter(io.stderr, io.stderrIsTty);
    const target =
      cli.target.kind === 'dhcp'
        ? createDhcpTarget(cli.target.dhcp)
        : createGrpcTarget(cli.target.grpc);
    const report = await runHammer({
      target,
      mix: cli.mix,
      concurrency: cli.concurrency,
      ratePerSecond: cli.ratePerSecond,
      durationMs: cli.durationMs,
      maxInFlight: cli.maxInFlight,
      onProgress: (p) => progress.print(p),
      progressIntervalMs: progress.intervalMs,
      signal,
    }).finally(() => progress.end());
    io.stdout.write(summaryText(report));
    if (cli.out !== undefined) {
      const { jsonPath, htmlPath } = await writeReport(report, cli.out);
      io.stderr.write(`wrote ${jsonPath} and ${htmlPath}\n`);
    }
    return 0;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    io.stderr.write(`hammer: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
    if (isHammerError(err) && err.kind === 'usage') {
      io.stderr.write("usage: hammer [options]; 'hammer --help' lists them\n");
      return 2;
    }
    return 1;
  }
}
