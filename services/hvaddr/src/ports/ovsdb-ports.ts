import { createConnection } from 'node:net';

/** One interface of the bridge: its OpenFlow port number and the VPC interface it attaches. */
export interface BridgePort {
  readonly ofport: number;
  readonly name: string;
  /** `external_ids:iface-id`; undefined for ports that attach no VPC interface. */
  readonly interfaceId: string | undefined;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Row = Record<string, Json>;

/**
 * Reads the ports of `bridge` from ovsdb-server over its Unix socket (RFC 7047 `transact`, three
 * selects in one read-only transaction): no ovs-* binary is needed. Rejects with an Error naming
 * the socket when the server cannot be reached, answers an error, or says nothing in `timeoutMs`.
 */
export async function readBridgePorts(
  socketPath: string,
  bridge: string,
  timeoutMs: number,
): Promise<BridgePort[]> {
  const selects = [
    { op: 'select', table: 'Bridge', where: [['name', '==', bridge]], columns: ['ports'] },
    { op: 'select', table: 'Port', where: [], columns: ['_uuid', 'interfaces'] },
    {
      op: 'select',
      table: 'Interface',
      where: [],
      columns: ['_uuid', 'name', 'ofport', 'external_ids'],
    },
  ];
  const reply = await exchange(
    socketPath,
    { id: 0, method: 'transact', params: ['Open_vSwitch', ...selects] },
    timeoutMs,
  );
  const results = reply.result as Array<{ rows?: Row[]; error?: string }> | undefined;
  if (reply.error != null || !Array.isArray(results) || results.some((r) => r.error)) {
    throw new Error(
      `ovsdb-server at ${socketPath} refused the read: ${JSON.stringify(reply.error ?? results)}`,
    );
  }
  const [bridges, ports, interfaces] = results.map((r) => r.rows ?? []);
  if (bridges!.length === 0) throw new Error(`there is no bridge ${bridge} in ${socketPath}`);
  const portUuids = new Set(atoms(bridges![0]!.ports).map(uuidOf));
  const interfaceUuids = new Set(
    ports!
      .filter((p) => portUuids.has(uuidOf(p._uuid)))
      .flatMap((p) => atoms(p.interfaces).map(uuidOf)),
  );
  const found: BridgePort[] = [];
  for (const row of interfaces!) {
    if (!interfaceUuids.has(uuidOf(row._uuid))) continue;
    const ofport = atoms(row.ofport)[0];
    if (typeof ofport !== 'number' || ofport <= 0) continue;
    const ifaceId = mapOf(row.external_ids).get('iface-id');
    found.push({ ofport, name: text(row.name), interfaceId: ifaceId });
  }
  return found;
}

/** Sends one JSON-RPC request and resolves its response (one JSON object on the stream). */
function exchange(
  socketPath: string,
  request: Json,
  timeoutMs: number,
): Promise<Record<string, Json>> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath);
    let text = '';
    const fail = (err: Error) => {
      socket.destroy();
      reject(new Error(`reading ovsdb-server at ${socketPath}: ${err.message}`, { cause: err }));
    };
    socket.setTimeout(timeoutMs, () => fail(new Error(`no answer in ${timeoutMs} ms`)));
    socket.on('error', fail);
    socket.on('connect', () => socket.write(JSON.stringify(request)));
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      let parsed: Record<string, Json>;
      try {
        parsed = JSON.parse(text) as Record<string, Json>;
      } catch {
        return; // not whole yet
      }
      socket.end();
      resolve(parsed);
    });
    socket.on('end', () => fail(new Error('the server closed the connection')));
  });
}

/** The atoms of an OVSDB value: `["set", [...]]`, or one atom alone. */
function atoms(value: Json | undefined): Json[] {
  if (Array.isArray(value) && value[0] === 'set' && Array.isArray(value[1])) return value[1];
  return value === undefined ? [] : [value];
}

function uuidOf(value: Json | undefined): string {
  return Array.isArray(value) && value[0] === 'uuid' ? text(value[1]) : '';
}

function mapOf(value: Json | undefined): Map<string, string> {
  const map = new Map<string, string>();
  if (Array.isArray(value) && value[0] === 'map' && Array.isArray(value[1])) {
    for (const pair of value[1]) {
      if (Array.isArray(pair)) map.set(text(pair[0]), text(pair[1]));
    }
  }
  return map;
}

function text(value: Json | undefined): string {
  return typeof value === 'string' ? value : JSON.stringify(value ?? null);
}
