import {
  context,
  SpanKind,
  SpanStatusCode,
  type Attributes,
  type Tracer,
} from '@opentelemetry/api';
import { DbError } from './db-error.js';
import type { DbMetrics } from './metrics.js';
import { countStatement } from './query-count.js';
import { describeStatement } from './statement.js';

/** What every statement of one Database reports to. */
export interface Instruments {
  tracer: Tracer;
  metrics: DbMetrics;
  /** db.system, db.name, server.address, server.port. */
  attributes: Attributes;
}

/** Sends SQL with its parameters on a pool or a connection and returns mysql2's result. */
export type Send = (sql: string, params: unknown[] | undefined) => Promise<unknown>;

/** Longest db.statement kept on a span; generated multi-row statements can be long. */
const statementLimit = 2048;

/**
 * Sends one statement as a CLIENT span (child of the active span), records its metrics and, unless
 * it is transaction `control`, counts it for countQueries. Rejects with DbError. Parameter values go to the driver
 * only: never to spans, metrics, logs or the error.
 */
export async function runStatement(
  instruments: Instruments,
  send: Send,
  sql: string,
  params: unknown[] | undefined,
  role: 'statement' | 'control',
): Promise<unknown> {
  const info = describeStatement(sql);
  if (role === 'statement') countStatement();
  const span = instruments.tracer.startSpan(
    info.spanName,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        ...instruments.attributes,
        'db.statement': sql.length > statementLimit ? `${sql.slice(0, statementLimit)}…` : sql,
        'db.operation': info.verb.toUpperCase(),
        ...(info.table === undefined ? {} : { 'db.sql.table': info.table }),
      },
    },
    context.active(),
  );
  const started = process.hrtime.bigint();
  let outcome = 'ok';
  try {
    return await send(sql, params);
  } catch (err) {
    scrubSql(err, sql);
    const dbError = DbError.from(err);
    outcome = dbError.kind;
    span.recordException(dbError);
    span.setStatus({ code: SpanStatusCode.ERROR, message: dbError.message });
    span.setAttribute('db.error.kind', dbError.kind);
    throw dbError;
  } finally {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    instruments.metrics.statement(info.verb, outcome, seconds);
    span.end();
  }
}

/** mysql2 puts the SQL with the values inlined on its errors; keep only the placeholder text. */
function scrubSql(err: unknown, sql: string): void {
  if (typeof err === 'object' && err !== null && 'sql' in err) {
    err.sql = sql;
  }
}
