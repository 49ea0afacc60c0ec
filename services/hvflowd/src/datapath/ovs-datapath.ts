import type { PortState } from '@vpcd/api';
import { parseFlowDump, renderFlowMods, type Flow, type FlowDiff } from '@vpcd/flows';
import type { BoundPorts, Datapath } from './datapath.js';
import { OvsCommands, readOutput } from './ovs-commands.js';
import type { ExecFunc } from './ovs-exec.js';
import { OvsError } from './ovs-error.js';
import {
  integerColumn,
  mapColumn,
  splitTableAndNames,
  stringColumn,
  type OvsdbRow,
} from './ovs-output.js';
import { readOvsStats, type OvsStats } from './ovs-stats.js';
import { portNameFor } from './port-name.js';

/** The VXLAN port every remote chassis is reached through. */
export const TUNNEL_PORT_NAME = 'vxlan0';
/** hvaddr's port, which DHCP from the local ports is steered to (DHCP_PORT). */
export const DHCP_PORT_NAME = 'vpcd-dhcp';
/** Marks the ports hvflowd created, the only ones it ever deletes. */
const CREATED_BY = 'vpcd-created-by';
/** OpenFlow 1.3+ for the flows (goto_table, set_field); 1.0 so a bare `ovs-ofctl` still works. */
const PROTOCOLS = 'OpenFlow10,OpenFlow13,OpenFlow15';

export interface OvsDatapathOptions {
  /** The integration bridge; default `br-int`. */
  readonly bridge?: string;
  /** Set as `datapath_type` on a bridge hvflowd creates (`netdev` runs without the kernel module). */
  readonly datapathType?: string;
  /** hvaddr's port on the bridge; default `vpcd-dhcp`. */
  readonly dhcpPortName?: string;
  /** This chassis' underlay address: the VXLAN port's `options:local_ip`. */
  readonly underlayIp: string;
  /** The commands' whole environment: PATH and the OVS_* variables that locate the sockets. */
  readonly env: Readonly<Record<string, string>>;
  /** Runs the ovs-* commands; default child_process.execFile. The test seam. */
  readonly exec?: ExecFunc;
  /** How long ovs-vsctl waits for ovs-vswitchd; default 10 s. */
  readonly vsctlTimeoutMs?: number;
}

interface InterfaceRow {
  readonly name: string;
  readonly ofport: number | undefined;
  readonly ifaceId: string | undefined;
  readonly attachedMac: string | undefined;
  readonly createdByUs: boolean;
  readonly error: string | undefined;
}

/**
 * The `ovs` driver: a real Open vSwitch bridge, reached with ovs-vsctl and ovs-ofctl as the OVS
 * tools do (OVS_RUNDIR and friends in `env`). It never deletes the bridge or all its flows:
 * flows change only by `applyFlowMods`, as one bundle, so a restart of hvflowd drops nothing.
 */
export class OvsDatapath implements Datapath {
  readonly kind = 'ovs';
  readonly bridge: string;
  private readonly commands: OvsCommands;
  private tunnelOfport: number | undefined;
  private dhcpOfport: number | undefined;

  constructor(private readonly options: OvsDatapathOptions) {
    this.bridge = options.bridge ?? 'br-int';
    this.commands = new OvsCommands({
      env: options.env,
      exec: options.exec,
      vsctlTimeoutMs: options.vsctlTimeoutMs,
      // The port may have gone with whatever failed: look it up again next time.
      onFailure: () => {
        this.tunnelOfport = undefined;
        this.dhcpOfport = undefined;
      },
    });
  }

  async ensureBridge(): Promise<void> {
    const bridges = (await this.commands.vsctl('list-br')).split('\n').map((line) => line.trim());
    const settings = ['fail_mode=secure', `protocols=${PROTOCOLS}`];
    if (bridges.includes(this.bridge)) {
      // Idempotent: OVSDB commits nothing when the values are already these.
      await this.commands.vsctl('set', 'Bridge', this.bridge, ...settings);
      return;
    }
    const type = this.options.datapathType ? [`datapath_type=${this.options.datapathType}`] : [];
    await this.commands.vsctl(
      '--may-exist',
      'add-br',
      this.bridge,
      '--',
      'set',
      'Bridge',
      this.bridge,
      ...settings,
      ...type,
    );
  }

