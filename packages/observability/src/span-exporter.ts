import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { TracingConfig } from './tracing-config.js';

/**
 * Creates the OTLP span exporter for the configured protocol. The URL and timeout come from the
 * compiled config; headers, compression and certificates (OTEL_EXPORTER_OTLP_HEADERS, _COMPRESSION,
 * _CERTIFICATE, ...) are read from process.env by the exporter itself.
 */
export function createSpanExporter(otlp: TracingConfig['otlp']): SpanExporter {
  const options = {
    ...(otlp.url === undefined ? {} : { url: otlp.url }),
    ...(otlp.timeoutMillis === undefined ? {} : { timeoutMillis: otlp.timeoutMillis }),
  };
  switch (otlp.protocol) {
    case 'grpc':
      return new GrpcTraceExporter(options);
    case 'http/json':
      return new JsonTraceExporter(options);
    case 'http/protobuf':
      return new ProtoTraceExporter(options);
  }
}
