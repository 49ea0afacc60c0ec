import type { TracePacket } from '@vpcd/flows';

/** One flow a traced packet matched, with the OpenFlow actions ofproto/trace printed under it. */
export interface OfprotoStep {
  readonly table: number;
  readonly priority: number;
  readonly match: string;
  readonly cookie: bigint | undefined;
  readonly actions: readonly string[];
}

/** What leaves the bridge at OpenFlow level: a port (`in_port` for IN_PORT), with tunnel fields. */
export interface OfprotoOutput {
  readonly port: number | 'in_port';
  readonly tunId?: number;
  readonly tunDst?: string;
}

export interface OfprotoTrace {
  readonly steps: readonly OfprotoStep[];
  /** Outputs in order; empty when the packet is dropped. */
  readonly outputs: readonly OfprotoOutput[];
  /** The `Datapath actions:` line, e.g. `drop` or `2`. */
  readonly datapathActions: string;
  readonly text: string;
}

const STEP = /^\s*(\d+)\.\s+(?:(.*?),\s+)?priority (\d+)(?:, cookie (0x[0-9a-f]+))?\s*$/;

/**
 * Reads `ovs-appctl ofproto/trace` output: the flows matched (table, priority, cookie) and their
 * actions, and the outputs they make. Outputs are read at OpenFlow level, because a tunnel output
 * ends in "Datapath actions: drop" unless the underlay has a route.
 */
export function parseOfprotoTrace(text: string): OfprotoTrace {
  const steps: Array<OfprotoStep & { actions: string[] }> = [];
  const outputs: OfprotoOutput[] = [];
  const tunnel: { tunId?: number; tunDst?: string } = {};
  let datapathActions = '';
  for (const line of text.split('\n')) {
    const step = STEP.exec(line);
    if (step) {
      steps.push({
        table: Number(step[1]),
        match: step[2] ?? '',
        priority: Number(step[3]),
        cookie: step[4] === undefined ? undefined : BigInt(step[4]),
        actions: [],
      });
      continue;
    }
    const dp = /^Datapath actions: (.*)$/.exec(line);
    if (dp) datapathActions = dp[1]!.trim();
    const current = steps.at(-1);
    if (current === undefined || !/^ {4}\S/.test(line)) {
      if (/>> skipping output to input port/.test(line) && outputs.length > 0) outputs.pop();
      continue;
    }
    const action = line.trim();
    current.actions.push(action);
    const setField = /^set_field:(.+)->(tun_id|tun_dst)$/.exec(action);
    if (setField?.[2] === 'tun_id') tunnel.tunId = Number(setField[1]);
    if (setField?.[2] === 'tun_dst') tunnel.tunDst = setField[1];
    const output = /^output:(\d+)$/.exec(action);
    if (output) outputs.push({ port: Number(output[1]), ...tunnel });
    if (action === 'IN_PORT') outputs.push({ port: 'in_port', ...tunnel });
  }
  return { steps, outputs, datapathActions, text };
}

/** The packet as an ofproto/trace flow (`udp_src=`, not `tp_src=`, as ofproto/trace wants). */
export function traceFlowSpec(packet: TracePacket): string {
  const fields: string[] = [];
  if (packet.tunId !== undefined) fields.push(`tun_id=0x${packet.tunId.toString(16)}`);
  if (packet.tunSrc !== undefined) fields.push(`tun_src=${packet.tunSrc}`);
  fields.push(`in_port=${packet.inPort}`);
  if (packet.ethType === 'arp') {
    fields.push(
      'arp',
      `dl_src=${packet.ethSrc}`,
      `dl_dst=${packet.ethDst}`,
      `arp_op=${packet.arpOp ?? 1}`,
      `arp_spa=${packet.arpSpa ?? '0.0.0.0'}`,
      `arp_tpa=${packet.arpTpa ?? '0.0.0.0'}`,
      `arp_sha=${packet.arpSha ?? packet.ethSrc}`,
      `arp_tha=${packet.arpTha ?? '00:00:00:00:00:00'}`,
    );
    return fields.join(',');
  }
  const udp = packet.udpSrc !== undefined || packet.udpDst !== undefined;
  fields.push(
    udp ? 'udp' : 'ip',
    `dl_src=${packet.ethSrc}`,
    `dl_dst=${packet.ethDst}`,
    `nw_src=${packet.ipSrc ?? '0.0.0.0'}`,
    `nw_dst=${packet.ipDst ?? '0.0.0.0'}`,
  );
  if (udp) fields.push(`udp_src=${packet.udpSrc ?? 0}`, `udp_dst=${packet.udpDst ?? 0}`);
  return fields.join(',');
}

/** Traces `packet` through `bridge` with ovs-appctl ofproto/trace. */
export async function ofprotoTrace(
  run: (command: string, args: readonly string[]) => Promise<string>,
  bridge: string,
  packet: TracePacket,
): Promise<OfprotoTrace> {
  return parseOfprotoTrace(
    await run('ovs-appctl', ['ofproto/trace', bridge, traceFlowSpec(packet)]),
  );
}
