import { invalidArgument, RpcError, Status } from '@vpcd/rpc';
import { isApplyError } from '../chassis/apply-error.js';
import { isOvsError } from '../datapath/ovs-error.js';

/**
 * The gRPC status of a failed apply or read. Refusals keep their meaning (a fenced epoch is
 * FAILED_PRECONDITION; a state of another chassis, or one that cannot be compiled, is
 * INVALID_ARGUMENT, which southd takes as refused for good); trouble of the datapath itself
 * (Open vSwitch, port numbers it gave) is UNAVAILABLE, which callers retry. Anything else is
 * rethrown, to surface as INTERNAL.
 */
export function toRpcError(err: unknown): unknown {
  if (isApplyError(err)) {
    switch (err.code) {
      case 'stale-epoch':
        return new RpcError(Status.FAILED_PRECONDITION, err.message, { cause: err });
      case 'wrong-chassis':
        return invalidArgument([{ field: 'state.chassis_id', description: err.message }]);
      case 'invalid-state':
        return invalidArgument([{ field: 'state', description: err.message }]);
      case 'datapath':
        return new RpcError(Status.UNAVAILABLE, err.message, { cause: err });
    }
  }
  if (isOvsError(err)) {
    return new RpcError(Status.UNAVAILABLE, `open vswitch ${err.code}: ${err.message}`, {
      cause: err,
    });
  }
  return err;
}
