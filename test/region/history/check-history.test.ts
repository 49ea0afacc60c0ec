import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkHistory } from './check-history.js';
import type {
  CreateOperation,
  FinalState,
  History,
  InterfaceRecord,
  Operation,
} from './history.js';

// A hand-made run: VPC v1 (10.0.0.0/16), chassis hv1 and hv2, the fault healed at 400 ms.
const iface = (name: string, n: number, chassisId = 'hv1'): InterfaceRecord => ({
  id: `i-${name}`,
  vpcId: 'v1',
  chassisId,
  name,
  ip: `10.0.0.${n + 1}`,
  mac: `02:00:00:00:00:0${n}`,
});
const create = (
  name: string,
  invokedMs: number,
  outcome: Operation['outcome'],
  extra: Partial<CreateOperation> = {},
): CreateOperation => ({
  kind: 'create',
  requestId: `req-${name}`,
  vpcId: 'v1',
  chassisId: 'hv1',
  name,
  invokedMs,
  completedMs: invokedMs + 10,
  outcome,
  ...extra,
});
const [a, b, c, f] = [iface('a', 1), iface('b', 2, 'hv2'), iface('c', 3), iface('f', 4)];

function validRun(): { history: History; final: FinalState } {
  const operations: Operation[] = [
    create('a', 100, 'ok', { created: a }),
    create('b', 120, 'indeterminate', { code: 'UNAVAILABLE', chassisId: 'hv2' }),
    create('b', 140, 'ok', { created: b, chassisId: 'hv2' }),
    create('c', 160, 'indeterminate', { code: 'DEADLINE_EXCEEDED' }), // it took effect
    create('d', 170, 'indeterminate', { code: 'UNAVAILABLE' }), // it did not
    create('e', 180, 'failed', { code: 'ALREADY_EXISTS' }),
    create('f', 190, 'ok', { created: f }),
    {
      kind: 'delete',
      requestId: 'del-a',
      interfaceId: a.id,
      invokedMs: 200,
      completedMs: 210,
      outcome: 'ok',
    },
    {
      kind: 'read',
      requestId: 'get-a',
      interfaceId: a.id,
      invokedMs: 220,
      completedMs: 225,
      outcome: 'failed',
      code: 'NOT_FOUND',
    },
    {
      kind: 'read',
      requestId: 'get-b',
      interfaceId: b.id,
      invokedMs: 230,
      completedMs: 235,
      outcome: 'ok',
      found: b,
    },
    {
      kind: 'delete',
      requestId: 'del-f',
      interfaceId: f.id,
      invokedMs: 240,
      completedMs: 250,
      outcome: 'indeterminate',
      code: 'CANCELLED',
    },
  ];
  return {
    history: {
      operations,
      epochSamples: [
        { chassisId: 'hv1', epoch: 1, atMs: 0, source: 'northd' },
        { chassisId: 'hv1', epoch: 2, atMs: 300, source: 'northd' },
        { chassisId: 'hv2', epoch: 1, atMs: 0, source: 'northd' },
        { chassisId: 'hv1', epoch: 2, atMs: 310, source: 'hvflowd' },
      ],
      // a's delete, answered at 210, is in hv1's generation 5, applied by 300.
      generationSamples: [
        { chassisId: 'hv1', desired: 4, applied: 4, atMs: 150 },
        { chassisId: 'hv1', desired: 5, applied: 4, atMs: 220 },
        { chassisId: 'hv1', desired: 5, applied: 5, atMs: 300 },
      ],
      firstActiveMs: new Map([
        [a.id, 150],
        [b.id, 500],
        [c.id, 600],
        [f.id, 200],
      ]),
      healedMs: 400,
      vpcIds: ['v1'],
    },
    final: {
      interfaces: [
        { ...b, active: true },
        { ...c, active: true },
      ],
      vpcs: [
        { id: 'v1', vni: 1000, cidr: '10.0.0.0/16' },
        { id: 'v2', vni: 1001, cidr: '10.0.0.0/16' },
      ],
      epochs: new Map([
        ['hv1', 2],
        ['hv2', 1],
      ]),
    },
  };
}

type Run = ReturnType<typeof validRun>;
const rulesOf = (run: Run) => [
  ...new Set(checkHistory(run.history, run.final, { activeBudgetMs: 1000 }).map((p) => p.rule)),
];
const withFinal = (run: Run, interfaces: FinalState['interfaces']): Run => ({
  ...run,
  final: { ...run.final, interfaces },
});
const withOperations = (run: Run, operations: Operation[]): Run => ({
  ...run,
  history: { ...run.history, operations },
});

