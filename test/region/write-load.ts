import { InterfaceServiceClient, type Interface } from '@vpcd/api';
import { createLogger, createRegistry } from '@vpcd/observability';
import { createClient, type ClientTlsOptions, type PromiseClient } from '@vpcd/rpc';
import type { InterfaceRecord, Operation, Outcome } from './history/history.js';
import { outcomeOf } from './history/outcome.js';

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
  /** Every how many writes of a worker one is a delete of its own earlier create. Default 4. */
  readonly deleteEvery?: number;
}

export interface WriteLoad {
  /** Every attempt so far, in the order they ended (the history's operations). */
  readonly operations: readonly Operation[];
  /** Creates answered OK so far. */
  acknowledged(): number;
  /** Attempts that did not end OK, by gRPC code name (UNAVAILABLE while MySQL is down, say). */
  readonly retried: ReadonlyMap<string, number>;
  /** Stops, waits for the writes in flight, and resolves every attempt. */
  stop(): Promise<readonly Operation[]>;
}

const record = (i: Interface): InterfaceRecord => ({
  id: i.id,
  vpcId: i.vpcId,
  chassisId: i.chassisId,
  name: i.name,
  ip: i.ip,
  mac: i.mac,
});

/**
 * A running write load, recorded as a history (history/history.ts): each worker creates
 * interfaces, and every `deleteEvery`-th write deletes one of its own acknowledged creates and
 * reads it back. A write that ended indeterminate is retried with the same request_id against
 * the next northd, as a careful client does: the idempotency record makes the retry safe
 * whatever happened before. Every attempt is an operation with its outcome and times.
 */
export function startWriteLoad(o: WriteLoadOptions): WriteLoad {
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
  const operations: Operation[] = [];
  const retried = new Map<string, number>();
  let acknowledged = 0;
  let stopping = false;
  let next = 0;

  /** One attempt: its answer, or the outcome and code it ended with; recorded by `save`. */
  const attempt = async <T>(
    call: () => Promise<T>,
  ): Promise<{
    invokedMs: number;
    completedMs: number;
    outcome: Outcome;
    code?: string;
    value?: T;
  }> => {
    const invokedMs = Date.now();
    try {
      const value = await call();
      return { invokedMs, completedMs: Date.now(), outcome: 'ok', value };
    } catch (err) {
      const { outcome, code } = outcomeOf(err);
      retried.set(code, (retried.get(code) ?? 0) + 1);
      return { invokedMs, completedMs: Date.now(), outcome, code };
    }
  };
  // Retried until it ends definitely; ABORTED (a rolled-back conflict) is definite but worth a
  // retry. Gives up only when stopping, after many attempts: the write stays indeterminate.
  const untilDefinite = async (
    n: number,
    run: (
      client: PromiseClient<InterfaceServiceClient>,
    ) => Promise<{ outcome: Outcome; code?: string }>,
  ) => {
    for (let i = 0; ; i++) {
      const result = await run(clients[(n + i) % clients.length]!);
      if (result.outcome === 'ok') return true;
      if (result.outcome === 'failed' && result.code !== 'ABORTED') return false;
      if (stopping && i > 200) return false;
      await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** Math.min(i, 5))));
    }
  };

  const worker = async (w: number) => {
    const mine: InterfaceRecord[] = [];
    for (let k = 0; !stopping; k++) {
      const n = next++;
      if (k % (o.deleteEvery ?? 4) === (o.deleteEvery ?? 4) - 1 && mine.length > 0) {
        const victim = mine.splice(n % mine.length, 1)[0]!;
        const requestId = `${o.requestIdPrefix}-del-${w}-${n}`;
        await untilDefinite(n, async (client) => {
          const { value: _answer, ...a } = await attempt(() =>
            client.deleteInterface({ id: victim.id, requestId }),
          );
          operations.push({ kind: 'delete', requestId, interfaceId: victim.id, ...a });
          return a;
        });
        const { value: found, ...read } = await attempt(() =>
          clients[n % clients.length]!.getInterface({ id: victim.id }),
        );
        operations.push({
          kind: 'read',
          requestId: `${o.requestIdPrefix}-get-${w}-${n}`,
          interfaceId: victim.id,
          ...read,
          found: found && record(found),
        });
        continue;
      }
      const requestId = `${o.requestIdPrefix}-${w}-${n}`;
      const request = {
        vpcId: o.vpcId,
        chassisId: o.chassisIds[n % o.chassisIds.length]!,
        name: `load-${w}-${n}`,
        ip: '',
        mac: '',
        requestId,
      };
      await untilDefinite(n, async (client) => {
        const { value, ...a } = await attempt(() => client.createInterface(request));
        const created = value && record(value);
        operations.push({ kind: 'create', ...request, ...a, created });
        if (created) {
          acknowledged++;
          mine.push(created);
        }
        return a;
      });
    }
  };
  const running = Array.from({ length: o.concurrency ?? 4 }, (_, w) => worker(w));
  return {
    operations,
    acknowledged: () => acknowledged,
    retried,
    async stop() {
      stopping = true;
      await Promise.all(running);
      for (const c of clients) c.close();
      return operations;
    },
  };
}
