/** The rules of the model (check-history.ts); each problem names the one it breaks. */
export type Rule =
  | 'acknowledged-write-lost'
  | 'acknowledged-write-altered'
  | 'acknowledged-delete-resurrected'
  | 'failed-write-took-effect'
  | 'partial-write'
  | 'unexplained-interface'
  | 'stale-read'
  | 'ip-not-unique'
  | 'mac-not-unique'
  | 'vni-not-unique'
  | 'epoch-went-back'
  | 'epoch-beyond-database'
  | 'not-active-within-budget';

export interface Problem {
  readonly rule: Rule;
  readonly message: string;
}

export const problem = (rule: Rule, message: string): Problem => ({ rule, message });
