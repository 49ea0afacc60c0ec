import { status as Status } from '@grpc/grpc-js';
import { DecodeFailure } from '../decode-failure.js';
import { RpcError } from '../rpc-error.js';
import type { LayerSteps, ServerLayer } from '../server-layer.js';

const steps: LayerSteps = {
  onReceiveMessage: (message) => {
    if (message instanceof DecodeFailure) {
      throw new RpcError(Status.INVALID_ARGUMENT, `malformed request message: ${message.reason}`);
    }
  },
};

/**
 * Answers a request message that did not parse (see guardDeserialize) with INVALID_ARGUMENT,
 * before it reaches the handler.
 */
export const serverDecodeLayer: ServerLayer = () => steps;
