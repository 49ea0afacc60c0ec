import type { Northd } from '@vpcd/northd';
import { startAckingSouthd, startNorthdHarness as startNorthd } from '@vpcd/northd/testing';

/** A real northd in this process, on a throwaway database and vhost, with a fake southd. */
export interface NorthdHarness {
  /** `127.0.0.1:<port>` of its gRPC API. */
  readonly address: string;
  /** Its bootstrap admin token. */
  readonly adminToken: string;
  readonly northd: Northd;
  /** Every line northd logged at warn or above, parsed. */
  readonly logs: ReadonlyArray<Record<string, unknown>>;
  /** Whether the fake southd acknowledges converge work (it does at start): off keeps interfaces PENDING. */
  setAcking(acking: boolean): void;
  /** Stops northd and the fake southd, then drops the database and vhost. */
  stop(): Promise<void>;
}

/**
 * Starts northd's harness (`env` adds to its config) and plays southd: every ChassisState or
 * ChassisDelta published to the converge queue is acknowledged at once, so interfaces become
 * ACTIVE as on a real chassis.
 */
export async function startNorthdHarness(env: Record<string, string> = {}): Promise<NorthdHarness> {
  const h = await startNorthd({ env, logLevel: 'warn' });
  const southd = await startAckingSouthd(h.amqpUrl);
  return {
    address: h.address,
    adminToken: h.adminToken,
    northd: h.northd,
    logs: h.logs,
    setAcking: (acking) => southd.setAcking(acking),
    async stop() {
      await southd.stop();
      await h.stop();
    },
  };
}
