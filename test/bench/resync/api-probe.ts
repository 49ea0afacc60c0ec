import { codeName, RpcError, type NorthdClients } from '@vpcd/rpc';
import { LatencyRecorder } from '../common/stats.js';

/** What the probe saw: every call's latency, and each failure's code and message. */
export interface ProbeResult {
  readonly latencies: LatencyRecorder;
  readonly failures: ReadonlyArray<{ readonly code: string; readonly message: string }>;
}

export interface ApiProbe {
  /** Stops after the calls outstanding end; resolves what they saw. */
  stop(): Promise<ProbeResult>;
}

/**
 * A closed loop of API reads on one northd, `concurrency` calls outstanding: GetVpc of `vpcId`
 * and ListVpcs (first page of 10) in turn. The reads go to the pools of the API, as a tenant's
 * would, so they show whether chassis traffic reaches the API.
 */
export function startApiProbe(
  api: NorthdClients,
  o: { readonly vpcId: string; readonly concurrency: number },
): ApiProbe {
  const latencies = new LatencyRecorder(1 << 14);
  const failures: Array<{ code: string; message: string }> = [];
  let stopping = false;
  const worker = async (w: number) => {
    for (let i = w; !stopping; i++) {
      const startMs = performance.now();
      try {
        if (i % 2 === 0) await api.vpcs.getVpc({ id: o.vpcId });
        else await api.vpcs.listVpcs({ pageSize: 10, pageToken: '' });
        latencies.record(performance.now() - startMs);
      } catch (err) {
        const e = RpcError.from(err);
        failures.push({ code: codeName(e.code), message: e.message });
      }
    }
  };
  const workers = Array.from({ length: o.concurrency }, (_, w) => worker(w));
  return {
    async stop() {
      stopping = true;
      await Promise.all(workers);
      return { latencies, failures };
    },
  };
}
