import { randomBytes } from 'node:crypto';
import { codeName, RpcError, type ClientTlsOptions } from '@vpcd/rpc';
import { HammerError } from '../hammer-error.js';
import type { CallOutcome, Target, TargetSummary } from '../target.js';
import {
  grpcCallNames,
  grpcCalls,
  missingFor,
  type CallContext,
  type GrpcCallName,
} from './calls.js';
import { openClients, type Clients } from './clients.js';
import { cleanUp, discover, setUp, type SetupOptions } from './fixture.js';
import { maxSetupVpcs, RunNames } from './names.js';
import { Pools } from './pools.js';

export interface GrpcTargetOptions {
  /** northd, `host:port`. */
  readonly address: string;
  /** Bearer token; the admin token for `setup` and syncInitialChassis. */
  readonly token?: string;
  /** Plaintext when absent. */
  readonly tls?: ClientTlsOptions;
  /** Deadline of each call. Default 10 s. */
  readonly callDeadlineMs?: number;
  /**
   * Creates a project (the tenant calls then use a token of its own), chassis, VPCs and
   * interfaces before the run, named `hammer-<runId>-...`. Absent: acts on what the token sees.
   */
  readonly setup?: SetupOptions;
  /** After the run, delete the interfaces and VPCs that the run and its setup created. */
  readonly cleanup?: boolean;
  /** VPCs to act on, instead of those set up or found. */
  readonly vpcIds?: readonly string[];
  /** Chassis to act on, instead of those set up or found. */
  readonly chassisIds?: readonly string[];
  /** Project of createVpc, needed with the admin token when there is no setup. */
  readonly projectId?: string;
  /** Makes the names unique; default 6 random hex digits. */
  readonly runId?: string;
}

/** The calls of northd's public API as a hammer Target. */
export function createGrpcTarget(options: GrpcTargetOptions): Target {
  const setup = options.setup;
  if (setup?.vpcs !== undefined && (setup.vpcs < 1 || setup.vpcs > maxSetupVpcs))
    throw new HammerError('usage', `setup.vpcs must be 1 to ${maxSetupVpcs}`);
  const names = new RunNames(options.runId ?? randomBytes(3).toString('hex'));
  const pools = new Pools();
  pools.baseVpcs.push(...(options.vpcIds ?? []));
  pools.vpcs.push(...(options.vpcIds ?? []));
  pools.chassis.push(...(options.chassisIds ?? []));
  const connect = (token: string | undefined) =>
    openClients({
      address: options.address,
      token,
      tls: options.tls,
      callDeadlineMs: options.callDeadlineMs ?? 10_000,
    });
  const admin = connect(options.token);
  let tenant: Clients = admin;
  let projectId = options.projectId ?? '';
  let setUpCounts: Record<string, number> = {};
  let ctx: CallContext | undefined;

  return {
    kind: 'grpc',
    description: `northd at ${options.address}`,
    calls: grpcCallNames,

    async prepare(mix) {
      try {
        if (setup) {
          const done = await setUp(admin, connect, pools, names, setup);
          tenant = done.tenant;
          projectId = '';
          setUpCounts = done.counts;
        } else {
          await discover(admin, pools);
        }
      } catch (err) {
        const e = RpcError.from(err);
        throw new HammerError(
          'setup',
          `${setup ? 'setup' : 'finding VPCs and chassis'} failed: ${codeName(e.code)}: ${e.message}`,
          { cause: err },
        );
      }
      const missing = mix
        .map((call) => missingFor(call as GrpcCallName, pools, mix))
        .filter((m): m is string => m !== undefined);
      if (missing.length > 0) throw new HammerError('setup', missing.join('; '));
      ctx = { tenant, admin, pools, names, projectId };
    },

    invoke(call): Promise<CallOutcome> {
      if (!ctx) return Promise.reject(new Error('invoke() before prepare()'));
      return grpcCalls[call as GrpcCallName](ctx);
    },

    errorCode: (err) => codeName(RpcError.from(err).code),

    async close(): Promise<TargetSummary> {
      const notes: string[] = [];
      let cleanedUp: Record<string, number> = {};
      try {
        if (options.cleanup) {
          const done = await cleanUp(tenant, pools);
          cleanedUp = done.counts;
          notes.push(...done.notes);
          if (setup)
            notes.push(
              `project ${names.project} and chassis ${names.chassis(0)}.. stay: the API cannot delete them`,
            );
        } else if (pools.ownedVpcs.size + pools.ownedInterfaces.size > 0) {
          notes.push(
            `left ${pools.ownedVpcs.size} VPCs and ${pools.ownedInterfaces.size} interfaces named hammer-${names.runId}-*`,
          );
        }
      } finally {
        if (tenant !== admin) tenant.close();
        admin.close();
      }
      return { setUp: setUpCounts, cleanedUp, notes };
    },
  };
}
