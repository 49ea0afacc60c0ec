/**
 * The history of a chaos run: every client operation with its outcome, and what observers saw
 * meanwhile. Plain data, so hand-made histories test the checker (check-history.ts) as well as
 * recorded ones. Times are milliseconds of the recording process' clock (Date.now()).
 */

/**
 * `ok`: the API answered it. `failed`: a definite error, the operation took no effect.
 * `indeterminate`: no answer that says (deadline, connection lost, the server unavailable): it
 * may or may not have taken effect. See outcome.ts.
 */
export type Outcome = 'ok' | 'failed' | 'indeterminate';

/** An interface as the API answers it; the fields a write makes whole or not at all. */
export interface InterfaceRecord {
  readonly id: string;
  readonly vpcId: string;
  readonly chassisId: string;
  readonly name: string;
  readonly ip: string;
  readonly mac: string;
}

interface OperationBase {
  /** Same for every attempt of one logical write: the idempotency key. */
  readonly requestId: string;
  readonly invokedMs: number;
  readonly completedMs: number;
  readonly outcome: Outcome;
  /** The gRPC code name when not ok (`UNAVAILABLE`), or what ended the attempt. */
  readonly code?: string;
}

/** One attempt of CreateInterface; `name` identifies the logical interface before any answer. */
export interface CreateOperation extends OperationBase {
  readonly kind: 'create';
  readonly vpcId: string;
  readonly chassisId: string;
  readonly name: string;
  /** The answer, when ok. */
  readonly created?: InterfaceRecord;
}

/** One attempt of DeleteInterface of an interface whose create was acknowledged. */
export interface DeleteOperation extends OperationBase {
  readonly kind: 'delete';
  readonly interfaceId: string;
}

/** One GetInterface: `found` when ok, NOT_FOUND is `failed` with that code. */
export interface ReadOperation extends OperationBase {
  readonly kind: 'read';
  readonly interfaceId: string;
  readonly found?: InterfaceRecord;
}

export type Operation = CreateOperation | DeleteOperation | ReadOperation;

/** A chassis' epoch as one source saw it; a source is one stream (northd's view, one hvflowd). */
export interface EpochSample {
  readonly chassisId: string;
  readonly epoch: number;
  readonly atMs: number;
  readonly source: string;
}

/**
 * A chassis' generations as northd answered them: what it should hold and what it applied,
 * stamped when the read began (so a sample stamped after a write's answer includes the write).
 */
export interface GenerationSample {
  readonly chassisId: string;
  readonly desired: number;
  readonly applied: number;
  readonly atMs: number;
}

/** The state after the run, read once the load stopped and the region converged. */
export interface FinalState {
  /** Every interface of the run's VPCs, with whether it is ACTIVE. */
  readonly interfaces: ReadonlyArray<InterfaceRecord & { readonly active: boolean }>;
  /** Every VPC of the region, with its CIDR. */
  readonly vpcs: ReadonlyArray<{
    readonly id: string;
    readonly vni: number;
    readonly cidr: string;
  }>;
  /** The database's epoch of every chassis at the end. */
  readonly epochs: ReadonlyMap<string, number>;
}

export interface History {
  readonly operations: readonly Operation[];
  readonly epochSamples: readonly EpochSample[];
  /** Every chassis' generations, sampled through the run in time order. */
  readonly generationSamples: readonly GenerationSample[];
  /** interface id -> when an observer first saw it ACTIVE. */
  readonly firstActiveMs: ReadonlyMap<string, number>;
  /** When the fault ended: the chaos step returned (its own checks of the heal passed). */
  readonly healedMs: number;
  /** The VPCs whose interfaces the run wrote: the checker judges every interface in them. */
  readonly vpcIds: readonly string[];
}
