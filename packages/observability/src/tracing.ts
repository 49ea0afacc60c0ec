import { context, diag, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  CompositePropagator,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { Logger } from 'pino';
import { routeDiagToLogger } from './diag-logger.js';
import { PooledIdGenerator } from './pooled-id-generator.js';
import { createSampler } from './sampler.js';
import { createSpanExporter } from './span-exporter.js';
import { loadTracingConfig, type TracingConfig } from './tracing-config.js';

/**
 * Either the configuration a service already validated (`config`), or a service name and the
 * environment to compile one from. A service passes its own `config.tracing`: reading the
 * environment again could start tracing with settings nobody checked.
 */
export type TracingOptions = TracingSource & {
  /** Processors added after the OTLP exporter's, e.g. an InMemorySpanExporter's in tests. */
  spanProcessors?: readonly SpanProcessor[];
  /** Receives a start-up line and the SDK's diagnostics (at OTEL_LOG_LEVEL). */
  logger?: Logger;
};

type TracingSource =
  | { config: TracingConfig; serviceName?: never; env?: never }
  | {
      config?: never;
      /** Default service.name; OTEL_SERVICE_NAME overrides it. */
      serviceName: string;
      /** Where the OTEL_* variables are read. Default process.env. */
      env?: NodeJS.ProcessEnv;
    };

export interface Tracing {
  readonly tracerProvider: NodeTracerProvider;
  readonly config: TracingConfig;
  /** Exports buffered spans, shuts the provider down and unregisters the globals. Idempotent. */
  shutdown(): Promise<void>;
}

/**
 * Sets up OpenTelemetry tracing from `options.config` (or the standard OTEL_* variables) and
 * registers it globally: tracer provider, AsyncLocalStorage context manager, W3C trace-context
 * and baggage propagators. Throws an EnvError naming every bad variable, and an Error if tracing
 * is already started.
 */
export function startTracing(options: TracingOptions): Tracing {
  const config =
    options.config ?? loadTracingConfig(options.serviceName, options.env ?? process.env);
  const processors: SpanProcessor[] = [];
  if (config.exporter === 'otlp') {
    processors.push(new BatchSpanProcessor(createSpanExporter(config.otlp), { ...config.batch }));
  }
  processors.push(...(options.spanProcessors ?? []));
  const tracerProvider = new NodeTracerProvider({
    resource: defaultResource().merge(
      resourceFromAttributes({
        ...config.resourceAttributes,
        [ATTR_SERVICE_NAME]: config.serviceName,
      }),
    ),
    sampler: createSampler(config.sampler),
    idGenerator: new PooledIdGenerator(),
    spanProcessors: processors,
  });
  // Not tracerProvider.register(): on a second registration it only logs, and spans would go to
  // the first provider. Failing loudly keeps two setups (or a leaked test) from hiding each other.
  if (!trace.setGlobalTracerProvider(tracerProvider)) {
    tracerProvider.shutdown().catch(() => undefined);
    throw new Error('tracing is already started in this process: shut it down first');
  }
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
    }),
  );
  if (options.logger !== undefined) {
    routeDiagToLogger(options.logger, config.diagLogLevel);
    options.logger.info(summarize(config), 'tracing started');
  }
  let shutdown: Promise<void> | undefined;
  return {
    tracerProvider,
    config,
    shutdown: () => (shutdown ??= stop(tracerProvider, options.logger)),
  };
}

/** Export failures are logged, not thrown: losing the last spans must not fail a shutdown. */
async function stop(tracerProvider: NodeTracerProvider, logger: Logger | undefined): Promise<void> {
  try {
    await tracerProvider.shutdown();
  } catch (error: unknown) {
    if (logger === undefined) diag.warn('tracing shutdown could not export every span', error);
    else logger.warn({ err: error }, 'tracing shutdown could not export every span');
  } finally {
    trace.disable();
    propagation.disable();
    context.disable();
    if (logger !== undefined) diag.disable();
  }
}

function summarize(config: TracingConfig): Record<string, unknown> {
  return {
    serviceName: config.serviceName,
    exporter: config.exporter,
    ...(config.sdkDisabled && { sdkDisabled: true }),
    ...(config.exporter === 'otlp' && { protocol: config.otlp.protocol, url: config.otlp.url }),
    sampler: config.sampler.name,
    ...(config.sampler.name.endsWith('traceidratio') && { ratio: config.sampler.ratio }),
  };
}
