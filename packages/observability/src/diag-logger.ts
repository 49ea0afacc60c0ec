import { diag, DiagLogLevel, type DiagLogFunction } from '@opentelemetry/api';
import type { Level, Logger } from 'pino';
import type { DiagLevelName } from './tracing-config.js';

const DIAG_LEVELS: Record<DiagLevelName, DiagLogLevel> = {
  none: DiagLogLevel.NONE,
  error: DiagLogLevel.ERROR,
  warn: DiagLogLevel.WARN,
  info: DiagLogLevel.INFO,
  debug: DiagLogLevel.DEBUG,
  verbose: DiagLogLevel.VERBOSE,
  all: DiagLogLevel.ALL,
};

/**
 * Sends the OpenTelemetry SDK's own diagnostics (failed exports, dropped spans) to the logger, so
 * they are not lost. The diag logger is process-global, like the tracer provider.
 */
export function routeDiagToLogger(parent: Logger, level: DiagLevelName): void {
  const logger = parent.child({ component: 'otel' });
  const write =
    (method: Level): DiagLogFunction =>
    (message, ...args) => {
      const err = args.find((arg) => arg instanceof Error);
      const rest = args.filter((arg) => arg !== err);
      logger[method]({ ...(err && { err }), ...(rest.length > 0 && { args: rest }) }, message);
    };
  diag.setLogger(
    {
      error: write('error'),
      warn: write('warn'),
      info: write('info'),
      debug: write('debug'),
      verbose: write('trace'),
    },
    { logLevel: DIAG_LEVELS[level], suppressOverrideMessage: true },
  );
}
