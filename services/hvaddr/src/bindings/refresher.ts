import type { ChassisServiceClient } from '@vpcd/api';
import { equalJitterDelayMs, pushbackDelayMs, type BackoffPolicy } from '@vpcd/backoff';
import { hasCode, retryPushbackMs, RpcError, Status, type PromiseClient } from '@vpcd/rpc';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { BindingTable } from './binding-table.js';
import { buildBindings } from './build-bindings.js';

/** After northd's pushback: at least half the first delay, 100 ms, so a pushback of 0 is no loop. */
const pushbackPolicy: BackoffPolicy = { initialDelayMs: 200, maxDelayMs: 200 };

export interface RefresherOptions {
  readonly client: Pick<PromiseClient<ChassisServiceClient>, 'syncInitialChassis'>;
  readonly chassisId: string;
  readonly table: BindingTable;
  readonly refreshMs: number;
  /** Also called on every refresh (hvaddr reads the bridge's ports again with the bindings). */
  readonly onRefresh?: () => Promise<void> | undefined;
  /** First retry delay after a failure; doubles up to refreshMs. Default 100 ms. */
  readonly retryInitialMs?: number;
  readonly logger: Logger;
  readonly registry: Registry;
}

/**
 * Keeps `table` current from northd: `ChassisService.SyncInitialChassis` every `refreshMs`, and
 * with backoff after a failure. A failure never empties the table: the last good bindings are
 * served until northd answers again. A refusal with a retry time (northd's resync throttle:
 * RESOURCE_EXHAUSTED and `grpc-retry-pushback-ms`) is followed, plus up to a quarter at random,
 * and does not grow the backoff: northd answered.
 */
export class BindingsRefresher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private failures = 0;
  private readonly refreshes: Counter<'result'>;
  private readonly lastSuccess: Gauge;

  constructor(private readonly options: RefresherOptions) {
    this.refreshes = new Counter({
      name: 'hvaddr_bindings_refreshes_total',
      help: 'Reads of this chassis state from northd, by result (ok, error, throttled).',
      labelNames: ['result'],
      registers: [options.registry],
    });
    for (const result of ['ok', 'error', 'throttled']) this.refreshes.inc({ result }, 0);
    this.lastSuccess = new Gauge({
      name: 'hvaddr_bindings_last_success_timestamp_seconds',
      help: 'When the bindings were last read from northd (Unix time); 0 before the first read.',
      registers: [options.registry],
    });
  }

  /** Starts refreshing at once; resolves when the first attempt ended, whatever its outcome. */
  start(): Promise<void> {
    this.running = this.refresh();
    return this.running;
  }

  /** Stops the timer and waits for a read in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private async refresh(): Promise<void> {
    const { client, chassisId, table, logger, refreshMs } = this.options;
    let delayMs = refreshMs;
    const alongside = this.options.onRefresh?.();
    try {
      const { state } = await client.syncInitialChassis(
        { chassisId },
        { deadlineMs: Math.min(refreshMs, 10_000) },
      );
      const built = buildBindings(
        state ?? {
          chassisId,
          epoch: 0,
          generation: 0,
          vpcs: [],
          ports: [],
          remotePorts: [],
          changes: [],
        },
      );
      table.replace(built);
      for (const s of built.skipped) {
        logger.warn({ interfaceId: s.interfaceId, problem: s.problem }, 'interface not served');
      }
      if (this.failures > 0) logger.info({ failures: this.failures }, 'northd answers again');
      this.failures = 0;
      this.refreshes.inc({ result: 'ok' });
      this.lastSuccess.set(Date.now() / 1000);
      logger.debug({ bindings: built.bindings.size }, 'bindings refreshed');
    } catch (err) {
      const pushbackMs = hasCode(err, Status.RESOURCE_EXHAUSTED) ? retryPushbackMs(err) : undefined;
      if (pushbackMs !== undefined) {
        this.refreshes.inc({ result: 'throttled' });
        delayMs = pushbackDelayMs(pushbackMs, pushbackPolicy);
        logger.info(
          { pushbackMs, retryInMs: delayMs, bindings: table.size },
          'northd throttled the bindings read; serving the last good ones until it said',
        );
        return this.next(alongside, delayMs);
      }
      this.failures += 1;
      this.refreshes.inc({ result: 'error' });
      delayMs = equalJitterDelayMs(this.failures - 1, {
        initialDelayMs: this.options.retryInitialMs ?? 100,
        maxDelayMs: refreshMs,
      });
      const rpcError = RpcError.from(err);
      logger.warn(
        { err: rpcError, failures: this.failures, retryInMs: delayMs, bindings: table.size },
        'reading the bindings from northd failed; serving the last good ones',
      );
    }
    return this.next(alongside, delayMs);
  }

  private async next(alongside: Promise<void> | undefined, delayMs: number): Promise<void> {
    await alongside;
    if (!this.stopped) {
      this.timer = setTimeout(() => {
        this.running = this.refresh();
      }, delayMs);
    }
  }
}
