/**
 * Suites that need root, Open vSwitch, a network namespace or an installed tool skip where they
 * cannot run (a developer's laptop), but CI must not go green without them: there the run sets
 * this variable and a suite that cannot run fails instead of skipping.
 */
const REQUIRE_ALL_SUITES = 'VPCD_REQUIRE_ALL_SUITES';

/** Whether `env` asks every suite to run (`VPCD_REQUIRE_ALL_SUITES=1`, as .ci/run sets it). */
export function requireAllSuites(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[REQUIRE_ALL_SUITES] === '1';
}

/**
 * The `skip` option of a suite that cannot run for `reason` (undefined or false when it can).
 * Where every suite is required, a reason throws instead, naming the suite's need, so the file
 * fails to load rather than passing with nothing run.
 */
export function skipUnlessRequired(
  reason: string | false | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | false {
  if (!reason) return false;
  if (requireAllSuites(env)) {
    throw new Error(`${REQUIRE_ALL_SUITES}=1 and this suite cannot run: ${reason}`);
  }
  return reason;
}
