import type { TextMapGetter, TextMapSetter } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/** W3C trace context (`traceparent`, `tracestate`) crosses the broker in message headers. */
export const propagator = new W3CTraceContextPropagator();

export const headersSetter: TextMapSetter<Record<string, unknown>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

export const headersGetter: TextMapGetter<Record<string, unknown>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    if (typeof value === 'string') return value;
    // Some clients send header strings as AMQP byte arrays.
    if (Buffer.isBuffer(value)) return value.toString('utf8');
    return undefined;
  },
};
