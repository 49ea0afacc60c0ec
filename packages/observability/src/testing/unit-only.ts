/**
 * `make check` runs the unit tests that need no MariaDB, RabbitMQ, Open vSwitch or network
 * namespace, for a fast inner loop, and sets this variable. The helpers that reach one of those
 * call needsService, so a test that needs one and is listed in the check set fails at once,
 * naming what it needs, instead of finding a local server and passing on one machine only.
 */
const UNIT_ONLY = 'VPCD_UNIT_ONLY';

/** Whether this run is `make check`'s (`VPCD_UNIT_ONLY=1`). */
export function unitOnly(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[UNIT_ONLY] === '1';
}

/**
 * Throws in a `make check` run: the caller is about to use `service` (e.g. "MariaDB"), which
 * that run has none of. Must be called before the service is reached.
 */
export function needsService(service: string, env: NodeJS.ProcessEnv = process.env): void {
  if (!unitOnly(env)) return;
  throw new Error(
    `this test needs ${service}, but ${UNIT_ONLY}=1 (make check) runs only tests that need no ` +
      'service: remove its file from scripts/check-tests.txt',
  );
}
