import { invalidArgument } from '@vpcd/rpc';

// DATETIME holds any of these; a longer lifetime is a mistake, not a need.
const maxLifetimeS = 100 * 365 * 24 * 3600;

/**
 * When a token issued at `nowMs` expires: `expire_time` as given, `ttl` after now, or never
 * (undefined) when neither is set. Throws INVALID_ARGUMENT naming the field otherwise.
 */
export function tokenExpiry(
  req: { expireTime?: Date | undefined; ttl?: { seconds: number; nanos: number } | undefined },
  nowMs: number,
): Date | undefined {
  if (req.expireTime !== undefined) {
    const at = req.expireTime.getTime();
    if (!(at > nowMs)) {
      throw invalidArgument([{ field: 'expire_time', description: 'must be in the future' }]);
    }
    if (at - nowMs > maxLifetimeS * 1000) {
      throw invalidArgument([{ field: 'expire_time', description: 'at most 100 years from now' }]);
    }
    return req.expireTime;
  }
  if (req.ttl !== undefined) {
    const ms = req.ttl.seconds * 1000 + Math.floor(req.ttl.nanos / 1e6);
    if (!(ms >= 1000) || req.ttl.seconds > maxLifetimeS) {
      throw invalidArgument([{ field: 'ttl', description: 'from 1 second to 100 years' }]);
    }
    return new Date(nowMs + ms);
  }
  return undefined;
}
