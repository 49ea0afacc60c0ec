// Readers of Open vSwitch command output. Each throws a plain Error on output it does not
// recognise; the driver wraps it as OvsError `bad-output`.

/** One row of `ovs-vsctl --format=json list <table>`, values decoded (see ovsdbValue). */
export type OvsdbRow = Record<string, unknown>;

/**
 * The rows of `ovs-vsctl --format=json [--columns=...] list <table>`: `{headings, data}` into
 * objects keyed by column. Maps become Map<string, string>, sets arrays, atoms themselves.
 */
export function parseOvsdbTable(json: string): OvsdbRow[] {
  const table = JSON.parse(json) as { headings?: unknown; data?: unknown };
  if (!Array.isArray(table.headings) || !Array.isArray(table.data)) {
    throw new Error(`not an ovs-vsctl JSON table: ${json.slice(0, 80)}`);
  }
  const headings = table.headings as string[];
  return (table.data as unknown[][]).map((row) =>
    Object.fromEntries(headings.map((name, i) => [name, ovsdbValue(row[i])])),
  );
}

/** An OVSDB JSON value: `["map", [[k, v]...]]`, `["set", [...]]`, `["uuid", id]` or an atom. */
export function ovsdbValue(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  const [kind, body] = value as [string, unknown];
  if (kind === 'map') {
    return new Map((body as Array<[unknown, unknown]>).map(([k, v]) => [String(k), ovsdbValue(v)]));
  }
  if (kind === 'set') return (body as unknown[]).map(ovsdbValue);
  return body;
}

/** A map column of a row (external_ids, statistics), empty when absent. */
export function mapColumn(row: OvsdbRow, column: string): Map<string, unknown> {
  const value = row[column];
  return isMap(value) ? value : new Map<string, unknown>();
}

/** ovsdbValue builds every map with string keys. */
function isMap(value: unknown): value is Map<string, unknown> {
  return value instanceof Map;
}

/** An optional integer column: the number, or undefined for the empty set. */
export function integerColumn(row: OvsdbRow, column: string): number | undefined {
  const value = row[column];
  return typeof value === 'number' ? value : undefined;
}

/** An optional string column: the string, or undefined for the empty set. */
export function stringColumn(row: OvsdbRow, column: string): string | undefined {
  const value = row[column];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Splits the output of one ovs-vsctl call that ran `list` (JSON) and then `list-ifaces`: the
 * JSON table is the first line, the interface names follow, one a line.
 */
export function splitTableAndNames(stdout: string): { rows: OvsdbRow[]; names: Set<string> } {
  const [json = '', ...rest] = stdout.split('\n');
  return {
    rows: parseOvsdbTable(json),
    names: new Set(rest.map((line) => line.trim()).filter((line) => line !== '')),
  };
}

/** `flow_count=N` of `ovs-ofctl dump-aggregate`. */
export function parseFlowCount(stdout: string): number {
  const found = /flow_count=(\d+)/.exec(stdout);
  if (!found) throw new Error(`no flow_count in ${JSON.stringify(stdout.slice(0, 120))}`);
  return Number(found[1]);
}

/** One datapath's lookup counters from `ovs-appctl dpctl/show`. */
export interface DatapathLookups {
  /** As dpctl/show names it: `ovs-netdev`, `ovs-system`. */
  readonly datapath: string;
  readonly hit: number;
  readonly missed: number;
  readonly lost: number;
}

/**
 * The datapaths of `ovs-appctl dpctl/show`: a `type@name:` line, then `lookups: hit:H missed:M
 * lost:L` among its indented lines.
 */
export function parseDpctlShow(stdout: string): DatapathLookups[] {
  const found: DatapathLookups[] = [];
  let datapath: string | undefined;
  for (const line of stdout.split('\n')) {
    const head = /^(\S+)@(\S+):\s*$/.exec(line);
    if (head) {
      datapath = head[2];
      continue;
    }
    const lookups = /lookups:\s+hit:(\d+)\s+missed:(\d+)\s+lost:(\d+)/.exec(line);
    if (lookups && datapath !== undefined) {
      found.push({
        datapath,
        hit: Number(lookups[1]),
        missed: Number(lookups[2]),
        lost: Number(lookups[3]),
      });
    }
  }
  return found;
}
