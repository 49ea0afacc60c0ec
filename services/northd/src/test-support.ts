// Shared set-up of northd's tests: the harness of ./testing/harness.ts, and a stand-in for
// southd's side of the converge messages.
import { after, before } from 'node:test';
import type { TracerProvider } from '@opentelemetry/api';
import { ChassisDelta, ChassisState, ChassisStateAck, messageTypes } from '@vpcd/api';
import { createDatabase, migrate, type Database } from '@vpcd/db';
import { createTestDatabase, type TestDatabase } from '@vpcd/db/testing';
import type { Delivery } from '@vpcd/messaging';
import { testVhostUrl } from '@vpcd/messaging/testing';
import { createLogger, createRegistry } from '@vpcd/observability';
import { northdClients, type NorthdClients } from '@vpcd/rpc';
import { migrations } from './store/migrations.js';
import { startNorthdHarness, type Harness } from './testing/harness.js';

export { adminToken, eventually, type Harness } from './testing/harness.js';
export { testVhostUrl };
export type Clients = NorthdClients;

/**
 * A throwaway database with northd's schema for the tests of one file (or suite): created in a
 * `before` hook, dropped in an `after` one; `migrated: false` leaves it empty, for the tests of
 * the migrations themselves. Read `db` and `url` inside the tests.
 */
export function migratedDatabase({ migrated = true } = {}): {
  readonly db: Database;
  readonly url: string;
} {
  let database: TestDatabase | undefined;
  let db: Database | undefined;
  before(async () => {
    database = await createTestDatabase();
    db = createDatabase({
      url: database.url,
      logger: createLogger({ name: 'test', level: 'silent' }),
      registry: createRegistry({ service: 'test', collectDefault: false }),
    });
    if (migrated) await migrate(db, migrations, { lockName: 'vpcd_northd_migrations' });
  });
  after(async () => {
    await db?.close();
    await database?.drop();
  });
  return {
    get db() {
      return db!;
    },
    get url() {
      return database!.url;
    },
  };
}

/** Plaintext clients of the northd at `address` with `token`. */
export const clients = (address: string, token: string): Clients =>
  northdClients({ address, bearerToken: token });

/** Starts one northd in this process; `env` overrides the harness defaults. */
export function startHarness(
  env: Record<string, string> = {},
  shared?: { database: TestDatabase; amqpUrl: string },
  tracerProvider?: TracerProvider,
): Promise<Harness> {
  return startNorthdHarness({ env, shared, tracerProvider });
}

/** One converge message as the tests' stand-in for southd sees it. */
export type Work =
  | { readonly kind: 'full'; readonly state: ChassisState }
  | { readonly kind: 'delta'; readonly delta: ChassisDelta };

/** Reads a converge message: a full state or a delta, by its AMQP type. */
export function decodeWork(d: Delivery): Work {
  return d.type === messageTypes.chassisDelta
    ? { kind: 'delta', delta: ChassisDelta.decode(d.body) }
    : { kind: 'full', state: ChassisState.decode(d.body) };
}

/** The chassis, epoch, revision and change rows a message carries. */
export function workOf(work: Work): {
  chassisId: string;
  epoch: number;
  generation: number;
  changes: number[];
} {
  const m = work.kind === 'full' ? work.state : work.delta;
  return { chassisId: m.chassisId, epoch: m.epoch, generation: m.generation, changes: m.changes };
}

/**
 * What a chassis holds after `work`, as hvflowd applies it: a full state replaces what it held;
 * a delta applies on top of its base revision only (undefined otherwise: it needs a full state),
 * and a delta applied already leaves it as it is.
 * The result carries the message's epoch, revision and changes.
 */
export function applyWork(held: ChassisState | undefined, work: Work): ChassisState | undefined {
  if (work.kind === 'full') return work.state;
  const d = work.delta;
  // A duplicate (a resend of a delta already applied) is 'unchanged': `held` itself.
  if (held && held.epoch === d.epoch && d.generation <= held.generation) return held;
  if (!held || held.epoch !== d.epoch || held.generation !== d.baseGeneration) return undefined;
  const removedVpcs = new Set(d.removedVpcs);
  const keep = <T extends { vpcId: string }>(
    items: T[],
    id: (t: T) => string,
    removed: string[],
    added: T[],
  ) => {
    const gone = new Set([...removed, ...added.map(id)]);
    return [...items.filter((t) => !removedVpcs.has(t.vpcId) && !gone.has(id(t))), ...added];
  };
  return {
    chassisId: d.chassisId,
    epoch: d.epoch,
    generation: d.generation,
    changes: d.changes,
    vpcs: keep(held.vpcs, (v) => v.vpcId, d.removedVpcs, d.vpcs),
    ports: keep(held.ports, (p) => p.interfaceId, d.removedPorts, d.ports),
    remotePorts: keep(held.remotePorts, (p) => p.interfaceId, d.removedRemotePorts, d.remotePorts),
  };
}

/** The acknowledgement southd would send for `work`, applied unless `fields` say otherwise. */
export function ackOf(work: Work, fields: Partial<ChassisStateAck> = {}): Buffer {
  const { chassisId, epoch, generation, changes } = workOf(work);
  return Buffer.from(
    ChassisStateAck.encode(
      ChassisStateAck.fromPartial({
        chassisId,
        epoch,
        generation,
        changes,
        stateHash: `acked-${generation}`,
        ...fields,
      }),
    ).finish(),
  );
}
