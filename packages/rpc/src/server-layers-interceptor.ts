import {
  ServerInterceptingCall,
  status as Status,
  type Metadata,
  type ServerInterceptor,
  type StatusObject,
} from '@grpc/grpc-js';
import { context } from '@opentelemetry/api';
import { ServerCallState } from './call-state.js';
import { unknownMethod, type MethodInfo } from './method.js';
import { RpcError } from './rpc-error.js';
import type { LayerSteps, ServerLayer } from './server-layer.js';

type PartialStatus = Pick<StatusObject, 'code' | 'details'>;
type MetadataStep = Required<Pick<LayerSteps, 'onReceiveMetadata'>>;
type MessageStep = Required<Pick<LayerSteps, 'onReceiveMessage'>>;
type SendStep = Required<Pick<LayerSteps, 'onSendMessage'>>;

/**
 * The one grpc-js interceptor of an RpcServer: runs `layers` in order on every call, observes how
 * the call ends, and runs the handler in the call's context (span, deadline, principal), so they
 * are active for the handler and everything it awaits. It must be the only grpc-js interceptor:
 * grpc-js's base call sends some statuses itself (deadline exceeded, message over the size limit,
 * bad compression) that never pass through an interceptor's responder, so this one wraps the base
 * call's sendStatus. The status goes out first; the end listeners run after, off the response
 * path. A call the client cancels ends without a status: it is recorded as CANCELLED, or
 * DEADLINE_EXCEEDED when its deadline has passed.
 */
export function serverLayersInterceptor(
  layers: readonly ServerLayer[],
  methods: ReadonlyMap<string, MethodInfo>,
): ServerInterceptor {
  return (method, call) => {
    const state = new ServerCallState();
    const sendStatus = call.sendStatus.bind(call);
    call.sendStatus = (status: PartialStatus) => {
      sendStatus(status);
      state.end(status.code, status.details);
    };
    const layerCall = {
      info: methods.get(method.path) ?? unknownMethod,
      path: method.path,
      state,
      grpc: call,
    };
    const metadataSteps: MetadataStep[] = [];
    const messageSteps: MessageStep[] = [];
    const sendSteps: SendStep[] = [];
    for (const layer of layers) {
      const steps = layer(layerCall);
      if (steps?.onReceiveMetadata) metadataSteps.push(steps as MetadataStep);
      if (steps?.onReceiveMessage) messageSteps.push(steps as MessageStep);
      if (steps?.onSendMessage) sendSteps.push(steps as SendStep);
    }
    const fail = (err: unknown) => wrapped.sendStatus(RpcError.from(err).toStatus());
    // grpc-js calls a unary or server-streaming handler on half-close, a client- or
    // bidi-streaming one on metadata; only the steps that may call it switch context.
    const streaming = method.requestStream;
    const runMetadata = (from: number, metadata: Metadata, next: (m: Metadata) => void) => {
      for (let i = from; i < metadataSteps.length; i++) {
        let pending: void | Promise<void>;
        try {
          pending = metadataSteps[i]!.onReceiveMetadata(metadata);
        } catch (err) {
          fail(err);
          return;
        }
        if (pending) {
          pending.then(() => runMetadata(i + 1, metadata, next), fail);
          return;
        }
      }
      if (streaming) context.with(state.context, next, undefined, metadata);
      else next(metadata);
    };
    const wrapped: ServerInterceptingCall = new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, nextMetadata) => runMetadata(0, metadata, nextMetadata),
          onReceiveMessage: (message, nextMessage) => {
            try {
              for (const step of messageSteps) step.onReceiveMessage(message);
            } catch (err) {
              fail(err);
              return;
            }
            if (streaming) context.with(state.context, nextMessage, undefined, message);
            else nextMessage(message);
          },
          onReceiveHalfClose: (nextHalfClose) => context.with(state.context, nextHalfClose),
          onCancel: () => {
            if (state.ended) return; // grpc-js reports every finished call as cancelled too
            const deadline = call.getDeadline();
            const expired = deadline !== Infinity && Date.now() >= new Date(deadline).getTime();
            state.end(
              expired ? Status.DEADLINE_EXCEEDED : Status.CANCELLED,
              expired ? 'deadline exceeded' : 'cancelled by the client',
            );
          },
        }),
      ...(sendSteps.length > 0
        ? {
            sendMessage: (message: unknown, next: (message: unknown) => void) => {
              for (const step of sendSteps) step.onSendMessage(message);
              next(message);
            },
          }
        : {}),
    });
    return wrapped;
  };
}
