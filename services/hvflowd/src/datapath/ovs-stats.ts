import { readOutput, type OvsCommands } from './ovs-commands.js';
import {
  mapColumn,
  parseDpctlShow,
  parseFlowCount,
  splitTableAndNames,
  type DatapathLookups,
} from './ovs-output.js';

/** One interface's counters, as ovsdb-server publishes them (refreshed every 5 s by default). */
export interface InterfaceStats {
  readonly name: string;
  readonly statistics: ReadonlyMap<string, number>;
}

/** What the openvswitch_* metrics are made of. */
export interface OvsStats {
  readonly interfaces: readonly InterfaceStats[];
  readonly flowCount: number;
  readonly datapaths: readonly DatapathLookups[];
}

/**
 * The counters of `bridge` and of every datapath: interface statistics (ovs-vsctl), the flow
 * count (ovs-ofctl dump-aggregate) and datapath lookups (ovs-appctl dpctl/show), run at once.
 */
export async function readOvsStats(commands: OvsCommands, bridge: string): Promise<OvsStats> {
  const [interfaces, aggregate, dpctl] = await Promise.all([
    commands.vsctl(
      '--format=json',
      '--columns=name,statistics',
      'list',
      'Interface',
      '--',
      'list-ifaces',
      bridge,
    ),
    commands.ofctl('dump-aggregate', bridge),
    commands.appctl('dpctl/show'),
  ]);
  return readOutput('ovs statistics', () => {
    const { rows, names } = splitTableAndNames(interfaces);
    return {
      interfaces: rows
        .filter((row) => row.name === bridge || names.has(String(row.name)))
        .map((row) => ({
          name: String(row.name),
          statistics: new Map(
            [...mapColumn(row, 'statistics')].map(([key, value]) => [key, Number(value)]),
          ),
        })),
      flowCount: parseFlowCount(aggregate),
      datapaths: parseDpctlShow(dpctl),
    };
  });
}
