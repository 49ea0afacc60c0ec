import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';

let ensured = false;

/**
 * Trace and deadline propagation ride on the active OpenTelemetry context, which needs a context
 * manager. The SDK set-up registers one; when it has not run, this registers the same kind, so
 * propagation works with tracing off. Registration keeps the first manager; calling it twice
 * is harmless.
 */
export function ensureContextManager(): void {
  if (ensured) return;
  ensured = true;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
}
