import { execFile, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { createInterface } from 'node:readline';

const run = promisify(execFile);

/** One change of the bridge's flow table, as `ovs-ofctl monitor` reports it. */
export interface FlowEvent {
  readonly event: string;
  readonly table: number;
  readonly cookie: string;
  readonly line: string;
}

export interface FlowMonitor {
  /** Changes seen since the monitor started (the initial dump is not a change). */
  readonly events: readonly FlowEvent[];
  /**
   * Waits until every change made before the call has been reported: adds and deletes a
   * sentinel flow (table 200) and waits for both events, which are not kept.
   */
  settle(): Promise<void>;
  /** Stops the monitor and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Watches every flow added, modified or deleted on `bridge` (`ovs-ofctl monitor <bridge>
 * watch:`). Resolves once the switch has registered the monitor, so nothing after is missed.
 */
export async function monitorFlows(
  env: Readonly<Record<string, string>>,
  bridge: string,
  readyTimeoutMs = 10_000,
): Promise<FlowMonitor> {
  const child = spawn('ovs-ofctl', ['-O', 'OpenFlow15', 'monitor', bridge, 'watch:'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const events: FlowEvent[] = [];
  const output: string[] = [];
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`monitor not ready: ${output.join('\n')}`)),
      readyTimeoutMs,
    );
    void exited.then(() => reject(new Error(`monitor exited: ${output.join('\n')}`)));
    // ovs-ofctl prints the initial dump on stdout and the changes after it on stderr.
    const onLine = (line: string): void => {
      output.push(line);
      if (/FLOW_MONITOR reply/.test(line)) {
        clearTimeout(timer);
        resolve();
      }
      const found = /^\s*event=(\w+)\s+(?:reason=\S+\s+)?table=(\d+)\s+cookie=(\S+)/.exec(line);
      if (found && found[1] !== 'INITIAL') {
        events.push({
          event: found[1]!,
          table: Number(found[2]),
          cookie: found[3]!,
          line: line.trim(),
        });
      }
    };
    createInterface({ input: child.stdout }).on('line', onLine);
    createInterface({ input: child.stderr }).on('line', onLine);
  });
  try {
    await ready;
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    throw err;
  }
  let settled = 0;
  return {
    events,
    settle: async () => {
      const cookie = `0x5e771e${(settled++).toString(16).padStart(4, '0')}`;
      const flow = `table=200,priority=1,cookie=${cookie},actions=drop`;
      await run('ovs-ofctl', ['-O', 'OpenFlow15', 'add-flow', bridge, flow], { env });
      await run(
        'ovs-ofctl',
        ['-O', 'OpenFlow15', '--strict', 'del-flows', bridge, 'table=200,priority=1'],
        { env },
      );
      const deadline = Date.now() + readyTimeoutMs;
      while (events.filter((e) => e.cookie === cookie).length < 2) {
        if (Date.now() > deadline) throw new Error(`the monitor did not report sentinel ${cookie}`);
        await sleep(10);
      }
      for (let i = events.length - 1; i >= 0; i--)
        if (events[i]!.cookie === cookie) events.splice(i, 1);
    },
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
