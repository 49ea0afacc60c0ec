import {
  ChassisServiceClient,
  HvflowdServiceClient,
  InterfaceServiceClient,
  InterfaceStatus,
  type Interface,
} from '@vpcd/api';
import { createLogger, createRegistry } from '@vpcd/observability';
import { createClient, type ClientTlsOptions } from '@vpcd/rpc';
import type { EpochSample, GenerationSample } from './history/history.js';

/** An hvflowd to sample: its process id names the stream (a restart starts a new one). */
export interface ObservedHvflowd {
  readonly chassisId: string;
  readonly address: string;
  readonly pid: number | undefined;
}

export interface RunObserverOptions {
  /** Every northd's address; a poll tries the next one when one does not answer. */
  readonly addresses: readonly string[];
  readonly token: string;
  readonly tls?: ClientTlsOptions;
  readonly vpcId: string;
  /** The hvflowds now running; read at every poll, as they restart. */
  readonly hvflowds: () => readonly ObservedHvflowd[];
  /** TLS towards hvflowd (it answers southd's certificate only). */
  readonly hvflowdTls?: ClientTlsOptions;
  /** Pause between polls. Default 250 ms. */
  readonly intervalMs?: number;
}

export interface RunObserver {
  /** interface id -> when a poll first saw it ACTIVE. */
  readonly firstActiveMs: ReadonlyMap<string, number>;
  readonly epochSamples: readonly EpochSample[];
  readonly generationSamples: readonly GenerationSample[];
  /** The interfaces of the VPC as the last successful poll listed them, and when it began. */
  latest(): { readonly interfaces: readonly Interface[]; readonly atMs: number } | undefined;
  stop(): Promise<void>;
}

const silent = () => ({
  logger: createLogger({ name: 'observer', level: 'silent' }),
  registry: createRegistry({ service: 'observer', collectDefault: false }),
});

/**
 * Watches a chaos run from outside, one poll at a time (so samples are in real-time order):
 * when each interface of the VPC is first ACTIVE, each chassis' generations, and its epoch as
 * northd and each hvflowd process see it. A poll that fails (the fault) is skipped.
 */
export function startRunObserver(o: RunObserverOptions): RunObserver {
  const base = { ...silent(), bearerToken: o.token, tls: o.tls, defaultDeadlineMs: 2000 };
  const interfaces = o.addresses.map((address) =>
    createClient(InterfaceServiceClient, { ...base, address }),
  );
  const chassis = o.addresses.map((address) =>
    createClient(ChassisServiceClient, { ...base, address }),
  );
  const hvflowds = new Map<string, ReturnType<typeof createClient<HvflowdServiceClient>>>();
  const firstActiveMs = new Map<string, number>();
  const epochSamples: EpochSample[] = [];
  const generationSamples: GenerationSample[] = [];
  let latest: { interfaces: Interface[]; atMs: number } | undefined;
  let stopping = false;

  const listInterfaces = async (i: number) => {
    const all: Interface[] = [];
    let pageToken = '';
    do {
      const page = await interfaces[i]!.listInterfaces({
        vpcId: o.vpcId,
        chassisId: '',
        pageSize: 1000,
        pageToken,
      });
      all.push(...page.interfaces);
      pageToken = page.nextPageToken;
    } while (pageToken);
    return all;
  };
  const poll = async (tick: number) => {
    const i = tick % o.addresses.length;
    const listedMs = Date.now();
    await listInterfaces(i).then(
      (all) => {
        const now = Date.now();
        latest = { interfaces: all, atMs: listedMs };
        for (const x of all) {
          if (x.status === InterfaceStatus.INTERFACE_STATUS_ACTIVE && !firstActiveMs.has(x.id)) {
            firstActiveMs.set(x.id, now);
          }
        }
      },
      () => undefined,
    );
    // Stamped when the read began: a sample stamped after a write's answer includes it.
    const atMs = Date.now();
    await chassis[i]!.listChassis({ pageSize: 1000, pageToken: '' }).then(
      ({ chassis: all }) => {
        for (const c of all) {
          epochSamples.push({ chassisId: c.id, epoch: Number(c.epoch), atMs, source: 'northd' });
          generationSamples.push({
            chassisId: c.id,
            desired: Number(c.desiredGeneration),
            applied: Number(c.appliedGeneration),
            atMs,
          });
        }
      },
      () => undefined,
    );
    if (tick % 4 !== 0) return;
    for (const hv of o.hvflowds()) {
      let client = hvflowds.get(hv.address);
      if (client === undefined) {
        client = createClient(HvflowdServiceClient, {
          ...silent(),
          address: hv.address,
          tls: o.hvflowdTls,
          defaultDeadlineMs: 2000,
        });
        hvflowds.set(hv.address, client);
      }
      await client.getChassisState({}).then(
        (s) => {
          epochSamples.push({
            chassisId: hv.chassisId,
            epoch: Number(s.epoch),
            atMs: Date.now(),
            source: `hvflowd pid ${hv.pid ?? '?'}`,
          });
        },
        () => undefined,
      );
    }
  };
  const running = (async () => {
    for (let tick = 0; !stopping; tick++) {
      await poll(tick);
      await new Promise((r) => setTimeout(r, o.intervalMs ?? 250));
    }
  })();
  return {
    firstActiveMs,
    epochSamples,
    generationSamples,
    latest: () => latest,
    async stop() {
      stopping = true;
      await running;
      for (const c of [...interfaces, ...chassis, ...hvflowds.values()]) c.close();
    },
  };
}
