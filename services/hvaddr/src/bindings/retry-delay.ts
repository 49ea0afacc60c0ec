/**
 * The wait before refresh attempt `failures + 1` after `failures` consecutive failures: doubling
 * from `initialMs`, capped at `maxMs`, with the upper half jittered so that the hvaddr of many
 * chassis do not return to a recovering northd in step. Every failure is worth retrying: the
 * last good bindings keep being served meanwhile, and a configuration error (a wrong token, an
 * unknown chassis) shows up in the failure counter and the log rather than stopping the server.
 */
export function retryDelayMs(
  failures: number,
  initialMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(failures - 1, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
