import type { ChassisState } from '@vpcd/api';
import { planChassis, type CompileOptions } from './chassis-plan.js';
import { addClassifyFlows } from './classify-flows.js';
import { addDhcpFlows } from './dhcp-flows.js';
import { FlowsError } from './flows-error.js';
import { cookieFor } from './cookie.js';
import { flowKey, sortFlows, type Flow } from './flow.js';
import { addForwardFlows } from './forward-flows.js';
import { screenChassisState, type RejectedPort } from './screen-state.js';

/** What compileChassis made of a state: the flows of everything it could carry, and the rest. */
export interface ChassisCompilation {
  readonly flows: Flow[];
  /** The ports left out, with why (see screenChassisState). */
  readonly rejected: readonly RejectedPort[];
  /** The VPCs left out (their ports are in `rejected` as `invalid-vpc`). */
  readonly vpcProblems: readonly string[];
}

/**
 * The flow set of br-int for what the flows can carry of a chassis' state: a bad port (or a VPC
 * with a bad VNI and its ports) is left out and reported, and everyone else's ports compile, so
 * one tenant's bad row never freezes the chassis. `options.portNumbers` needs only the accepted
 * ports (screenChassisState(state).accepted.ports). Throws only `invalid-options`.
 */
export function compileChassis(state: ChassisState, options: CompileOptions): ChassisCompilation {
  const { accepted, rejected, vpcProblems } = screenChassisState(state);
  return { flows: compileFlows(accepted, options), rejected, vpcProblems };
}

/**
 * The flow set of br-int for one chassis' desired state: frozen flows in flow order (see
 * compareFlows). Pure and deterministic: the same state, in any order of its lists, gives the
 * same flows. Strict: throws FlowsError `invalid-state` (anything compileChassis would leave out)
 * or `invalid-options`, naming every problem.
 */
export function compileFlows(state: ChassisState, options: CompileOptions): Flow[] {
  const plan = planChassis(state, options);
  const flows: Flow[] = [];
  const add = (
    purpose: string,
    table: number,
    priority: number,
    match: string,
    actions: string,
  ) => {
    flows.push(Object.freeze({ table, priority, match, actions, cookie: cookieFor(purpose) }));
  };
  addClassifyFlows(plan, add);
  addForwardFlows(plan, add);
  addDhcpFlows(plan, add);
  const sorted = sortFlows(flows);
  for (let i = 1; i < sorted.length; i++) {
    const [previous, flow] = [sorted[i - 1]!, sorted[i]!];
    // Validation makes identities unique; this guards the pipeline's own invariant.
    if (
      previous.table === flow.table &&
      previous.priority === flow.priority &&
      previous.match === flow.match
    ) {
      throw new FlowsError('invalid-state', `two flows share the identity ${flowKey(flow)}`);
    }
  }
  return sorted;
}
