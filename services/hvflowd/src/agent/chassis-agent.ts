import type { ChassisServiceClient } from '@vpcd/api';
import {
  codeName,
  hasCode,
  isRpcError,
  retryPushbackMs,
  Status,
  type PromiseClient,
} from '@vpcd/rpc';
import type { Logger } from 'pino';
import { isApplyError } from '../chassis/apply-error.js';
import type { ChassisRuntime } from '../chassis/chassis-runtime.js';
import type { HvflowdMetrics } from '../chassis/hvflowd-metrics.js';
import { isOvsError } from '../datapath/ovs-error.js';
import { equalJitterDelayMs, pushbackDelayMs, sleep, type BackoffPolicy } from '@vpcd/backoff';
import { defaultBackoff } from './backoff.js';
import type { Limit } from './concurrency-limit.js';

/** What a chassis tells northd about itself when it registers. */
export interface Registration {
  readonly hostname: string;
  readonly underlayIp: string;
  /** host:port northd and southd dial for this chassis' HvflowdService. */
  readonly hvflowdAddr: string;
}

export interface ChassisAgentOptions {
  readonly runtime: ChassisRuntime;
  readonly northd: PromiseClient<ChassisServiceClient>;
  readonly registration: Registration;
  readonly heartbeatIntervalMs: number;
  /** Wait before the first heartbeat after a sync; a fleet spreads its chassis with it. Default 0. */
  readonly heartbeatOffsetMs?: number;
  readonly backoff?: BackoffPolicy;
  /** Runs each register-and-sync attempt; a fleet bounds how many run at once with it. */
  readonly limit: Limit;
  readonly metrics: HvflowdMetrics;
  readonly logger: Logger;
}

type Step = 'register' | 'sync' | 'apply';

/**
 * The chassis' side of the conversation with northd: RegisterChassis, SyncInitialChassis and
 * apply the state (retried with backoff until all three succeed), then every interval an audit
 * that repairs the bridge to the applied state and a Heartbeat with the applied generation and
 * the hash of the bridge. When northd no longer knows the chassis (NOT_FOUND), it registers and
 * syncs again.
 */
