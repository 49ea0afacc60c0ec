// A flow's text compiled for the tracer: its match as (field, value) tests and its actions as
// operations. Only a small, exact subset of ovs-ofctl is understood (no masks, whole-field moves);
// anything else is `invalid-flow`, so a flow the tracer cannot follow is never silently skipped.
import { FlowsError } from './flows-error.js';
import {
  ETH_TYPE_ARP,
  ETH_TYPE_IPV4,
  FIELDS,
  fieldByName,
  fieldByNxmName,
  IP_PROTO_TCP,
  IP_PROTO_UDP,
  parseFieldValue,
  SHORTHANDS,
  type FieldId,
} from './fields.js';
import { flowKey, type Flow } from './flow.js';

export type Operation =
  | { readonly op: 'set'; readonly field: FieldId; readonly value: number }
  | { readonly op: 'move'; readonly from: FieldId; readonly to: FieldId }
  | { readonly op: 'output'; readonly port: number }
  | { readonly op: 'in_port' }
  | { readonly op: 'resubmit'; readonly table: number }
  | { readonly op: 'goto'; readonly table: number };

export interface FlowProgram {
  readonly flow: Flow;
  readonly key: string;
  readonly tests: ReadonlyArray<readonly [FieldId, number]>;
  readonly operations: readonly Operation[];
}

/** Compiles one flow; throws `invalid-flow` naming the flow and what is wrong with it. */
export function compileFlowProgram(flow: Flow): FlowProgram {
  const key = flowKey(flow);
  const fail = (why: string): never => {
    throw new FlowsError('invalid-flow', `${why} in ${key} actions=${flow.actions}`);
  };
  const tests = new Map<FieldId, number>();
  const test = (field: FieldId, value: number) => {
    if (tests.has(field) && tests.get(field) !== value) fail(`${field} is matched twice`);
    tests.set(field, value);
  };
  const named: Array<[string, string]> = [];
  for (const word of flow.match === '' ? [] : flow.match.split(',')) {
    const eq = word.indexOf('=');
    if (eq < 0) {
      const fields = SHORTHANDS[word] ?? fail(`unknown match word ${JSON.stringify(word)}`);
      for (const [field, value] of fields) test(field, value);
    } else named.push([word.slice(0, eq), word.slice(eq + 1)]);
  }
  const isArp = tests.get('eth_type') === ETH_TYPE_ARP;
  const resolve = (field: FieldId): FieldId =>
    isArp && field === 'ipv4_src' ? 'arp_spa' : isArp && field === 'ipv4_dst' ? 'arp_tpa' : field;
  for (const [name, text] of named) {
    const field = resolve(fieldByName(name) ?? fail(`unknown match field ${JSON.stringify(name)}`));
    test(
      field,
      parseFieldValue(field, text) ?? fail(`bad value ${JSON.stringify(text)} for ${name}`),
    );
  }
  const requireContext = (field: FieldId) => {
    const needs = FIELDS[field].prerequisite;
    const ipv4 = tests.get('eth_type') === ETH_TYPE_IPV4;
    const proto = tests.get('ip_proto');
    const met =
      needs === undefined ||
      (needs === 'ip' && ipv4) ||
      (needs === 'arp' && isArp) ||
      (needs === 'l4' && ipv4 && (proto === IP_PROTO_TCP || proto === IP_PROTO_UDP));
    if (!met) fail(`${field} needs a match on ${needs} first`);
  };
  for (const field of tests.keys()) requireContext(field);

  const operations = parseActions(flow, fail);
  for (const operation of operations) {
    if (operation.op === 'set') requireContext(operation.field);
    if (operation.op === 'move') [operation.from, operation.to].forEach(requireContext);
  }
  return { flow, key, tests: [...tests], operations };
}

function parseActions(flow: Flow, fail: (why: string) => never): Operation[] {
  if (flow.actions === 'drop') return [];
  const operations: Operation[] = [];
  const words = splitTopLevel(flow.actions);
  words.forEach((word, index) => {
    const [name, arg = ''] = splitOnce(word, ':');
    if (word === 'IN_PORT' || word === 'in_port') operations.push({ op: 'in_port' });
    else if (name === 'output') operations.push({ op: 'output', port: port(arg, fail) });
    else if (name === 'goto_table') {
      const table = tableNumber(arg, fail);
      if (index !== words.length - 1) fail('goto_table is not the last action');
      if (table <= flow.table) fail(`goto_table:${table} does not go forward`);
      operations.push({ op: 'goto', table });
    } else if (/^resubmit\(,\d+\)$/.test(word)) {
      operations.push({ op: 'resubmit', table: tableNumber(word.slice(10, -1), fail) });
    } else if (name === 'set_field') {
      const [valueText, fieldName = ''] = splitOnce(arg, '->');
      const field = fieldByName(fieldName) ?? fail(`cannot set_field ${JSON.stringify(fieldName)}`);
      const value =
        parseFieldValue(field, valueText) ??
        fail(`bad value ${JSON.stringify(valueText)} for ${fieldName}`);
      operations.push({ op: 'set', field, value });
    } else if (name === 'move') {
      const [fromText, toText = ''] = splitOnce(arg, '->');
      const [from, to] = [wholeField(fromText, fail), wholeField(toText, fail)];
      if (FIELDS[from].bits !== FIELDS[to].bits) fail('move between fields of different widths');
      operations.push({ op: 'move', from, to });
    } else fail(`unknown action ${JSON.stringify(word)}`);
  });
  return operations;
}

/** Splits on commas outside parentheses: `resubmit(,10),output:1` is two actions. */
function splitTopLevel(text: string): string[] {
  const words: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '(') depth++;
    else if (char === ')') depth--;
    else if (char === ',' && depth === 0) {
      words.push(text.slice(start, i));
      start = i + 1;
    }
  }
  words.push(text.slice(start));
  return words;
}

function splitOnce(text: string, separator: string): [string, string?] {
  const at = text.indexOf(separator);
  return at < 0 ? [text] : [text.slice(0, at), text.slice(at + separator.length)];
}

function wholeField(nxm: string, fail: (why: string) => never): FieldId {
  if (!nxm.endsWith('[]')) fail(`move supports whole fields only, not ${JSON.stringify(nxm)}`);
  return fieldByNxmName(nxm.slice(0, -2)) ?? fail(`unknown field ${JSON.stringify(nxm)}`);
}

function port(text: string, fail: (why: string) => never): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > 0xfeff) {
    fail(`bad output port ${JSON.stringify(text)}`);
  }
  return value;
}

function tableNumber(text: string, fail: (why: string) => never): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value > 254) fail(`bad table ${JSON.stringify(text)}`);
  return value;
}