  async bindPorts(ports: readonly PortState[]): Promise<BoundPorts> {
    let rows = await this.listInterfaces();
    const wanted = new Set(ports.map((port) => port.interfaceId));
    const byIfaceId = new Map(rows.flatMap((row) => (row.ifaceId ? [[row.ifaceId, row]] : [])));
    const stale = rows.filter((row) => row.createdByUs && !wanted.has(row.ifaceId ?? ''));
    const missing = ports.filter((port) => !byIfaceId.has(port.interfaceId));
    const remac = ports.flatMap((port) => {
      const row = byIfaceId.get(port.interfaceId);
      const mac = port.mac.toLowerCase();
      return row?.createdByUs && row.attachedMac !== mac ? [{ name: row.name, mac }] : [];
    });
    if (stale.length + missing.length + remac.length > 0) {
      await this.commands.vsctl(...this.portChanges(stale, missing, remac, rows));
      rows = await this.listInterfaces();
    }
    this.refreshCachedPorts(rows);
    // One interface's broken device (a VM's tap that failed to open) costs only its own flows.
    const portNumbers = new Map<string, number>();
    const problems = new Map<string, string>();
    for (const row of rows) {
      if (row.ifaceId === undefined || !wanted.has(row.ifaceId)) continue;
      if (isOfport(row.ofport)) portNumbers.set(row.ifaceId, row.ofport);
      else problems.set(row.ifaceId, noOfport(row));
    }
    const unbound = ports.flatMap((port) =>
      portNumbers.has(port.interfaceId)
        ? []
        : [
            {
              interfaceId: port.interfaceId,
              message: problems.get(port.interfaceId) ?? 'the switch has no port for it',
            },
          ],
    );
    return { portNumbers, unbound };
  }

  async tunnelPort(): Promise<number> {
    this.tunnelOfport ??= await this.namedPort(TUNNEL_PORT_NAME, 'always', [
      'type=vxlan',
      'options:key=flow',
      'options:remote_ip=flow',
      `options:local_ip=${this.options.underlayIp}`,
    ]);
    return this.tunnelOfport;
  }

  async dhcpPort(): Promise<number> {
    // An internal port: hvaddr listens on its device. It carries no iface-id and no
    // vpcd-created-by, so bindPorts never takes it for a VPC interface nor deletes it. One that
    // exists (made by the host) is left as it is.
    this.dhcpOfport ??= await this.namedPort(
      this.options.dhcpPortName ?? DHCP_PORT_NAME,
      'if-missing',
      ['type=internal', 'external_ids:vpcd-role=dhcp'],
    );
    return this.dhcpOfport;
  }

  /**
   * The ofport of the bridge's port `name`, which is added (`--may-exist`) with the Interface
   * `settings`: `always` applies them to an existing port too, `if-missing` leaves one alone.
   */
  private async namedPort(
    name: string,
    apply: 'always' | 'if-missing',
    settings: readonly string[],
  ): Promise<number> {
    const find = async () => (await this.listInterfaces()).find((r) => r.name === name);
    let row = apply === 'if-missing' ? await find() : undefined;
    if (row === undefined) {
      await this.commands.vsctl(
        '--may-exist',
        'add-port',
        this.bridge,
        name,
        '--',
        'set',
        'Interface',
        name,
        ...settings,
      );
      row = await find();
    }
    if (row === undefined) {
      throw new OvsError('port-not-exist', `${name} is not on ${this.bridge}`, 'ovs-vsctl');
    }
    return this.usableOfport(row);
  }

  async dumpFlows(): Promise<Flow[]> {
    const stdout = await this.commands.ofctl('dump-flows', '--no-stats', this.bridge);
    return readOutput('ovs-ofctl dump-flows', () => parseFlowDump(stdout));
  }

