import { InterceptingCall, type Interceptor, type StatusObject } from '@grpc/grpc-js';
import { context } from '@opentelemetry/api';
import type { ClientLayer, ClientLayerSteps } from './client-layer.js';
import { activeDeadlineMs } from './deadline.js';
import { parsePath } from './method.js';

type Step<K extends keyof ClientLayerSteps> = Required<Pick<ClientLayerSteps, K>>;

/**
 * The one grpc-js interceptor of a client: gives every call a deadline (the caller's, else
 * `defaultDeadlineMs` from now, and never later than the deadline of the server call it is made
 * from) and runs `layers` in order.
 */
export function clientLayersInterceptor(
  layers: readonly ClientLayer[],
  defaultDeadlineMs: number,
): Interceptor {
  const parsedByPath = new Map<string, ReturnType<typeof parsePath>>();
  return (options, nextCall) => {
    const own =
      options.deadline === undefined || options.deadline === Infinity
        ? defaultDeadlineMs > 0
          ? Date.now() + defaultDeadlineMs
          : Infinity
        : new Date(options.deadline).getTime();
    const deadline = Math.min(own, activeDeadlineMs());
    const path = options.method_definition.path;
    let parsed = parsedByPath.get(path);
    if (parsed === undefined && !parsedByPath.has(path)) {
      parsed = parsePath(path);
      parsedByPath.set(path, parsed);
    }
    const call = { path, parsed, context: context.active() };
    const starts: Array<Step<'onStart'>> = [];
    const sends: Array<Step<'onSendMessage'>> = [];
    const messages: Array<Step<'onReceiveMessage'>> = [];
    const statuses: Array<Step<'onReceiveStatus'>> = [];
    for (const layer of layers) {
      const steps = layer(call);
      if (steps?.onStart) starts.push(steps as Step<'onStart'>);
      if (steps?.onSendMessage) sends.push(steps as Step<'onSendMessage'>);
      if (steps?.onReceiveMessage) messages.push(steps as Step<'onReceiveMessage'>);
      if (steps?.onReceiveStatus) statuses.push(steps as Step<'onReceiveStatus'>);
    }
    return new InterceptingCall(
      nextCall(deadline === Infinity ? options : { ...options, deadline }),
      {
        start: (metadata, listener, next) => {
          for (const step of starts) step.onStart(metadata);
          next(metadata, {
            onReceiveMessage: (message: unknown, nextMessage: (m: unknown) => void) => {
              // grpc-js passes null to a unary call's listener when no response came.
              if (message !== null) for (const step of messages) step.onReceiveMessage();
              nextMessage(message);
            },
            onReceiveStatus: (status: StatusObject, nextStatus: (s: StatusObject) => void) => {
              for (const step of statuses) step.onReceiveStatus(status);
              nextStatus(status);
            },
          });
        },
        ...(sends.length > 0
          ? {
              sendMessage: (message: unknown, next: (m: unknown) => void) => {
                for (const step of sends) step.onSendMessage();
                next(message);
              },
            }
          : {}),
      },
    );
  };
}
