import { type RpcError, Status } from '@vpcd/rpc';

// grpc-js's words: "Received message larger than max (N vs M)" (the receiver's limit, on either
// side), "Attempted to send message with a size larger than N" (the client's send limit).
const messageTooLarge = /message (with a size )?larger than (max\b|\d)/i;

/** A state no retry can deliver, and why: what southd dead-letters. */
export interface Refusal {
  readonly reason: 'too_large' | 'invalid';
  readonly error: string;
}

/**
 * Whether hvflowd's answer (or the client's own refusal to send) refuses the state for good.
 * INVALID_ARGUMENT: hvflowd cannot compile or place it, and the same bytes fail the same way.
 * RESOURCE_EXHAUSTED is usually a full server (retried), but grpc-js also answers it for a
 * message over the receive or send limit, which no retry cures. Everything else is left to the
 * retry policy in deliver.ts.
 */
export function refusal(err: RpcError): Refusal | undefined {
  const error = `${Status[err.code]}: ${err.message}`;
  if (err.code === Status.INVALID_ARGUMENT) return { reason: 'invalid', error };
  if (err.code === Status.RESOURCE_EXHAUSTED && messageTooLarge.test(err.message))
    return { reason: 'too_large', error };
  return undefined;
}
