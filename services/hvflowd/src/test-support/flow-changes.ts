// Reading a chassis' flows back through GetChassisState, for tests that check what an apply did.
import type { ChassisState, HvflowdServiceClient } from '@vpcd/api';
import { diff, parseFlowLine, type Flow, type FlowDiff } from '@vpcd/flows';
import type { CallSettings, PromiseClient } from '@vpcd/rpc';

export async function flowsOf(
  client: PromiseClient<HvflowdServiceClient>,
  settings?: CallSettings,
): Promise<Flow[]> {
  return (await client.getChassisState({}, settings)).flows.map(parseFlowLine);
}

/** Applies `state` and returns the answer with the exact change the bridge went through. */
export async function applyAndCompare(
  client: PromiseClient<HvflowdServiceClient>,
  state: ChassisState,
  settings?: CallSettings,
): Promise<{
  answer: Awaited<ReturnType<PromiseClient<HvflowdServiceClient>['applyChassisState']>>;
  change: FlowDiff;
  after: Flow[];
}> {
  const before = await flowsOf(client, settings);
  const answer = await client.applyChassisState({ state });
  const after = await flowsOf(client, settings);
  return { answer, change: diff(before, after), after };
}
