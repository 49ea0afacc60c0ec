import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { VpcServiceService } from '@vpcd/api';
import { createLogger, createRegistry, LogDestination, startTracing } from '@vpcd/observability';
import { createServer, RpcError, Status } from '@vpcd/rpc';
import { fixedVpc, type BenchServer, type ServerStats } from './bench-service.js';
import { CountingSpanExporter } from './counting-span-exporter.js';

const unimplemented = () =>
  Promise.reject(new RpcError(Status.UNIMPLEMENTED, 'not served by the benchmark'));

/**
 * A @vpcd/rpc server with every interceptor doing its real work, as in a service: a pino logger
 * at info writing one line per call to a file in memory (/dev/shm, else the temp dir) through
 * the LogDestination services write stdout with (synchronously, at most 10 ms after a line is
 * pending), the go-grpc-prometheus metrics in a registry with the default process metrics, and
 * tracing with a share of the calls sampled (--trace-ratio), their spans batched by a BatchSpanProcessor into an exporter that counts and
 * drops; every call still goes through the tracing interceptor.
 */
export async function startRpcServer(address: string): Promise<BenchServer> {
  // In memory where the system has it: a service's stdout is a pipe, and a disk file's journal
  // and discards cost the server system time that varies from round to round.
  const logDir = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const logFile = join(logDir, `vpcd-bench-rpc-${process.pid}.log`);
  const destination = LogDestination.toFile(logFile);
  const logger = createLogger({ name: 'bench-server', level: 'info', destination });
  const registry = createRegistry({ service: 'bench-server' });
  const exporter = new CountingSpanExporter();
  // Only the sampler is set: no OTLP endpoint, so the counting exporter is the only one. The
  // parent passes --trace-ratio in BENCH_TRACE_RATIO.
  const traceRatio = Number(process.env.BENCH_TRACE_RATIO ?? '1');
  const tracing = startTracing({
    serviceName: 'bench-server',
    env:
      traceRatio >= 1
        ? { OTEL_TRACES_SAMPLER: 'always_on' }
        : {
            OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
            OTEL_TRACES_SAMPLER_ARG: String(traceRatio),
          },
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  let handled = 0;
  const server = createServer({ logger, registry, tracerProvider: tracing.tracerProvider });
  server.add(VpcServiceService, {
    getVpc: () => {
      handled++;
      return Promise.resolve(fixedVpc);
    },
    createVpc: unimplemented,
    listVpcs: unimplemented,
    deleteVpc: unimplemented,
  });
  const port = await server.listen(address);
  return {
    port,
    stop: async (): Promise<ServerStats> => {
      await server.shutdown();
      await tracing.shutdown();
      const metric = await registry.getSingleMetric('grpc_server_handled_total')?.get();
      const metricHandled = (metric?.values ?? [])
        .filter((v) => v.labels.grpc_method === 'GetVpc')
        .reduce((sum, v) => sum + v.value, 0);
      destination.end();
      const log = await readFile(logFile);
      await rm(logFile, { force: true });
      let logLines = 0;
      for (let i = log.indexOf(10); i !== -1; i = log.indexOf(10, i + 1)) logLines++;
      return {
        handled,
        metricHandled,
        spansExported: exporter.exported,
        traceRatio,
        logLines,
        logBytes: log.length,
      };
    },
  };
}
