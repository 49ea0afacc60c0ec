import { EnvReader } from './env-reader.js';

export type OtlpProtocol = 'http/protobuf' | 'http/json' | 'grpc';
export type SamplerName =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio';
export type DiagLevelName = 'none' | 'error' | 'warn' | 'info' | 'debug' | 'verbose' | 'all';

/** Tracing settings compiled from the standard OTEL_* variables; frozen. */
export interface TracingConfig {
  readonly serviceName: string;
  /** OTEL_RESOURCE_ATTRIBUTES, decoded; `service.name` is in `serviceName`. */
  readonly resourceAttributes: Readonly<Record<string, string>>;
  /** OTEL_SDK_DISABLED: the provider is registered for context propagation, nothing is exported. */
  readonly sdkDisabled: boolean;
  readonly exporter: 'otlp' | 'none';
  /** `url` undefined lets the exporter use its default (localhost:4318 or :4317). */
  readonly otlp: { protocol: OtlpProtocol; url?: string; timeoutMillis?: number };
  /** OTEL_BSP_*; undefined fields keep the BatchSpanProcessor's defaults. */
  readonly batch: {
    scheduledDelayMillis?: number;
    exportTimeoutMillis?: number;
    maxQueueSize?: number;
    maxExportBatchSize?: number;
  };
  readonly sampler: { name: SamplerName; ratio: number };
  /** OTEL_LOG_LEVEL: what the SDK's own diagnostics send to the logger. */
  readonly diagLogLevel: DiagLevelName;
}

const PROTOCOLS: readonly OtlpProtocol[] = ['http/protobuf', 'http/json', 'grpc'];
const SAMPLERS: readonly SamplerName[] = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
];
const DIAG_LEVELS: readonly DiagLevelName[] = [
  'none',
  'error',
  'warn',
  'info',
  'debug',
  'verbose',
  'all',
];

/**
 * Compiles the OTEL_* variables of `env` into a TracingConfig. Throws one EnvError naming every
 * bad variable. `serviceName` is the default that OTEL_SERVICE_NAME and a `service.name` in
 * OTEL_RESOURCE_ATTRIBUTES override. The exporter defaults to `otlp` when an OTLP endpoint is
 * set and to `none` otherwise, so a program run without a collector exports nothing.
 */
export function loadTracingConfig(serviceName: string, env: NodeJS.ProcessEnv): TracingConfig {
  const read = new EnvReader(env);
  const sdkDisabled = read.boolean('OTEL_SDK_DISABLED');
  const { 'service.name': attributeName, ...resourceAttributes } = readResourceAttributes(read);
  const protocol = read.choice('OTEL_EXPORTER_OTLP_PROTOCOL', PROTOCOLS, 'http/protobuf');
  const tracesProtocol = read.choice('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', PROTOCOLS, protocol);
  const endpoint = read.url('OTEL_EXPORTER_OTLP_ENDPOINT');
  const tracesEndpoint = read.url('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const timeoutMillis = read.integer('OTEL_EXPORTER_OTLP_TIMEOUT', 1);
  const exporter = readExporter(read, endpoint ?? tracesEndpoint);
  const config: TracingConfig = {
    serviceName: read.string('OTEL_SERVICE_NAME') ?? attributeName ?? serviceName,
    resourceAttributes,
    sdkDisabled,
    exporter: sdkDisabled ? 'none' : exporter,
    otlp: {
      protocol: tracesProtocol,
      url: tracesEndpoint ?? signalUrl(endpoint, tracesProtocol),
      timeoutMillis: read.integer('OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', 1) ?? timeoutMillis,
    },
    batch: {
      scheduledDelayMillis: read.integer('OTEL_BSP_SCHEDULE_DELAY', 0),
      exportTimeoutMillis: read.integer('OTEL_BSP_EXPORT_TIMEOUT', 1),
      maxQueueSize: read.integer('OTEL_BSP_MAX_QUEUE_SIZE', 1),
      maxExportBatchSize: read.integer('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 1),
    },
    sampler: readSampler(read),
    diagLogLevel: read.choice('OTEL_LOG_LEVEL', DIAG_LEVELS, 'info'),
  };
  read.throwIfInvalid();
  return deepFreeze(config);
}

function readExporter(read: EnvReader, endpoint: string | undefined): 'otlp' | 'none' {
  const names = read.string('OTEL_TRACES_EXPORTER')?.toLowerCase().split(',');
  if (names === undefined) return endpoint === undefined ? 'none' : 'otlp';
  for (const name of names.map((n) => n.trim())) {
    if (name === 'console') {
      read.report('OTEL_TRACES_EXPORTER', '"console" would write spans to stdout; use otlp');
    } else if (name !== 'otlp' && name !== 'none') {
      read.report('OTEL_TRACES_EXPORTER', `"${name}" is not one of otlp, none`);
    }
  }
  return names.some((name) => name.trim() === 'otlp') ? 'otlp' : 'none';
}

function readSampler(read: EnvReader): TracingConfig['sampler'] {
  const name = read.choice('OTEL_TRACES_SAMPLER', SAMPLERS, 'parentbased_always_on');
  const arg = read.string('OTEL_TRACES_SAMPLER_ARG');
  if (!name.endsWith('traceidratio') || arg === undefined) return { name, ratio: 1 };
  const ratio = Number(arg);
  if (Number.isFinite(ratio) && ratio >= 0 && ratio <= 1) return { name, ratio };
  read.report('OTEL_TRACES_SAMPLER_ARG', `"${arg}" is not a ratio from 0 to 1`);
  return { name, ratio: 1 };
}

/** Parses `key=value,key=value` with percent-encoded values (the W3C Baggage format). */
function readResourceAttributes(read: EnvReader): Record<string, string> {
  const attributes: Record<string, string> = {};
  const raw = read.string('OTEL_RESOURCE_ATTRIBUTES');
  for (const entry of raw === undefined ? [] : raw.split(',')) {
    const [key, value, ...rest] = entry.split('=').map((part) => part.trim());
    if (key === undefined || key === '') {
      if (entry.trim() !== '') read.report('OTEL_RESOURCE_ATTRIBUTES', `"${entry}" has no key`);
    } else if (value === undefined || rest.length > 0) {
      read.report('OTEL_RESOURCE_ATTRIBUTES', `"${entry}" is not key=value`);
    } else {
      try {
        attributes[key] = decodeURIComponent(value);
      } catch {
        read.report('OTEL_RESOURCE_ATTRIBUTES', `"${entry}" has a bad percent-encoding`);
      }
    }
  }
  return attributes;
}

/** OTEL_EXPORTER_OTLP_ENDPOINT is a base URL over HTTP (append /v1/traces) and used as is by gRPC. */
function signalUrl(endpoint: string | undefined, protocol: OtlpProtocol): string | undefined {
  if (endpoint === undefined || protocol === 'grpc') return endpoint;
  return `${endpoint.endsWith('/') ? endpoint : `${endpoint}/`}v1/traces`;
}

function deepFreeze<T extends object>(value: T): T {
  for (const field of Object.values(value)) {
    if (typeof field === 'object' && field !== null) deepFreeze(field as object);
  }
  return Object.freeze(value);
}
