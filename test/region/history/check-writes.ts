import type { FinalState, History, InterfaceRecord } from './history.js';
import { interfaceWrites, keyOf, type InterfaceWrite } from './logical-writes.js';
import { problem, type Problem } from './problem.js';

type Present = FinalState['interfaces'][number];

const FIELDS = ['id', 'vpcId', 'chassisId', 'name', 'ip', 'mac'] as const;

const ipv4 = (text: string): number | undefined => {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    return undefined;
  }
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
};

/** First host .. broadcast - 1 of a CIDR, without the gateway (the first host). */
function hostRange(cidr: string): { first: number; last: number } | undefined {
  const [address, bits] = cidr.split('/');
  const base = ipv4(address ?? '');
  if (base === undefined || bits === undefined) return undefined;
  const size = 2 ** (32 - Number(bits));
  return { first: base + 2, last: base + size - 2 };
}

/** What makes an interface whole: every field set and consistent with its write, and ACTIVE. */
function missingParts(i: Present, w: InterfaceWrite, cidrOf: Map<string, string>): string[] {
  const missing: string[] = [];
  if (i.id === '') missing.push('no id');
  if (i.chassisId !== w.chassisId) missing.push(`chassis ${i.chassisId}, not ${w.chassisId}`);
  const range = hostRange(cidrOf.get(i.vpcId) ?? '');
  const ip = ipv4(i.ip);
  if (range === undefined || ip === undefined || ip < range.first || ip > range.last) {
    missing.push(`ip ${i.ip} is not a host address of ${cidrOf.get(i.vpcId) ?? 'its vpc'}`);
  }
  const mac = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(i.mac) ? parseInt(i.mac.slice(0, 2), 16) : 1;
  if ((mac & 1) !== 0) missing.push(`mac ${i.mac} is not a unicast MAC`);
  if (!i.active) missing.push('not ACTIVE');
  return missing;
}

const differences = (a: InterfaceRecord, b: InterfaceRecord) =>
  FIELDS.filter((f) => a[f] !== b[f]).map((f) => `${f} ${b[f]}, answered ${a[f]}`);

/**
 * The final state against the writes: acknowledged creates are there as answered, unless a
 * delete was acknowledged; acknowledged deletes stay deleted; definitely failed writes took no
 * effect; indeterminate ones are whole or absent; nothing is there that no one asked for.
 */
export function checkWrites(history: History, final: FinalState): Problem[] {
  const problems: Problem[] = [];
  const inRun = new Set(history.vpcIds);
  const cidrOf = new Map(final.vpcs.map((v) => [v.id, v.cidr]));
  const present = new Map<string, Present>();
  for (const i of final.interfaces.filter((x) => inRun.has(x.vpcId))) {
    if (present.has(keyOf(i))) {
      problems.push(problem('unexplained-interface', `${keyOf(i)} exists twice`));
    }
    present.set(keyOf(i), i);
  }
  const writes = interfaceWrites(history.operations);
  const written = new Set(writes.map((w) => w.key));
  for (const [key, i] of present) {
    if (!written.has(key)) {
      problems.push(problem('unexplained-interface', `${key} (${i.id}) exists; no one created it`));
    }
  }
  for (const w of writes) {
    const now = present.get(w.key);
    const ack = w.acknowledged;
    const del = w.delete?.outcome;
    if (now !== undefined) {
      const missing = missingParts(now, w, cidrOf);
      if (missing.length > 0) {
        problems.push(problem('partial-write', `${w.key} (${now.id}): ${missing.join(', ')}`));
      }
    }
    if (w.create.outcome === 'failed' && now !== undefined) {
      const codes = w.create.codes.join(', ');
      problems.push(problem('failed-write-took-effect', `${w.key} exists; its create: ${codes}`));
    }
    if (ack === undefined) continue;
    if (del === 'ok' && now !== undefined) {
      problems.push(
        problem('acknowledged-delete-resurrected', `${w.key} (${ack.id}) was deleted, is back`),
      );
    } else if (del === 'failed' && now === undefined) {
      const codes = w.delete!.codes.join(', ');
      problems.push(problem('failed-write-took-effect', `${w.key} is gone; its delete: ${codes}`));
    } else if (del === undefined && now === undefined) {
      problems.push(problem('acknowledged-write-lost', `${w.key} (${ack.id}) was answered OK`));
    }
    if (now !== undefined && differences(ack, now).length > 0) {
      problems.push(
        problem('acknowledged-write-altered', `${w.key}: ${differences(ack, now).join(', ')}`),
      );
    }
  }
  return problems;
}
