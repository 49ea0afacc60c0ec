import { HvflowdServiceClient } from '@vpcd/api';
import { cookieFor, parseFlowDump, parseFlowLine, type Flow } from '@vpcd/flows';
import { DHCP_PORT_NAME } from '@vpcd/hvflowd';
import type { OvsSandbox } from '@vpcd/hvflowd/testing';
import { createLogger, createRegistry } from '@vpcd/observability';
import { createClient, type ClientTlsOptions } from '@vpcd/rpc';

/** A chassis as it is: the generation its hvflowd applied last, and the flows on its bridge. */
export interface ActualChassis {
  readonly generation: number;
  readonly flows: readonly Flow[];
  /**
   * The ofport of each interface's port, of the tunnel and of hvaddr's port (DHCP), when the
   * switch can be asked (OVSDB); undefined for the memory datapath, whose ports live inside
   * hvflowd (see portNumbersOf).
   */
  readonly ports: PortNumbers | undefined;
}

export interface PortNumbers {
  readonly byInterface: Map<string, number>;
  readonly tunnel: number;
  /** hvaddr's port, where DHCP is steered; undefined when the bridge has none. */
  readonly dhcp: number | undefined;
}

export type ReadChassis = () => Promise<ActualChassis>;

const getState = async (address: string, tls: ClientTlsOptions | undefined) => {
  const hv = createClient(HvflowdServiceClient, {
    logger: createLogger({ name: 'zero-diff', level: 'silent' }),
    registry: createRegistry({ service: 'zero-diff', collectDefault: false }),
    address,
    tls,
    defaultDeadlineMs: 5000,
  });
  try {
    return await hv.getChassisState({});
  } finally {
    hv.close();
  }
};

/** A memory-datapath chassis: GetChassisState reads its table and generation in one step. */
export function memoryChassis(address: string, tls: ClientTlsOptions | undefined): ReadChassis {
  return async () => {
    const s = await getState(address, tls);
    return {
      generation: Number(s.generation),
      flows: s.flows.map(parseFlowLine),
      ports: undefined,
    };
  };
}

/**
 * An ovs-datapath chassis: the bridge read with ovs-ofctl and its ports with ovs-vsctl, between
 * two reads of the applied generation (a dump that straddles an apply is not of one generation,
 * and is read again).
 */
export function ovsChassis(
  sandbox: OvsSandbox,
  address: string,
  tls: ClientTlsOptions | undefined,
  bridge = 'br-int',
): ReadChassis {
  return async () => {
    for (;;) {
      const before = Number((await getState(address, tls)).generation);
      const dump = await sandbox.run('ovs-ofctl', [
        '-O',
        'OpenFlow15',
        'dump-flows',
        '--no-stats',
        bridge,
      ]);
      const table = JSON.parse(
        await sandbox.run('ovs-vsctl', [
          '--format=json',
          '--columns=name,ofport,external_ids',
          'list',
          'Interface',
        ]),
      ) as { data: Array<[string, number, ['map', Array<[string, string]>]]> };
      const after = Number((await getState(address, tls)).generation);
      if (before !== after) continue;
      const byInterface = new Map<string, number>();
      let tunnel = 0;
      let dhcp: number | undefined;
      for (const [name, ofport, [, ids]] of table.data) {
        const ifaceId = ids.find(([key]) => key === 'iface-id')?.[1];
        if (ifaceId !== undefined) byInterface.set(ifaceId, ofport);
        if (name === 'vxlan0') tunnel = ofport;
        if (name === DHCP_PORT_NAME) dhcp = ofport;
      }
      return {
        generation: after,
        flows: parseFlowDump(dump),
        ports: { byInterface, tunnel, dhcp },
      };
    }
  };
}

const inPort = (flow: Flow | undefined) => {
  const found = flow && /(?:^|,)in_port=(\d+)/.exec(flow.match);
  return found ? Number(found[1]) : undefined;
};

/**
 * The port numbers of a memory chassis, learned from its flows: each port's from the flow whose
 * cookie says it is that port's IPv4 ingress, the tunnel's from a tunnel ingress flow, hvaddr's
 * from the flow that admits its replies. This is the one fact taken from the chassis; every
 * other flow must then agree with it. A port whose flow is missing gets a number of its own, so
 * its flows all show in the diff.
 */
export function portNumbersOf(
  flows: readonly Flow[],
  interfaceIds: readonly string[],
  tunnelIngressPurposes: readonly string[],
): PortNumbers {
  const byCookie = new Map(flows.map((f) => [f.cookie, f]));
  const byInterface = new Map<string, number>();
  for (const id of interfaceIds) {
    const n = inPort(byCookie.get(cookieFor(`port:${id}:ingress-ip`)));
    if (n !== undefined) byInterface.set(id, n);
  }
  const tunnels = tunnelIngressPurposes.map((p) => inPort(byCookie.get(cookieFor(p))));
  const dhcp = inPort(byCookie.get(cookieFor('dhcp:hvaddr:ingress')));
  let free = Math.max(0, ...byInterface.values(), ...tunnels.map((t) => t ?? 0), dhcp ?? 0) + 1;
  const tunnel = tunnels.find((t) => t !== undefined) ?? free++;
  for (const id of interfaceIds) if (!byInterface.has(id)) byInterface.set(id, free++);
  return { byInterface, tunnel, dhcp };
}
