// Starts hvflowd in the test's process, on port 0, with a captured log and its own registry.
import type { TracerProvider } from '@opentelemetry/api';
import { HvflowdServiceClient } from '@vpcd/api';
import { createLogger, createRegistry, type Registry } from '@vpcd/observability';
import { createClient, Metadata, type PromiseClient } from '@vpcd/rpc';
import { captureLogger } from '@vpcd/observability/testing';
import { loadConfig } from '../config.js';
import { defaultExec } from '../datapath/ovs-exec.js';
import { CHASSIS_ID_METADATA } from '../handlers/hvflowd.js';
import { startHvflowd, type Hvflowd } from '../server.js';

export const TEST_TOKEN = 'test-token-0123456789abcdef';

export interface TestHvflowd {
  readonly hvflowd: Hvflowd;
  readonly client: PromiseClient<HvflowdServiceClient>;
  readonly registry: Registry;
  readonly logs: Array<Record<string, unknown>>;
  readonly metricsUrl: string;
  /** Waits for every chassis' initial sync; fails with the last log lines after `timeoutMs`. */
  synced(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * `env` adds to (or overrides) loopback listeners, a test token, 100 ms heartbeats and
 * HVFLOWD_INSECURE_DEV=true (tests of TLS set TLS_* and HVFLOWD_INSECURE_DEV=false).
 */
export async function startTestHvflowd(
  env: Record<string, string>,
  tracerProvider?: TracerProvider,
): Promise<TestHvflowd> {
  const config = loadConfig({
    GRPC_LISTEN: '127.0.0.1:0',
    METRICS_LISTEN: '127.0.0.1:0',
    VPCD_TOKEN: TEST_TOKEN,
    HEARTBEAT_INTERVAL_MS: '100',
    HVFLOWD_INSECURE_DEV: 'true',
    ...env,
  });
  const { logger, lines } = captureLogger('info');
  const registry = createRegistry({ service: 'hvflowd', collectDefault: false });
  const hvflowd = await startHvflowd(
    config,
    {
      logger,
      registry,
      tracing: tracerProvider && { tracerProvider, shutdown: () => Promise.resolve() },
      exec: defaultExec(),
    },
    { backoff: { initialDelayMs: 50, maxDelayMs: 1_000 } },
  );
  const client = createClient(HvflowdServiceClient, {
    address: `127.0.0.1:${hvflowd.grpcPort}`,
    logger: createLogger({ name: 'test', level: 'silent' }),
    registry: createRegistry({ service: 'test-client', collectDefault: false }),
  });
  return {
    hvflowd,
    client,
    registry,
    logs: lines,
    metricsUrl: `http://127.0.0.1:${hvflowd.metricsPort}`,
    synced: async (timeoutMs = 30_000) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const last = lines.slice(-5).map((l) => JSON.stringify(l));
          reject(
            new Error(`no initial sync in ${timeoutMs} ms; last log lines:\n${last.join('\n')}`),
          );
        }, timeoutMs);
      });
      try {
        await Promise.race([hvflowd.synced, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    stop: async () => {
      client.close();
      await hvflowd.stop();
    },
  };
}

/** Call settings that name the chassis of a GetChassisState in fleet mode. */
export function forChassis(chassisId: string): { metadata: Metadata } {
  const metadata = new Metadata();
  metadata.set(CHASSIS_ID_METADATA, chassisId);
  return { metadata };
}

/** Polls `probe` until it returns a value other than undefined; fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