describe('history checker', () => {
  it('passes a valid history: retried, indeterminate, failed, deleted and read operations', () => {
    assert.deepEqual(
      checkHistory(validRun().history, validRun().final, { activeBudgetMs: 1000 }),
      [],
    );
  });

  it('passes an indeterminate create that took no effect and one whose delete may have', () => {
    const run = validRun();
    const final = run.final.interfaces.filter((i) => i.name !== 'c');
    assert.deepEqual(rulesOf(withFinal(run, [...final, { ...f, active: true }])), []);
  });

  const cases: Array<[string, (run: Run) => Run, string]> = [
    [
      'an acknowledged create missing at the end',
      (r) => withFinal(r, [{ ...c, active: true }]),
      'acknowledged-write-lost',
    ],
    [
      'an acknowledged create whose address changed',
      (r) =>
        withFinal(r, [
          { ...b, ip: '10.0.0.99', active: true },
          { ...c, active: true },
        ]),
      'acknowledged-write-altered',
    ],
    [
      'an acknowledged delete whose interface is back',
      (r) => withFinal(r, [...r.final.interfaces, { ...a, active: true }]),
      'acknowledged-delete-resurrected',
    ],
    [
      'a create refused ALREADY_EXISTS that exists',
      (r) => withFinal(r, [...r.final.interfaces, { ...iface('e', 5), active: true }]),
      'failed-write-took-effect',
    ],
    [
      'an indeterminate create present without a valid MAC',
      (r) =>
        withFinal(r, [
          { ...b, active: true },
          { ...c, mac: '01:00:5e:00:00:01', active: true },
        ]),
      'partial-write',
    ],
    [
      'an indeterminate create present on another chassis than asked',
      (r) =>
        withFinal(r, [
          { ...b, active: true },
          { ...c, chassisId: 'hv2', active: true },
        ]),
      'partial-write',
    ],
    [
      'an interface no one created',
      (r) => withFinal(r, [...r.final.interfaces, { ...iface('x', 6), active: true }]),
      'unexplained-interface',
    ],
    [
      'a read that finds an interface after its delete was answered',
      (r) =>
        withOperations(r, [
          ...r.history.operations,
          {
            kind: 'read',
            requestId: 'get-a2',
            interfaceId: a.id,
            invokedMs: 260,
            completedMs: 265,
            outcome: 'ok',
            found: a,
          },
        ]),
      'stale-read',
    ],
    [
      'a read that misses an acknowledged create',
      (r) =>
        withOperations(r, [
          ...r.history.operations,
          {
            kind: 'read',
            requestId: 'get-b2',
            interfaceId: b.id,
            invokedMs: 260,
            completedMs: 265,
            outcome: 'failed',
            code: 'NOT_FOUND',
          },
        ]),
      'stale-read',
    ],
    [
      'two interfaces of a VPC with one IP',
      (r) =>
        withFinal(r, [
          { ...b, active: true },
          { ...c, ip: b.ip, active: true },
        ]),
      'ip-not-unique',
    ],
    [
      'two interfaces of a VPC with one MAC',
      (r) =>
        withFinal(r, [
          { ...b, active: true },
          { ...c, mac: b.mac.toUpperCase(), active: true },
        ]),
      'mac-not-unique',
    ],
    [
      'two VPCs with one VNI',
      (r) => ({
        ...r,
        final: { ...r.final, vpcs: [r.final.vpcs[0]!, { ...r.final.vpcs[1]!, vni: 1000 }] },
      }),
      'vni-not-unique',
    ],
    [
      'an epoch that goes back',
      (r) => ({
        ...r,
        history: {
          ...r.history,
          epochSamples: [
            ...r.history.epochSamples,
            { chassisId: 'hv1', epoch: 1, atMs: 350, source: 'northd' },
          ],
        },
      }),
      'epoch-went-back',
    ],
    [
      "an epoch seen above the database's",
      (r) => ({
        ...r,
        history: {
          ...r.history,
          epochSamples: [
            ...r.history.epochSamples,
            { chassisId: 'hv2', epoch: 2, atMs: 350, source: 'hvflowd' },
          ],
        },
      }),
      'epoch-beyond-database',
    ],
    [
      'an acknowledged create ACTIVE after the budget',
      (r) => ({
        ...r,
        history: {
          ...r.history,
          firstActiveMs: new Map([...r.history.firstActiveMs, [b.id, 400 + 1000 + 1]]),
        },
      }),
      'not-active-within-budget',
    ],
    [
      'an indeterminate create that took effect, never seen ACTIVE',
      (r) => ({
        ...r,
        history: {
          ...r.history,
          firstActiveMs: new Map([...r.history.firstActiveMs].filter(([id]) => id !== c.id)),
        },
      }),
      'not-active-within-budget',
    ],
    [
      'an acknowledged delete not applied within the budget',
      (r) => ({
        ...r,
        history: {
          ...r.history,
          generationSamples: [
            ...r.history.generationSamples.slice(0, 2),
            { chassisId: 'hv1', desired: 5, applied: 5, atMs: 400 + 1000 + 1 },
          ],
        },
      }),
      'not-active-within-budget',
    ],
  ];
  for (const [what, breakIt, rule] of cases) {
    it(`fails ${what}: ${rule}`, () => {
      assert.deepEqual(rulesOf(breakIt(validRun())), [rule]);
    });
  }
});
