import type { Chassis } from '@vpcd/api';

/** One chassis' convergence, as `vpcctl status` shows it. */
export interface ChassisConvergence {
  readonly chassis: Chassis;
  /** Its applied generation has reached its desired one. */
  readonly converged: boolean;
  /** Desired minus applied generation; 0 when converged. */
  readonly lagGenerations: number;
}

export interface ConvergenceSummary {
  readonly rows: readonly ChassisConvergence[];
  readonly totals: {
    readonly chassis: number;
    readonly converged: number;
    readonly behind: number;
    /** Chassis no northd holds a lease on: nobody converges them. */
    readonly unowned: number;
    /** Sum of the lag of the chassis that are behind. */
    readonly lagGenerations: number;
  };
}

export function summarizeConvergence(chassis: readonly Chassis[]): ConvergenceSummary {
  const rows = chassis.map((c) => {
    const lagGenerations = Math.max(0, c.desiredGeneration - c.appliedGeneration);
    return { chassis: c, converged: lagGenerations === 0, lagGenerations };
  });
  const converged = rows.filter((r) => r.converged).length;
  return {
    rows,
    totals: {
      chassis: rows.length,
      converged,
      behind: rows.length - converged,
      unowned: chassis.filter((c) => c.owner === '').length,
      lagGenerations: rows.reduce((sum, r) => sum + r.lagGenerations, 0),
    },
  };
}

/** The summary as JSON: chassis in generated-JSON style plus `converged`, and the totals. */
export function convergenceJson(summary: ConvergenceSummary): unknown {
  return {
    chassis: summary.rows.map((r) => ({
      id: r.chassis.id,
      owner: r.chassis.owner,
      epoch: r.chassis.epoch,
      desiredGeneration: r.chassis.desiredGeneration,
      appliedGeneration: r.chassis.appliedGeneration,
      converged: r.converged,
      lastHeartbeatTime: r.chassis.lastHeartbeatTime?.toISOString() ?? null,
    })),
    totals: summary.totals,
  };
}
