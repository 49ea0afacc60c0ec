import {
  HvflowdServiceClient,
  InterfaceServiceClient,
  InterfaceStatus,
  type Interface,
} from '@vpcd/api';
import { createLogger, createRegistry } from '@vpcd/observability';
import { createClient, type ClientTlsOptions } from '@vpcd/rpc';
import type { Write } from './write-load.js';

export interface AuditResult {
  /** Writes answered OK. */
  readonly answered: number;
  /** Problems found; empty means nothing was lost, duplicated or left unapplied. */
  readonly problems: string[];
}

/**
 * "Nothing lost": every write answered OK exists, is ACTIVE and has its flows on its chassis;
 * no interface exists twice (one per request_id), and every interface in the VPC was answered
 * to someone. Waits up to `timeoutMs` for convergence before judging.
 */
export async function auditWrites(o: {
  northdAddr: string;
  token: string;
  /** TLS towards northd (the region's clientTls); plaintext when absent. */
  northdTls?: ClientTlsOptions;
  /** TLS towards hvflowd, which serves only southd's certificate; plaintext when absent. */
  hvflowdTls?: ClientTlsOptions;
  vpcId: string;
  writes: readonly Write[];
  /** chassis id -> host:port of its hvflowd. */
  hvflowds: ReadonlyMap<string, string>;
  timeoutMs?: number;
}): Promise<AuditResult> {
  const base = {
    logger: createLogger({ name: 'audit', level: 'silent' }),
    registry: createRegistry({ service: 'audit', collectDefault: false }),
    bearerToken: o.token,
  };
  const api = createClient(InterfaceServiceClient, {
    ...base,
    address: o.northdAddr,
    tls: o.northdTls,
  });
  const problems: string[] = [];
  const answered = o.writes.filter((w) => w.answered);
  const unanswered = o.writes.filter((w) => !w.answered);
  if (unanswered.length > 0) problems.push(`${unanswered.length} writes never got an answer`);
  try {
    const list = async () => {
      const all: Interface[] = [];
      let token = '';
      do {
        const page = await api.listInterfaces({
          vpcId: o.vpcId,
          chassisId: '',
          pageSize: 1000,
          pageToken: token,
        });
        all.push(...page.interfaces);
        token = page.nextPageToken;
      } while (token);
      return all;
    };
    const deadline = Date.now() + (o.timeoutMs ?? 60_000);
    let existing = await list();
    while (
      existing.some((i) => i.status !== InterfaceStatus.INTERFACE_STATUS_ACTIVE) &&
      Date.now() < deadline
    ) {
      await new Promise((r) => setTimeout(r, 200));
      existing = await list();
    }
    const byId = new Map(existing.map((i) => [i.id, i]));
    const names = new Set<string>();
    for (const i of existing) {
      if (names.has(i.name)) problems.push(`interface ${i.name} exists twice`);
      names.add(i.name);
      if (i.status !== InterfaceStatus.INTERFACE_STATUS_ACTIVE)
        problems.push(`${i.name} is not ACTIVE`);
    }
    const answeredIds = new Set(answered.map((w) => w.answered!.id));
    for (const w of answered) {
      if (!byId.has(w.answered!.id))
        problems.push(`${w.requestId} was answered OK but ${w.answered!.id} is missing`);
    }
    for (const i of existing) {
      if (i.name.startsWith('load-') && !answeredIds.has(i.id) && unanswered.length === 0) {
        problems.push(`${i.name} exists but was answered to nobody`);
      }
    }
    // Exact flows: each chassis' applied flows carry the MAC of every interface placed on it.
    for (const [chassisId, address] of o.hvflowds) {
      const hv = createClient(HvflowdServiceClient, { ...base, address, tls: o.hvflowdTls });
      try {
        const flows = (await hv.getChassisState({})).flows.join('\n');
        for (const i of existing.filter((x) => x.chassisId === chassisId)) {
          if (!flows.includes(i.mac)) problems.push(`${i.name} has no flow on ${chassisId}`);
        }
      } finally {
        hv.close();
      }
    }
    return { answered: answered.length, problems };
  } finally {
    api.close();
  }
}
