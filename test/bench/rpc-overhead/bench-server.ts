// A benchmark server child: `node bench-server.js --variant bare|rpc`. Serves VpcService.GetVpc on
// a free loopback port and prints {"type":"listening","port":N} on stdout. With an IPC channel
// it answers {type:'usage'} with its CPU time and event-loop utilization. On SIGTERM it stops,
// prints {"type":"stopped","stats":{...}} and exits 0.
import { parseArgs } from 'node:util';
import {
  isVariant,
  type BenchServer,
  type ServerReport,
  type UsageSample,
} from './bench-service.js';
import { HeapCounter } from './heap-counter.js';

function print(report: ServerReport): void {
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

const heap = new HeapCounter();

function usageSample(): UsageSample {
  const cpu = process.cpuUsage();
  const elu = performance.eventLoopUtilization();
  return {
    type: 'usage',
    ...heap.sample(),
    cpuMicros: cpu.user + cpu.system,
    eluActiveMs: elu.active,
    eluIdleMs: elu.idle,
  };
}

const { values } = parseArgs({ options: { variant: { type: 'string' } }, strict: true });
if (!isVariant(values.variant)) {
  process.stderr.write('usage: bench-server.js --variant bare|rpc\n');
  process.exit(2);
}
const address = '127.0.0.1:0';
// Loaded on demand, so the bare server's process holds none of the rpc variant's modules.
const server: BenchServer =
  values.variant === 'bare'
    ? await (await import('./bare-server.js')).startBareServer(address)
    : await (await import('./rpc-server.js')).startRpcServer(address);

process.on('message', (message: { type?: unknown }) => {
  if (message.type === 'usage') process.send?.(usageSample());
});
process.once('SIGTERM', () => {
  server.stop().then(
    (stats) => {
      print({ type: 'stopped', stats });
      process.disconnect?.();
      // Exit at once: keepalive and metrics timers would hold the loop; --cpu-prof still writes.
      process.stdout.write('', () => process.exit(0));
    },
    (err: unknown) => {
      process.stderr.write(`bench server failed to stop: ${String(err)}\n`);
      process.exit(1);
    },
  );
});
print({ type: 'listening', port: server.port });
