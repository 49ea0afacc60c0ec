import type { Logger } from 'pino';

/** Something a service stops on shutdown, in the order given. */
export interface Stoppable {
  readonly name: string;
  stop(): Promise<void>;
}

export interface RunOptions {
  readonly logger: Logger;
  /** Everything still stopping after this long is abandoned and the process exits 1; default 15 s. */
  readonly shutdownTimeoutMs?: number;
  /** Default process; injectable for tests. */
  readonly process?: Pick<NodeJS.Process, 'once' | 'exit'>;
}

/**
 * Waits for SIGTERM or SIGINT, then stops `stoppables` in order under one deadline (list the
 * HTTP metrics server last so it is scraped until the end). A second signal exits at once.
 * Resolves the exit code it passed to process.exit.
 */
export function runUntilSignal(
  stoppables: readonly Stoppable[],
  options: RunOptions,
): Promise<number> {
  const proc = options.process ?? process;
  const timeoutMs = options.shutdownTimeoutMs ?? 15_000;
  return new Promise((resolve) => {
    const onSignal = (signal: string) => {
      options.logger.info({ signal }, 'shutting down');
      proc.once('SIGTERM', () => proc.exit(130));
      proc.once('SIGINT', () => proc.exit(130));
      void stopAll(stoppables, options.logger, timeoutMs).then((code) => {
        resolve(code);
        proc.exit(code);
      });
    };
    proc.once('SIGTERM', () => onSignal('SIGTERM'));
    proc.once('SIGINT', () => onSignal('SIGINT'));
  });
}

/** Stops each in order; resolves 0 when all stopped in time, 1 otherwise. */
export async function stopAll(
  stoppables: readonly Stoppable[],
  logger: Logger,
  timeoutMs: number,
): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<number>((resolve) => {
    timer = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown timed out');
      resolve(1);
    }, timeoutMs);
  });
  const stopped = (async () => {
    let code = 0;
    for (const s of stoppables) {
      try {
        await s.stop();
        logger.debug({ component: s.name }, 'stopped');
      } catch (err) {
        code = 1;
        logger.error({ err, component: s.name }, 'stop failed');
      }
    }
    return code;
  })();
  const code = await Promise.race([stopped, deadline]);
  clearTimeout(timer);
  return code;
}
