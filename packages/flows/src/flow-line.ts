import { FlowsError } from './flows-error.js';
import type { Flow } from './flow.js';

/** OpenFlow's default priority, which dump-flows leaves out. */
const DEFAULT_PRIORITY = 32768;

/** Words of a dumped flow that are neither its identity, cookie nor match. */
const NOT_MATCH = new Set([
  'duration',
  'n_packets',
  'n_bytes',
  'idle_age',
  'hard_age',
  'idle_timeout',
  'hard_timeout',
  'importance',
  'send_flow_rem',
  'check_overlap',
  'reset_counts',
  'no_packet_counts',
  'no_byte_counts',
]);

const ACTIONS_RE = /(?:^|[\s,])actions=/;

function parseNumber(line: string, name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) {
    throw new FlowsError(
      'invalid-flow',
      `${name}=${text} is not a number in ${JSON.stringify(line)}`,
    );
  }
  return value;
}

/**
 * One flow from a line of `ovs-ofctl dump-flows` (with or without `--no-stats`) or of
 * renderFlow. Statistics and timeouts are dropped; the other words before `actions=` form the
 * match, in their order. Lines printed by OVS for compiled flows give back the compiled flows.
 */
export function parseFlowLine(line: string): Flow {
  const found = ACTIONS_RE.exec(line);
  if (found === null) throw new FlowsError('invalid-flow', `no actions in ${JSON.stringify(line)}`);
  const head = line.slice(0, found.index);
  const actions = line.slice(found.index + found[0].length).trim();
  let table = 0;
  let priority = DEFAULT_PRIORITY;
  let cookie = 0n;
  const match: string[] = [];
  for (const word of head.split(/[\s,]+/)) {
    if (word === '') continue;
    const eq = word.indexOf('=');
    const name = eq < 0 ? word : word.slice(0, eq);
    const value = eq < 0 ? '' : word.slice(eq + 1);
    if (name === 'table') table = parseNumber(line, name, value);
    else if (name === 'priority') priority = parseNumber(line, name, value);
    else if (name === 'cookie') {
      if (!/^(?:0x[0-9a-fA-F]{1,16}|\d+)$/.test(value)) {
        throw new FlowsError(
          'invalid-flow',
          `cookie=${value} is not a cookie in ${JSON.stringify(line)}`,
        );
      }
      cookie = BigInt(value);
    } else if (!NOT_MATCH.has(name)) match.push(word);
  }
  return { table, priority, match: match.join(','), actions, cookie };
}

/** The flows of a whole `ovs-ofctl dump-flows` output; blank and reply header lines are skipped. */
export function parseFlowDump(text: string): Flow[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^(?:OFPST|NXST|OFPT)_/.test(line))
    .map(parseFlowLine);
}
