import type { Metadata } from '@grpc/grpc-js';
import { status as Status } from '@grpc/grpc-js';
import type { TextMapGetter, TextMapSetter } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/** W3C trace context (`traceparent`, `tracestate`) is what crosses every hop, whatever the SDK. */
export const propagator = new W3CTraceContextPropagator();

export const metadataGetter: TextMapGetter<Metadata> = {
  keys: (carrier) => Object.keys(carrier.getMap()),
  get: (carrier, key) => {
    const values = carrier.get(key);
    if (values.length === 0) return undefined;
    return values.map(String);
  },
};

export const metadataSetter: TextMapSetter<Metadata> = {
  set: (carrier, key, value) => carrier.set(key, value),
};

// OpenTelemetry's gRPC conventions: a server span is an error only for these codes; a client
// span for every code but OK.
const serverErrorCodes = new Set<Status>([
  Status.UNKNOWN,
  Status.DEADLINE_EXCEEDED,
  Status.UNIMPLEMENTED,
  Status.INTERNAL,
  Status.UNAVAILABLE,
  Status.DATA_LOSS,
]);

export function isServerSpanError(code: Status): boolean {
  return serverErrorCodes.has(code);
}