  async applyFlowMods(change: FlowDiff): Promise<void> {
    const lines = renderFlowMods(change);
    if (lines.length === 0) return;
    await this.commands.ofctlWithInput(
      `${lines.join('\n')}\n`,
      '--bundle',
      'add-flows',
      this.bridge,
      '-',
    );
  }

  /** Counters for the openvswitch_* metrics. */
  stats(): Promise<OvsStats> {
    return readOvsStats(this.commands, this.bridge);
  }

  /** The interfaces of this bridge's ports (not the bridge's own internal port). */
  private async listInterfaces(): Promise<InterfaceRow[]> {
    const stdout = await this.commands.vsctl(
      '--format=json',
      '--columns=name,ofport,external_ids,error',
      'list',
      'Interface',
      '--',
      'list-ifaces',
      this.bridge,
    );
    return readOutput('ovs-vsctl list Interface', () => {
      const { rows, names } = splitTableAndNames(stdout);
      return rows.filter((row) => names.has(String(row.name))).map(toInterfaceRow);
    });
  }

  /**
   * One ovs-vsctl transaction: delete the stale ports, create the missing ones, and give ports
   * hvflowd created the MAC their interface has now.
   */
  private portChanges(
    stale: readonly InterfaceRow[],
    missing: readonly PortState[],
    remac: ReadonlyArray<{ name: string; mac: string }>,
    rows: readonly InterfaceRow[],
  ): string[] {
    const args: string[] = [];
    for (const row of stale) args.push('--', '--if-exists', 'del-port', this.bridge, row.name);
    for (const { name, mac } of remac) {
      args.push(
        '--',
        'set',
        'Interface',
        name,
        `mac="${mac}"`,
        `external_ids:attached-mac="${mac}"`,
      );
    }
    const taken = new Set(rows.map((row) => row.name));
    for (const port of missing) {
      const name = portNameFor(port.interfaceId, taken);
      taken.add(name);
      const mac = port.mac.toLowerCase();
      args.push(
        '--',
        '--may-exist',
        'add-port',
        this.bridge,
        name,
        '--',
        'set',
        'Interface',
        name,
        'type=internal',
        `mac="${mac}"`,
        `external_ids:iface-id="${port.interfaceId}"`,
        `external_ids:attached-mac="${mac}"`,
        `external_ids:${CREATED_BY}=hvflowd`,
      );
    }
    return args;
  }

  /**
   * Takes the VXLAN and DHCP ports' numbers from a listing made anyway: a restarted ovs-vswitchd
   * may have renumbered them, and a port deleted behind hvflowd's back is created again on use.
   */
  private refreshCachedPorts(rows: readonly InterfaceRow[]): void {
    const ofportOf = (name: string) => {
      const ofport = rows.find((row) => row.name === name)?.ofport;
      return ofport !== undefined && ofport > 0 ? ofport : undefined;
    };
    this.tunnelOfport = ofportOf(TUNNEL_PORT_NAME);
    this.dhcpOfport = ofportOf(this.options.dhcpPortName ?? DHCP_PORT_NAME);
  }

  private usableOfport(row: InterfaceRow): number {
    if (isOfport(row.ofport)) return row.ofport;
    throw new OvsError('port-failed', noOfport(row), 'ovs-vsctl');
  }
}

const isOfport = (ofport: number | undefined): ofport is number =>
  ofport !== undefined && ofport > 0;

const noOfport = (row: InterfaceRow) =>
  `port ${row.name} has no ofport${row.error ? `: ${row.error}` : ''}`;

function toInterfaceRow(row: OvsdbRow): InterfaceRow {
  const ids = mapColumn(row, 'external_ids');
  const ifaceId = ids.get('iface-id');
  const attachedMac = ids.get('attached-mac');
  return {
    name: String(row.name),
    ofport: integerColumn(row, 'ofport'),
    ifaceId: typeof ifaceId === 'string' ? ifaceId : undefined,
    attachedMac: typeof attachedMac === 'string' ? attachedMac : undefined,
    createdByUs: ids.get(CREATED_BY) === 'hvflowd',
    error: stringColumn(row, 'error'),
  };
}
