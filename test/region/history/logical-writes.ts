import type { InterfaceRecord, Operation, Outcome } from './history.js';

/** Every attempt of one write, folded: ok when any attempt was, else indeterminate when any was. */
export interface FoldedWrite {
  readonly outcome: Outcome;
  readonly invokedMs: number;
  /** When the first ok answer came; undefined unless ok. */
  readonly ackMs: number | undefined;
  /** When the last attempt ended. */
  readonly lastCompletedMs: number;
  readonly codes: readonly string[];
}

/** One interface the run meant to create (named before any answer), and its delete if any. */
export interface InterfaceWrite {
  /** `<vpc id>/<name>`: unique in the API (names are unique per VPC). */
  readonly key: string;
  readonly vpcId: string;
  readonly name: string;
  readonly chassisId: string;
  readonly create: FoldedWrite;
  /** The first ok answer of the create. */
  readonly acknowledged: InterfaceRecord | undefined;
  readonly delete: FoldedWrite | undefined;
}

export const keyOf = (i: { vpcId: string; name: string }) => `${i.vpcId}/${i.name}`;

function fold(attempts: readonly Operation[]): FoldedWrite {
  const ok = attempts.filter((a) => a.outcome === 'ok');
  const outcome: Outcome =
    ok.length > 0
      ? 'ok'
      : attempts.some((a) => a.outcome === 'indeterminate')
        ? 'indeterminate'
        : 'failed';
  return {
    outcome,
    invokedMs: Math.min(...attempts.map((a) => a.invokedMs)),
    ackMs: ok.length > 0 ? Math.min(...ok.map((a) => a.completedMs)) : undefined,
    lastCompletedMs: Math.max(...attempts.map((a) => a.completedMs)),
    codes: attempts.flatMap((a) => (a.code === undefined ? [] : [a.code])),
  };
}

/**
 * The history's creates and deletes as logical writes: attempts share a request_id, and an
 * idempotent API makes them one write. Deletes are matched to the create whose answer named
 * their interface id.
 */
export function interfaceWrites(operations: readonly Operation[]): InterfaceWrite[] {
  const creates = new Map<string, Operation[]>();
  const deletes = new Map<string, Operation[]>();
  for (const op of operations) {
    if (op.kind === 'create') {
      const key = keyOf(op);
      creates.set(key, [...(creates.get(key) ?? []), op]);
    } else if (op.kind === 'delete') {
      deletes.set(op.interfaceId, [...(deletes.get(op.interfaceId) ?? []), op]);
    }
  }
  return [...creates.entries()].map(([key, attempts]) => {
    const first = attempts[0] as Extract<Operation, { kind: 'create' }>;
    const acknowledged = attempts.flatMap((a) =>
      a.kind === 'create' && a.outcome === 'ok' && a.created ? [a.created] : [],
    )[0];
    const deleteAttempts = acknowledged ? deletes.get(acknowledged.id) : undefined;
    return {
      key,
      vpcId: first.vpcId,
      name: first.name,
      chassisId: first.chassisId,
      create: fold(attempts),
      acknowledged,
      delete: deleteAttempts ? fold(deleteAttempts) : undefined,
    };
  });
}
