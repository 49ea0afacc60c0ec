import type { CallOutcome } from '../target.js';
import type { Clients } from './clients.js';
import type { RunNames } from './names.js';
import { Pools } from './pools.js';

/** What a call runs with. */
export interface CallContext {
  /** Tenant calls (VPCs, interfaces, chassis reads): the set-up project's token, else --token. */
  readonly tenant: Clients;
  /** Calls only an admin or agent may make (syncInitialChassis): --token. */
  readonly admin: Clients;
  readonly pools: Pools;
  readonly names: RunNames;
  /** Project of createVpc; '' lets a project token imply its own. */
  readonly projectId: string;
}

type Call = (ctx: CallContext) => Promise<CallOutcome>;

const listPageSize = 100;

/** The northd calls a mix may name. Each picks what it acts on from the pools at random. */
export const grpcCalls = {
  async createVpc(ctx) {
    const { name, cidr } = ctx.names.nextVpc();
    const vpc = await ctx.tenant.vpcs.createVpc({
      name,
      cidr,
      projectId: ctx.projectId,
      requestId: '',
    });
    ctx.pools.ownedVpcs.add(vpc.id);
    ctx.pools.vpcs.push(vpc.id);
    return 'ok';
  },

  async getVpc(ctx) {
    const id = Pools.pick(ctx.pools.vpcs);
    if (id === undefined) return 'skipped';
    await ctx.tenant.vpcs.getVpc({ id });
    return 'ok';
  },

  async listVpcs(ctx) {
    await ctx.tenant.vpcs.listVpcs({ pageSize: listPageSize, pageToken: '' });
    return 'ok';
  },

  async createInterface(ctx) {
    const vpcId = Pools.pick(ctx.pools.baseVpcs);
    const chassisId = Pools.pick(ctx.pools.chassis);
    if (vpcId === undefined || chassisId === undefined) return 'skipped';
    const created = await ctx.tenant.interfaces.createInterface({
      vpcId,
      chassisId,
      name: ctx.names.nextInterface(),
      ip: '',
      mac: '',
      requestId: '',
    });
    ctx.pools.ownedInterfaces.add(created.id);
    ctx.pools.createdInterfaces.push({ id: created.id, vpcId });
    return 'ok';
  },

  async getInterface(ctx) {
    const known = Pools.pick(ctx.pools.stableInterfaces) ?? Pools.pick(ctx.pools.createdInterfaces);
    if (known === undefined) return 'skipped';
    await ctx.tenant.interfaces.getInterface({ id: known.id });
    return 'ok';
  },

  async listInterfaces(ctx) {
    const vpcId = Pools.pick(ctx.pools.baseVpcs);
    if (vpcId === undefined) return 'skipped';
    await ctx.tenant.interfaces.listInterfaces({
      vpcId,
      chassisId: '',
      pageSize: listPageSize,
      pageToken: '',
    });
    return 'ok';
  },

  async deleteInterface(ctx) {
    const known = ctx.pools.takeCreatedInterface();
    if (known === undefined) return 'skipped';
    await ctx.tenant.interfaces.deleteInterface({ id: known.id, requestId: '' });
    ctx.pools.ownedInterfaces.delete(known.id);
    return 'ok';
  },

  async listChassis(ctx) {
    await ctx.tenant.chassis.listChassis({ pageSize: listPageSize, pageToken: '' });
    return 'ok';
  },

  async syncInitialChassis(ctx) {
    const chassisId = Pools.pick(ctx.pools.chassis);
    if (chassisId === undefined) return 'skipped';
    await ctx.admin.chassis.syncInitialChassis({ chassisId });
    return 'ok';
  },
} satisfies Record<string, Call>;

export type GrpcCallName = keyof typeof grpcCalls;

export const grpcCallNames = Object.keys(grpcCalls) as GrpcCallName[];

/** What a call in the mix needs before the run, in words for the error; undefined when it has it. */
export function missingFor(
  call: GrpcCallName,
  pools: Pools,
  mix: readonly string[],
): string | undefined {
  const hint = 'use --setup, or name them with --vpc/--chassis';
  switch (call) {
    case 'getVpc':
      return pools.vpcs.length === 0 && !mix.includes('createVpc')
        ? `getVpc needs a VPC: ${hint}`
        : undefined;
    case 'createInterface':
      return pools.baseVpcs.length === 0 || pools.chassis.length === 0
        ? `createInterface needs a VPC and a chassis: ${hint}`
        : undefined;
    case 'listInterfaces':
      return pools.baseVpcs.length === 0 ? `listInterfaces needs a VPC: ${hint}` : undefined;
    case 'syncInitialChassis':
      return pools.chassis.length === 0 ? `syncInitialChassis needs a chassis: ${hint}` : undefined;
    case 'getInterface':
      return pools.stableInterfaces.length === 0 && !mix.includes('createInterface')
        ? 'getInterface needs an interface: use --setup, or put createInterface in the mix'
        : undefined;
    case 'deleteInterface':
      return mix.includes('createInterface')
        ? undefined
        : 'deleteInterface deletes only what this run created: put createInterface in the mix';
    default:
      return undefined;
  }
}
