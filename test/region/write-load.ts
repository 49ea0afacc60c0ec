import { InterfaceServiceClient, type Interface } from '@vpcd/api';
import { createLogger, createRegistry } from '@vpcd/observability';
import {
  createClient,
  hasCode,
  RpcError,
  Status,
  type ClientTlsOptions,
  type PromiseClient,
} from '@vpcd/rpc';

/** The outcome of one write the load made: what the API answered, after retries. */
export interface Write {
  readonly requestId: string;
  readonly chassisId: string;
  /** The interface the API answered OK with; undefined when it never did. */
  answered?: Interface;
}

export interface WriteLoadOptions {
  /** Every northd's address: writes go round-robin and fail over between them. */
  readonly addresses: readonly string[];
  readonly token: string;
  /** TLS towards northd (the region's clientTls); plaintext when absent. */
  readonly tls?: ClientTlsOptions;
  readonly vpcId: string;
  readonly chassisIds: readonly string[];
  /** Makes the request ids unique across loads (the idempotency scope is the caller's). */
  readonly requestIdPrefix: string;
  /** Writes in flight at once. Default 4. */
  readonly concurrency?: number;
}

// A write that failed for a reason a retry may cure is retried with the same request_id, as a
// careful client does: the idempotency record makes the retry safe whatever happened before.
const retryable = (err: unknown) =>
  [
    Status.UNAVAILABLE,
    Status.DEADLINE_EXCEEDED,
    Status.CANCELLED,
    Status.ABORTED,
    Status.INTERNAL,
  ].some((code) => hasCode(err, code));

/**
 * A running write load: creates interfaces until stopped, each with its own request_id, retrying
 * retryable failures against the next northd. stop() waits for the writes in flight.
 */
export function startWriteLoad(o: WriteLoadOptions): {
  writes: Write[];
  /** Retryable failures seen (UNAVAILABLE while a dependency is down, say), by gRPC code name. */
  retried: Map<string, number>;
  stop(): Promise<Write[]>;
} {
  const logger = createLogger({ name: 'write-load', level: 'silent' });
  const registry = createRegistry({ service: 'write-load', collectDefault: false });
  const clients: PromiseClient<InterfaceServiceClient>[] = o.addresses.map((address) =>
    createClient(InterfaceServiceClient, {
      address,
      logger,
      registry,
      bearerToken: o.token,
      tls: o.tls,
      defaultDeadlineMs: 5000,
    }),
  );
  const writes: Write[] = [];
  const retried = new Map<string, number>();
  let stopping = false;
  let next = 0;
  const worker = async (w: number) => {
    while (!stopping) {
      const n = next++;
      const write: Write = {
        requestId: `${o.requestIdPrefix}-${w}-${n}`,
        chassisId: o.chassisIds[n % o.chassisIds.length]!,
      };
      writes.push(write);
      for (let attempt = 0; write.answered === undefined; attempt++) {
        const client = clients[(n + attempt) % clients.length]!;
        try {
          write.answered = await client.createInterface({
            vpcId: o.vpcId,
            chassisId: write.chassisId,
            name: `load-${w}-${n}`,
            ip: '',
            mac: '',
            requestId: write.requestId,
          });
        } catch (err) {
          if (!retryable(err)) throw err;
          const code = Status[RpcError.from(err).code];
          retried.set(code, (retried.get(code) ?? 0) + 1);
          if (stopping && attempt > 200) break; // give up only at the end, and say so
          await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** Math.min(attempt, 5))));
        }
      }
    }
  };
  const running = Array.from({ length: o.concurrency ?? 4 }, (_, w) => worker(w));
  return {
    writes,
    retried,
    async stop() {
      stopping = true;
      await Promise.all(running);
      for (const c of clients) c.close();
      return writes;
    },
  };
}
