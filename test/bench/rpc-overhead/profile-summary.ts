// `node test/dist/bench/rpc-overhead/profile-summary.js [--top N] [--calls N] [--skip-seconds S]
// FILE.cpuprofile...`: where a server child profiled with --cpu-prof-dir spent its time (after its
// first S seconds, which hold start-up and module loading when S covers them): self time by package and by function,
// and inclusive time of the @vpcd/* functions, as shares of the busy (non-idle) samples, and in
// µs per call when --calls gives the calls the child served (its "Handler calls" in the report).
// Samples are wall time on the main thread: compare shares, not absolute times, across runs.
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The package a script belongs to: `@vpcd/rpc`, `pino`, `node`, or a V8 pseudo-frame. */
export function packageOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : 'native';
  if (url.startsWith('node:')) return 'node';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules !== -1) {
    const [scope, name] = url.slice(modules + '/node_modules/'.length).split('/');
    return scope?.startsWith('@') ? `${scope}/${name ?? ''}` : (scope ?? url);
  }
  const ours = /\/(?:packages|services|tools)\/([^/]+)\//.exec(url);
  return ours ? `@vpcd/${ours[1] ?? ''}` : url;
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.slice(url.lastIndexOf('/') + 1);
  const where = url === '' ? '' : ` ${file}:${lineNumber + 1}`;
  return `${functionName || '(anonymous)'}${where} [${packageOf(url, functionName)}]`;
}

function add(map: Map<string, number>, key: string, us: number): void {
  map.set(key, (map.get(key) ?? 0) + us);
}

function top(map: Map<string, number>, totalUs: number, n: number, calls: number): string {
  const perCall = (us: number) =>
    Number.isFinite(calls) ? `${(us / calls).toFixed(2).padStart(8)} µs/call` : '';
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([key, us]) => `${((us / totalUs) * 100).toFixed(1).padStart(6)}%${perCall(us)}  ${key}`)
    .join('\n');
}

/** The profile without the samples of its first `skipUs` microseconds. */
export function skipStart(profile: Profile, skipUs: number): Profile {
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  let at = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at < skipUs) return;
    samples.push(id);
    timeDeltas.push(delta);
  });
  return { ...profile, samples, timeDeltas };
}

/** Self and inclusive time per frame; a recursive frame counts once per sample. */
export function summarizeProfile(profile: Profile, topN: number, calls = NaN): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const byPackage = new Map<string, number>();
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busyUs = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const us = profile.timeDeltas[i] ?? 0;
    if (!node || node.callFrame.functionName === '(idle)') return;
    busyUs += us;
    add(byPackage, packageOf(node.callFrame.url, node.callFrame.functionName), us);
    add(self, frameName(node), us);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at);
      if (!frame || !frame.callFrame.url.includes('/packages/')) continue;
      const name = frameName(frame);
      if (!seen.has(name)) add(inclusive, name, us);
      seen.add(name);
    }
  });
  return [
    `busy ${(busyUs / 1000).toFixed(0)} ms`,
    `self time by package:\n${top(byPackage, busyUs, topN, calls)}`,
    `self time by function:\n${top(self, busyUs, topN, calls)}`,
    `inclusive time of @vpcd/* functions:\n${top(inclusive, busyUs, topN, calls)}`,
  ].join('\n\n');
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: {
      top: { type: 'string', default: '30' },
      calls: { type: 'string' },
      'skip-seconds': { type: 'string', default: '0' },
    },
    allowPositionals: true,
  });
  for (const file of positionals) {
    const whole = JSON.parse(await readFile(file, 'utf8')) as Profile;
    const profile = skipStart(whole, Number(values['skip-seconds']) * 1e6);
    process.stdout.write(
      `== ${file}\n${summarizeProfile(profile, Number(values.top), Number(values.calls ?? NaN))}\n\n`,
    );
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
