import { Metadata, status as Status } from '@grpc/grpc-js';
import { RpcError } from './rpc-error.js';

/**
 * The trailer of gRFC A6 ("gRPC retry design") by which a server tells its client when to try
 * again: a decimal count of milliseconds. grpc clients with a retry policy honour it on their
 * own; vpcd's agents read it with `retryPushbackMs`.
 */
export const retryPushbackHeader = 'grpc-retry-pushback-ms';

/**
 * A RESOURCE_EXHAUSTED refusal that tells the caller to retry in `retryAfterMs` (rounded up),
 * in the `grpc-retry-pushback-ms` trailer and, for people, in the message.
 */
export function refusedWithPushback(message: string, retryAfterMs: number): RpcError {
  const ms = Math.max(0, Math.ceil(retryAfterMs));
  const metadata = new Metadata();
  metadata.set(retryPushbackHeader, String(ms));
  return new RpcError(Status.RESOURCE_EXHAUSTED, `${message}; retry in ${ms} ms`, { metadata });
}

/**
 * The pushback a failed call carries, in ms; undefined when it carries none or one that is not
 * a non-negative integer (gRFC A6: a client then does not retry on the server's word).
 */
export function retryPushbackMs(err: unknown): number | undefined {
  const { metadata } = RpcError.from(err);
  const value = metadata.get(retryPushbackHeader)[0];
  if (typeof value !== 'string' || !/^\d{1,9}$/.test(value)) return undefined;
  return Number(value);
}
