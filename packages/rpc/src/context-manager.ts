import { context, createContextKey, ROOT_CONTEXT } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';

const probe = createContextKey('vpcd.rpc.probe');

/** True when a context manager is installed: a value set in `with` is visible inside it. */
function contextManagerActive(): boolean {
  return context.with(
    ROOT_CONTEXT.setValue(probe, true),
    () => context.active().getValue(probe) === true,
  );
}

/**
 * Trace and deadline propagation ride on the active OpenTelemetry context, which needs a context
 * manager. The SDK set-up registers one; when none is installed (tracing off), this installs the
 * same kind, so propagation works anyway. Cheap to call again.
 */
export function ensureContextManager(): void {
  if (contextManagerActive()) return;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
}
