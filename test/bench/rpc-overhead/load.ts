import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { GetVpcRequest, VpcServiceClient } from '@vpcd/api';
import type { LatencyRecorder } from '../common/stats.js';

/** A plain grpc-js client, identical for both variants: the benchmark measures the server. */
export function benchClient(port: number): VpcServiceClient {
  return new VpcServiceClient(`127.0.0.1:${port}`, credentials.createInsecure(), {
    'grpc.enable_channelz': 0,
  });
}

export function waitForReady(client: VpcServiceClient, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) =>
    client.waitForReady(Date.now() + timeoutMs, (err) => (err ? reject(err) : resolve())),
  );
}

export interface LoadOptions {
  readonly client: VpcServiceClient;
  /** Calls kept outstanding: each completion starts the next call (closed loop). */
  readonly concurrency: number;
  /** No call starts after this long; the ones in flight are awaited and counted. */
  readonly durationMs: number;
  /** The deadline every call carries, as a real client's would. Default 10 s. */
  readonly callDeadlineMs?: number;
}

/** What one stretch of load did; the latencies went to the caller's recorder. */
export interface LoadCount {
  /** Calls that succeeded. */
  readonly calls: number;
  /** From the first call's start to the last call's end. */
  readonly elapsedMs: number;
}

const request = GetVpcRequest.fromPartial({ id: 'vpc-0b7e2a4c9d1f' });

/**
 * Runs GetVpc in a closed loop for `durationMs` and records each call's latency, from just before
 * it is issued to its callback, in `recorder`: several stretches of load can share one.
 * Rejects with the first failed call: figures with errors would mislead.
 */
export function runLoad(options: LoadOptions, recorder: LatencyRecorder): Promise<LoadCount> {
  const { client, concurrency, durationMs } = options;
  const callDeadlineMs = options.callDeadlineMs ?? 10_000;
  const recordedBefore = recorder.count;
  const startMs = performance.now();
  const stopMs = startMs + durationMs;
  let inFlight = 0;
  let failure: ServiceError | undefined;

  return new Promise((resolve, reject) => {
    const finish = (endMs: number) => {
      if (failure) {
        reject(new Error(`GetVpc failed: ${failure.message}`, { cause: failure }));
        return;
      }
      resolve({ calls: recorder.count - recordedBefore, elapsedMs: endMs - startMs });
    };
    const issue = () => {
      inFlight++;
      const callStartMs = performance.now();
      client.getVpc(
        request,
        new Metadata(),
        { deadline: Date.now() + callDeadlineMs },
        (err: ServiceError | null) => {
          const endMs = performance.now();
          inFlight--;
          if (err) failure ??= err;
          else recorder.record(endMs - callStartMs);
          if (endMs < stopMs && !failure) issue();
          else if (inFlight === 0) finish(endMs);
        },
      );
    };
    for (let i = 0; i < concurrency; i++) issue();
  });
}
