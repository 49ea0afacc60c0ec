import type { Deadline } from '@grpc/grpc-js';
import { context, createContextKey, type Context } from '@opentelemetry/api';

const deadlineKey = createContextKey('vpcd.rpc.deadline');

/** The context with the deadline of the server call being handled. */
export function withDeadline(ctx: Context, deadline: Deadline): Context {
  return ctx.setValue(deadlineKey, deadline);
}

/**
 * The deadline of the server call this code runs for, in epoch milliseconds; Infinity outside a
 * call or when the caller set none. Outgoing calls made inside a handler inherit it.
 */
export function activeDeadlineMs(ctx: Context = context.active()): number {
  const deadline = ctx.getValue(deadlineKey) as Deadline | undefined;
  if (deadline === undefined) return Infinity;
  return deadline instanceof Date ? deadline.getTime() : deadline;
}
