import { fieldViolations, isRpcError, Status } from '@vpcd/rpc';
import { isCliError } from './cli-error.js';

/** What the line may add for context: where the call went and whether a token was sent. */
export interface ErrorContext {
  readonly address?: string;
  readonly tokenGiven?: boolean;
}

/**
 * The one line printed for a failure (after `vpcctl: `): for an RPC error, its code as gRPC spells
 * it (`INVALID_ARGUMENT`) and then the offending fields (`cidr: must lie in ...`) or the message.
 */
export function errorLine(err: unknown, context: ErrorContext = {}): string {
  if (isCliError(err)) return flatten(err.message);
  if (isRpcError(err)) {
    const violations = fieldViolations(err.metadata);
    const detail =
      violations.length > 0
        ? violations.map((v) => `${v.field}: ${v.description}`).join('; ')
        : // grpc-js ends some messages with an empty "Resolution note:".
          err.message.replace(/\.?\s*Resolution note:\s*$/, '');
    return flatten(`${codeKey(err.code)}: ${detail}${hint(err.code, context)}`);
  }
  return flatten(`internal error: ${err instanceof Error ? err.message : String(err)}`);
}

/** `INVALID_ARGUMENT`, as grpc-js's Status enum names the code. */
export function codeKey(code: Status): string {
  return Status[code] ?? `CODE_${String(code)}`;
}

function hint(code: Status, context: ErrorContext): string {
  if (code === Status.UNAUTHENTICATED && context.tokenGiven === false)
    return ' (no token given: set VPCD_TOKEN or pass --token)';
  if ((code === Status.UNAVAILABLE || code === Status.DEADLINE_EXCEEDED) && context.address)
    return ` (northd at ${context.address})`;
  return '';
}

function flatten(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
