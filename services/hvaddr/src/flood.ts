#!/usr/bin/env node
// hvaddr-flood: DHCP load against one server; prints one JSON summary. See flood/flood-args.ts.
import { floodUsage, parseFloodArgs, type FloodArgs } from './flood/flood-args.js';
import { runDiscoverFlood } from './flood/discover-flood.js';
import { sequentialMacs } from './flood/macs.js';
import { runDhcpTransactions } from './flood/transactions.js';

async function run(args: FloodArgs): Promise<Record<string, unknown>> {
  const macs = sequentialMacs(args.clients, { prefix: args.macPrefix, first: args.first });
  if (args.mode === 'discover') {
    return {
      mode: args.mode,
      ...(await runDiscoverFlood({
        target: args.target,
        macs,
        ratePerS: args.ratePerS ?? 1000,
        packets: args.packets,
        bindAddress: args.bindAddress,
      })),
    };
  }
  const result = await runDhcpTransactions({
    target: args.target,
    relayAddress: args.relayAddress,
    macs,
    concurrency: args.concurrency,
    durationMs: args.durationMs,
    ratePerS: args.ratePerS,
  });
  const sorted = [...result.latenciesMs].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? null;
  return {
    mode: args.mode,
    completed: result.completed,
    failed: result.failed,
    durationMs: result.durationMs,
    perSecond: result.perSecond,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    // The addresses leased, for a check by hand or a test; only for a few clients.
    ...(result.leases.size <= 100 ? { leases: Object.fromEntries(result.leases) } : {}),
  };
}

let args: FloodArgs;
try {
  args = parseFloodArgs(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`hvaddr-flood: ${(err as Error).message}\n${floodUsage}\n`);
  process.exit(2);
}
try {
  process.stdout.write(`${JSON.stringify(await run(args))}\n`);
} catch (err) {
  process.stderr.write(`hvaddr-flood: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