export class ChassisAgent {
  /** Resolves once the first initial sync has been applied. */
  readonly synced: Promise<void>;
  private readonly abort = new AbortController();
  private readonly logger: Logger;
  private markSynced: () => void = () => undefined;
  private isSynced = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: ChassisAgentOptions) {
    this.logger = options.logger.child({ chassis: options.runtime.chassisId });
    this.synced = new Promise((resolve) => (this.markSynced = resolve));
  }

  get ready(): boolean {
    return this.isSynced;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Ends the loop (a backoff or heartbeat wait ends at once) and waits for it. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.abort.signal.aborted) {
      await this.syncUntilDone();
      await this.heartbeatUntilLost();
    }
  }

  /**
   * Registers once, then syncs and applies until done. A failed attempt resumes at the step that
   * failed (a sync refused or lost does not register again), but for NOT_FOUND, which means
   * northd no longer knows the chassis. When northd refuses with a retry time (RESOURCE_EXHAUSTED
   * and `grpc-retry-pushback-ms`: its resync throttle), the wait follows it, with jitter;
   * otherwise it is the capped exponential backoff.
   */
  private async syncUntilDone(): Promise<void> {
    const backoff = this.options.backoff ?? defaultBackoff;
    const step: { now: Step; registered: boolean } = { now: 'register', registered: false };
    // Failures other than a pushback, in a row: they alone grow the backoff. A northd that said
    // when to come back was reached and answered; it is no reason to wait longer next time.
    let failures = 0;
    let pushbacks = 0;
    while (!this.abort.signal.aborted) {
      try {
        await this.options.limit(() => this.syncOnce(step));
        return;
      } catch (err) {
        if (this.abort.signal.aborted) return;
        if (hasCode(err, Status.NOT_FOUND)) step.registered = false;
        const hintMs = hasCode(err, Status.RESOURCE_EXHAUSTED) ? retryPushbackMs(err) : undefined;
        if (hintMs !== undefined) {
          const delayMs = pushbackDelayMs(hintMs, backoff);
          this.options.metrics.syncPushbacks.inc();
          this.logger.info(
            { step: step.now, hintMs, pushbacks: ++pushbacks, delayMs },
            'northd throttled the initial sync; retrying when it said',
          );
          await sleep(delayMs, this.abort.signal);
          continue;
        }
        const delayMs = equalJitterDelayMs(failures++, backoff);
        this.logger.warn(
          { err, step: step.now, code: failureCode(err), attempt: failures, delayMs },
          'initial sync with northd failed; retrying',
        );
        await sleep(delayMs, this.abort.signal);
      }
    }
  }

  private async syncOnce(step: { now: Step; registered: boolean }): Promise<void> {
    const { runtime, northd, registration } = this.options;
    const chassisId = runtime.chassisId;
    if (this.abort.signal.aborted) return;
    if (!step.registered) {
      step.now = 'register';
      await northd.registerChassis({ chassisId, ...registration, requestId: '' });
      step.registered = true;
    }
    step.now = 'sync';
    const { state } = await northd.syncInitialChassis({ chassisId });
    if (state === undefined) throw new Error('SyncInitialChassis answered without a state');
    step.now = 'apply';
    const outcome = await runtime.applyInitialSync(state);
    this.logger.info(
      {
        epoch: state.epoch,
        generation: outcome.appliedGeneration,
        result: outcome.result,
        flowsAdded: outcome.flowsAdded,
        flowsRemoved: outcome.flowsRemoved,
        rejectedPorts: outcome.rejectedPorts.length,
      },
      'initial sync applied',
    );
    this.isSynced = true;
    this.markSynced();
  }

  /**
   * Returns when stopped, or when northd no longer knows this chassis. Registering made northd
   * forget the hash of the bridge this chassis had before (it was programmed afresh since), and
   * the first heartbeat at northd's applied generation sets the one drift is measured against.
   * So until a heartbeat is answered, it reports the hash the last apply left, as an ack would,
   * rather than the bridge now: a change made to the bridge meanwhile is then drift too. Each
   * tick audits (and repairs) the bridge first, answered or not: northd is not needed for that.
   */
  private async heartbeatUntilLost(): Promise<void> {
    const { runtime, northd, metrics, heartbeatIntervalMs } = this.options;
    let delayMs = this.options.heartbeatOffsetMs ?? 0;
    let answered = false;
    while (!this.abort.signal.aborted) {
      await sleep(delayMs, this.abort.signal);
      delayMs = heartbeatIntervalMs;
      if (this.abort.signal.aborted) return;
      const bridge = await this.auditBridge();
      const report = answered ? bridge : this.lastApply();
      try {
        const answer = await northd.heartbeat({
          chassisId: runtime.chassisId,
          appliedEpoch: 0,
          contentHash: '',
          ...report,
        });
        answered = true;
        metrics.heartbeats.inc({ result: answer.driftDetected ? 'drift' : 'ok' });
        if (answer.driftDetected) {
          this.logger.warn(
            { ...report, desiredGeneration: answer.desiredGeneration },
            'northd detected drift on this chassis; it schedules the chassis again',
          );
        }
      } catch (err) {
        metrics.heartbeats.inc({ result: 'error' });
        if (this.abort.signal.aborted) return;
        if (hasCode(err, Status.NOT_FOUND)) {
          this.logger.warn({ err }, 'northd does not know this chassis; registering again');
          return;
        }
        this.logger.warn({ err, code: failureCode(err) }, 'heartbeat failed');
      }
    }
  }

  /**
   * Repairs the bridge, then the applied generation and the hash of the bridge now; an empty hash
   * when the bridge cannot be read (northd takes it as unknown: neither drift nor a new record).
   */
  private async auditBridge(): Promise<{ appliedGeneration: number; stateHash: string }> {
    try {
      const snapshot = await this.options.runtime.audit();
      return { appliedGeneration: snapshot.generation, stateHash: snapshot.stateHash };
    } catch (err) {
      this.logger.warn(
        { err, code: failureCode(err) },
        'cannot read the bridge; reporting its hash as unknown',
      );
      return { appliedGeneration: this.options.runtime.applied.generation, stateHash: '' };
    }
  }

  /** The generation last applied and the hash that apply left on the bridge; no I/O. */
  private lastApply(): { appliedGeneration: number; stateHash: string } {
    const { generation, stateHash } = this.options.runtime.applied;
    return { appliedGeneration: generation, stateHash };
  }
}

/** A short name for what failed, for the logs: the gRPC code, or the local error's code. */
function failureCode(err: unknown): string {
  if (isRpcError(err)) return codeName(err.code);
  if (isApplyError(err) || isOvsError(err)) return err.code;
  return 'unknown';
}
