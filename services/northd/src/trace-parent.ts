import {
  context,
  ROOT_CONTEXT,
  type Context,
  type TextMapGetter,
  type TextMapSetter,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

// A change is committed in the API call's trace, and its convergence runs later in the loop:
// the W3C traceparent stored with the change joins the two into one trace.
const propagator = new W3CTraceContextPropagator();
type Carrier = Record<string, string>;
const setter: TextMapSetter<Carrier> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};
const getter: TextMapGetter<Carrier> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};

/** The W3C traceparent of the active span, or null outside a sampled trace. */
export function activeTraceparent(): string | null {
  const carrier: Carrier = {};
  propagator.inject(context.active(), carrier, setter);
  return carrier.traceparent ?? null;
}

/** The context whose parent span is `traceparent`; the root context when there is none. */
export function contextOf(traceparent: string | null | undefined): Context {
  if (!traceparent) return ROOT_CONTEXT;
  return propagator.extract(ROOT_CONTEXT, { traceparent }, getter);
}
