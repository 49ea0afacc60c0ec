import type { CreateInterfaceRequest, CreateVpcRequest, RegisterChassisRequest } from '@vpcd/api';
import { invalidArgument, type FieldViolation } from '@vpcd/rpc';
import { dnsLabelProblem } from './names.js';
import { cidrContains, formatIpv4, gatewayOf, parseCidr, parseIpv4, type Cidr } from './ipv4.js';
import { normalizeMac } from './mac.js';

/** VPC prefixes allowed: /16 (65,536 addresses) to /28 (16). */
export const minPrefix = 16;
export const maxPrefix = 28;
const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

class Violations {
  readonly list: FieldViolation[] = [];
  add(field: string, description: string | undefined): void {
    if (description !== undefined) this.list.push({ field, description });
  }
  throwIfAny(): void {
    if (this.list.length > 0) throw invalidArgument(this.list);
  }
}

function requestIdProblem(id: string): string | undefined {
  if (id === '') return undefined;
  return requestIdPattern.test(id) ? undefined : 'at most 128 of A-Z a-z 0-9 . _ : -';
}

export interface ValidVpc {
  readonly name: string;
  readonly cidr: Cidr;
}

/** Checks a CreateVpc request; throws INVALID_ARGUMENT naming every bad field. */
export function validateCreateVpc(req: CreateVpcRequest, privateRanges: readonly Cidr[]): ValidVpc {
  const v = new Violations();
  v.add('name', dnsLabelProblem(req.name));
  v.add('request_id', requestIdProblem(req.requestId));
  const cidr = parseCidr(req.cidr.trim());
  if (cidr === 'syntax') v.add('cidr', `"${req.cidr}" is not an IPv4 CIDR like 10.0.0.0/16`);
  else if (cidr === 'host-bits') v.add('cidr', `"${req.cidr}" has host bits set`);
  else if (cidr === 'prefix' || cidr.prefix < minPrefix || cidr.prefix > maxPrefix) {
    v.add('cidr', `prefix must be /${minPrefix} to /${maxPrefix}`);
  } else if (!privateRanges.some((r) => cidrContains(r, cidr))) {
    v.add('cidr', `must lie in a private range (${privateRanges.map((r) => r.text).join(', ')})`);
  }
  v.throwIfAny();
  return { name: req.name, cidr: cidr as Cidr };
}

export interface ValidInterfaceFields {
  readonly name: string;
  /** Undefined when IPAM allocates. */
  readonly ip: number | undefined;
  /** Undefined when generated. */
  readonly mac: string | undefined;
}

/** The checks that need no database; the IP against its VPC is checkInterfaceIp. */
export function validateCreateInterface(req: CreateInterfaceRequest): ValidInterfaceFields {
  const v = new Violations();
  v.add('vpc_id', req.vpcId === '' ? 'required' : undefined);
  v.add('chassis_id', req.chassisId === '' ? 'required' : undefined);
  v.add('name', dnsLabelProblem(req.name));
  v.add('request_id', requestIdProblem(req.requestId));
  let ip: number | undefined;
  if (req.ip !== '') {
    ip = parseIpv4(req.ip.trim());
    if (ip === undefined) v.add('ip', `"${req.ip}" is not an IPv4 address`);
  }
  let mac: string | undefined;
  if (req.mac !== '') {
    const checked = normalizeMac(req.mac);
    if ('problem' in checked) v.add('mac', checked.problem);
    else mac = checked.mac;
  }
  v.throwIfAny();
  return { name: req.name, ip, mac };
}

/** Throws INVALID_ARGUMENT when `ip` cannot be an interface address in `cidr`. */
export function checkInterfaceIp(ip: number, cidr: Cidr): void {
  const v = new Violations();
  if (ip < cidr.first || ip > cidr.last) v.add('ip', `${formatIpv4(ip)} is outside ${cidr.text}`);
  else if (ip === cidr.first) v.add('ip', `${formatIpv4(ip)} is the network address`);
  else if (ip === cidr.last) v.add('ip', `${formatIpv4(ip)} is the broadcast address`);
  else if (ip === gatewayOf(cidr)) v.add('ip', `${formatIpv4(ip)} is the gateway address`);
  v.throwIfAny();
}

export function validateRegisterChassis(req: RegisterChassisRequest): void {
  const v = new Violations();
  v.add('chassis_id', dnsLabelProblem(req.chassisId));
  v.add(
    'hostname',
    req.hostname === '' || req.hostname.length > 255
      ? 'required, at most 255 characters'
      : undefined,
  );
  v.add(
    'underlay_ip',
    parseIpv4(req.underlayIp) === undefined
      ? `"${req.underlayIp}" is not an IPv4 address`
      : undefined,
  );
  v.add(
    'hvflowd_addr',
    /^[^\s:]+:\d{1,5}$/.test(req.hvflowdAddr) ? undefined : 'host:port of the chassis agent',
  );
  v.add('request_id', requestIdProblem(req.requestId));
  v.throwIfAny();
}

/** Checks a required id field. */
export function requireId(field: string, value: string): void {
  const v = new Violations();
  v.add(field, value === '' ? 'required' : value.length > 64 ? 'at most 64 characters' : undefined);
  v.throwIfAny();
}
