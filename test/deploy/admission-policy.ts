import { isCelError, run, type CelInput } from '@bufbuild/cel';
import type { K8sObject } from './kustomize.js';

interface PolicySpec {
  failurePolicy?: 'Fail' | 'Ignore';
  variables?: Array<{ name: string; expression: string }>;
  validations: Array<{ expression: string; message?: string }>;
}

/** CEL sees JSON objects as maps with string keys (field selection and has() work on them). */
function toCel(value: unknown): CelInput {
  if (Array.isArray(value)) return value.map(toCel);
  if (value !== null && typeof value === 'object') {
    return new Map(Object.entries(value).map(([k, v]) => [k, toCel(v)]));
  }
  // JSON numbers are doubles in CEL, as they are for the API server's untyped fields.
  return value as CelInput;
}

/**
 * What a ValidatingAdmissionPolicy says about `object`, evaluated with a CEL implementation
 * (@bufbuild/cel) as the API server does: the variables in order, then every validation with
 * `object` and `variables` bound. Returns the message of each validation that is false, or that
 * fails to evaluate (the policy's failurePolicy is Fail: an error denies); empty when admitted.
 * Uses standard CEL only; Kubernetes' extension libraries are not available here, so a policy
 * checked this way must not use them.
 */
export function admissionDenials(policy: K8sObject, object: unknown): string[] {
  const spec = policy.spec as PolicySpec;
  const bound = toCel(object);
  const variables = new Map<string, CelInput>();
  const denials: string[] = [];
  for (const v of spec.variables ?? []) {
    const value = run(v.expression, { object: bound, variables });
    if (isCelError(value)) return [`variable ${v.name}: ${value.message}`];
    variables.set(v.name, value);
  }
  for (const check of spec.validations) {
    const result = run(check.expression, { object: bound, variables });
    const message = check.message ?? check.expression;
    if (result === true) continue;
    if (result === false) denials.push(message);
    else if (spec.failurePolicy !== 'Ignore') {
      const why = isCelError(result) ? result.message : `not a bool but a ${typeof result}`;
      denials.push(`${message} (${why})`);
    }
  }
  return denials;
}
