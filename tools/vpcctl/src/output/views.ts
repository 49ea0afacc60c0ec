import {
  Chassis,
  CreateTokenResponse,
  Interface,
  interfaceStatusToJSON,
  Project,
  Token,
  Vpc,
  type InterfaceStatus,
} from '@vpcd/api';
import { formatDuration } from '../cli/duration.js';
import type { Column } from './table.js';

/** How a resource prints: its table columns, its JSON (the generated toJSON) and its list key. */
export interface View<T> {
  /** Singular noun, for messages. */
  readonly noun: string;
  /** Key of the array in list JSON, as in the List response (`vpcs`, `interfaces`). */
  readonly listKey: string;
  readonly columns: readonly Column<T>[];
  toJson(message: T): unknown;
}

const col = <T>(header: string, value: (row: T) => string | number | undefined): Column<T> => ({
  header,
  value: (row) => String(value(row) ?? ''),
});

/** `2024-05-01T12:00:00Z`: the time to the second. */
export function formatTime(date: Date | undefined): string {
  return date ? date.toISOString().replace(/\.\d{3}Z$/, 'Z') : '';
}

/** `3.2s ago`, or `never`. */
export function formatAge(date: Date | undefined, nowMs = Date.now()): string {
  return date ? `${formatDuration(Math.max(0, nowMs - date.getTime()))} ago` : 'never';
}

/** `ACTIVE` for INTERFACE_STATUS_ACTIVE. */
export function statusName(status: InterfaceStatus): string {
  return interfaceStatusToJSON(status).replace(/^INTERFACE_STATUS_/, '');
}

export const projectView: View<Project> = {
  noun: 'project',
  listKey: 'projects',
  columns: [
    col('id', (p) => p.id),
    col('name', (p) => p.name),
    col('created', (p) => formatTime(p.createTime)),
  ],
  toJson: (p) => Project.toJSON(p),
};

export const tokenView: View<CreateTokenResponse> = {
  noun: 'token',
  listKey: 'tokens',
  columns: [
    col('token id', (t) => t.tokenId),
    col('token', (t) => t.token),
    col('expires', (t) => formatTime(t.expireTime) || 'never'),
  ],
  toJson: (t) => CreateTokenResponse.toJSON(t),
};

/** A listed token: never its secret, only its last four characters. */
export const tokenInfoView: View<Token> = {
  noun: 'token',
  listKey: 'tokens',
  columns: [
    col('id', (t) => t.id),
    col('project', (t) => t.projectId),
    col('service', (t) => (t.role === '' ? '' : `${t.role}:${t.subject}`)),
    col('ends with', (t) => t.suffix),
    col('created', (t) => formatTime(t.createTime)),
    col('expires', (t) => formatTime(t.expireTime) || 'never'),
    col('revoked', (t) => formatTime(t.revokeTime)),
  ],
  toJson: (t) => Token.toJSON(t),
};

export const vpcView: View<Vpc> = {
  noun: 'vpc',
  listKey: 'vpcs',
  columns: [
    col('id', (v) => v.id),
    col('name', (v) => v.name),
    col('cidr', (v) => v.cidr),
    col('vni', (v) => v.vni),
    col('project', (v) => v.projectId),
    col('generation', (v) => v.generation),
    col('created', (v) => formatTime(v.createTime)),
  ],
  toJson: (v) => Vpc.toJSON(v),
};

export const interfaceView: View<Interface> = {
  noun: 'interface',
  listKey: 'interfaces',
  columns: [
    col('id', (i) => i.id),
    col('name', (i) => i.name),
    col('vpc', (i) => i.vpcId),
    col('chassis', (i) => i.chassisId),
    col('ip', (i) => i.ip),
    col('mac', (i) => i.mac),
    col('status', (i) => statusName(i.status)),
    col('generation', (i) => i.generation),
  ],
  toJson: (i) => Interface.toJSON(i),
};

export const chassisView: View<Chassis> = {
  noun: 'chassis',
  listKey: 'chassis',
  columns: [
    col('id', (c) => c.id),
    col('hostname', (c) => c.hostname),
    col('underlay ip', (c) => c.underlayIp),
    col('hvflowd', (c) => c.hvflowdAddr),
    col('owner', (c) => c.owner),
    col('epoch', (c) => c.epoch),
    col('desired', (c) => c.desiredGeneration),
    col('applied', (c) => c.appliedGeneration),
    col('last heartbeat', (c) => formatAge(c.lastHeartbeatTime)),
  ],
  toJson: (c) => Chassis.toJSON(c),
};
