import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChassisState } from '@vpcd/api';
import fc from 'fast-check';
import type { CompileOptions } from './chassis-plan.js';
import { applyDelta, deltaBetween } from './chassis-delta.js';
import { CompiledChassis } from './compiled-chassis.js';
import { compileFlows } from './compile.js';
import { applyDiff } from './diff.js';
import { renderFlow, type Flow } from './flow.js';
import { HeldState, type StateChange } from './held-state.js';
import { screenChassisState } from './screen-state.js';
import { stateHash } from './state-hash.js';
import { partialDelta, stateChainArbitrary, TUNNEL_PORT } from './state-arbitrary.js';
import { StateScreen } from './state-screen.js';

const lines = (flows: readonly Flow[]) => flows.map(renderFlow);

/** Asserts that the screen holds what screenChassisState finds in the state held. */
function assertScreened(screen: StateScreen, held: HeldState) {
  const whole = screenChassisState(held.state());
  assert.deepEqual(screen.accepted(), whole.accepted);
  assert.deepEqual(screen.rejected, whole.rejected);
  assert.deepEqual(screen.vpcProblems, whole.vpcProblems);
}

/** Asserts that `change` names every accepted entry that moved from `before`, with its old one. */
function assertChangeNames(change: StateChange, before: ChassisState, screen: StateScreen) {
  if (change.whole) return;
  const lists = [
    ['vpcs', before.vpcs.map((v) => [v.vpcId, v] as const), (id: string) => screen.vpc(id)],
    [
      'ports',
      before.ports.map((p) => [p.interfaceId, p] as const),
      (id: string) => screen.port(id),
    ],
    [
      'remotePorts',
      before.remotePorts.map((p) => [p.interfaceId, p] as const),
      (id: string) => screen.remotePort(id),
    ],
  ] as const;
  const now = screen.accepted();
  const nowIds = {
    vpcs: now.vpcs.map((v) => v.vpcId),
    ports: now.ports.map((p) => p.interfaceId),
    remotePorts: now.remotePorts.map((p) => p.interfaceId),
  };
  for (const [list, entries, lookup] of lists) {
    const old = new Map<string, unknown>(entries);
    for (const id of new Set([...old.keys(), ...nowIds[list]])) {
      if (old.get(id) === lookup(id)) continue;
      assert.ok(change[list].has(id), `${list} ${id} changed unnamed`);
      assert.equal(change[list].get(id), old.get(id));
    }
  }
}

/** Numbers `if-<n>` as n + 1, leaving out the ports `unbound` names. */
function numbering(unbound: ReadonlySet<number>, dhcp: boolean): CompileOptions {
  const portNumbers = new Map<string, number>();
  for (let n = 0; n < 20; n++) if (!unbound.has(n)) portNumbers.set(`if-${n}`, n + 1);
  return { portNumbers, tunnelPort: TUNNEL_PORT, ...(dhcp ? { dhcpPort: 999 } : {}) };
}

/** The state without its ports `options` does not number (hvflowd's bindable). */
const bindable = (state: ChassisState, options: CompileOptions): ChassisState => ({
  ...state,
  ports: state.ports.filter((port) => options.portNumbers.has(port.interfaceId)),
});

const chains = fc.tuple(
  stateChainArbitrary,
  fc.infiniteStream(fc.nat(3)),
  fc.infiniteStream(fc.uniqueArray(fc.nat(19), { maxLength: 3 })),
  fc.boolean(),
);

describe('StateScreen', () => {
  it('screens, and compiles, any chain of deltas as screenChassisState and compileFlows do', () => {
    fc.assert(
      fc.property(chains, ([states, draws, unbounds, dhcp]) => {
        const keep = () => draws.next().value !== 0;
        const held = new HeldState(states[0]!);
        const screen = new StateScreen(held);
        assertScreened(screen, held);
        let options = numbering(new Set(), dhcp);
        const compiled = new CompiledChassis();
        compiled.update(bindable(screen.accepted(), options), options);
        for (const target of states.slice(1)) {
          const delta = partialDelta(deltaBetween(held.state(), target), keep);
          try {
            applyDelta(held.state(), delta);
          } catch {
            continue;
          }
          const before = screen.accepted();
          let change = screen.update(held.apply(delta));
          assertScreened(screen, held);
          assertChangeNames(change, before, screen);
          // Now and then the apply fails downstream, and the chassis goes back and on again.
          if (!keep()) {
            const after = screen.accepted();
            screen.update(held.revert());
            assertScreened(screen, held);
            change = screen.update(held.apply(delta));
            assertScreened(screen, held);
            assertChangeNames(change, after, screen);
            change = { ...change, whole: true };
          }
          // Ports are renumbered now and then (the runtime binds them again): a new map.
          const unbound: number[] = unbounds.next().value as number[];
          if (unbound.length > 0) options = numbering(new Set(unbound), dhcp);
          const previous = compiled.flows();
          const accepted = screen.accepted();
          const numbered = <T>(id: string, port: T) =>
            options.portNumbers.has(id) ? port : undefined;
          const diff = change.whole
            ? compiled.update(bindable(accepted, options), options)
            : compiled.updateChanged(
                {
                  vpcIds: change.vpcs.keys(),
                  portIds: change.ports.keys(),
                  remotePortIds: change.remotePorts.keys(),
                  vpc: (id) => screen.vpc(id),
                  port: (id) => numbered(id, screen.port(id)),
                  remotePort: (id) => screen.remotePort(id),
                  state: () => bindable(accepted, options),
                },
                options,
              );
          const whole = compileFlows(bindable(accepted, options), options);
          assert.deepEqual(lines(compiled.flows()), lines(whole));
          assert.equal(compiled.stateHash(), stateHash(whole));
          assert.deepEqual(lines(applyDiff(previous, diff)), lines(whole));
        }
      }),
      { numRuns: 300 },
    );
  });
});
