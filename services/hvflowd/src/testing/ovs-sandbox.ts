import { execFile } from 'node:child_process';
import { constants, readFileSync, rmSync } from 'node:fs';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { needsService } from '@vpcd/observability/testing';

const run = promisify(execFile);
const SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema';
const BINARIES = [
  'ovsdb-tool',
  'ovsdb-server',
  'ovs-vswitchd',
  'ovs-vsctl',
  'ovs-ofctl',
  'ovs-appctl',
];
const SEARCH_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** A private Open vSwitch: its own database, daemons, sockets and logs in a temporary directory. */
export interface OvsSandbox {
  /** PATH and OVS_RUNDIR/OVS_DBDIR/OVS_LOGDIR/OVS_SYSCONFDIR: what the ovs-* tools need to find it. */
  readonly env: Readonly<Record<string, string>>;
  readonly dir: string;
  /** Runs an ovs-* command against this switch; resolves its standard output. */
  readonly run: (command: string, args: readonly string[], input?: string) => Promise<string>;
  /**
   * Kills ovs-vswitchd with SIGKILL, as a crash would, and waits until it is gone: the bridge's
   * flows and datapath go with it; the database (bridges, ports, their ofports) stays.
   */
  killSwitch(): Promise<void>;
  /**
   * Starts ovs-vswitchd again after killSwitch, as its supervisor would, and resolves once it has
   * applied the database: bridges and ports back (numbered as recorded, or by `ofport_request`),
   * no flows.
   */
  startSwitch(): Promise<void>;
  /** Stops both daemons (the switch removes its datapath and ports), waits, deletes the directory. */
  stop(): Promise<void>;
}

/**
 * Why a sandbox cannot start here, or undefined when it can: it needs root and the Open vSwitch
 * binaries (Debian's openvswitch-switch). Tests skip with this message.
 */
export async function ovsSandboxUnavailable(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'needs root to run ovs-vswitchd (userspace datapath)';
  const missing: string[] = [];
  for (const name of BINARIES) {
    if (!(await findBinary(name))) missing.push(name);
  }
  if (!(await exists(SCHEMA))) missing.push(SCHEMA);
  return missing.length > 0
    ? `Open vSwitch is not installed (missing ${missing.join(', ')})`
    : undefined;
}

// Daemons still running when the process exits are killed then, and their directory deleted;
// also when a signal ends the process (a test runner's timeout), which skips 'exit' handlers.
const running = new Set<{ dir: string; pids: number[] }>();
let exitHookInstalled = false;

function cleanUp(): void {
  for (const sandbox of running) {
    for (const pid of sandbox.pids) killQuietly(pid, 'SIGKILL');
    rmSync(sandbox.dir, { recursive: true, force: true, maxRetries: 3 });
  }
  running.clear();
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', cleanUp);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    // Only when nothing else handles the signal: then clean up and die of it, as by default.
    if (process.listenerCount(signal) > 0) continue;
    process.once(signal, () => {
      cleanUp();
      process.kill(process.pid, signal);
    });
  }
}

/**
 * Starts ovsdb-server and ovs-vswitchd (userspace datapath, no kernel module) in a temporary
 * directory. ovs-vswitchd runs in a network namespace of its own when `unshare` is there, so the
 * devices of its bridges and internal ports never meet the host's or another sandbox's.
 */
export async function startOvsSandbox(): Promise<OvsSandbox> {
  needsService('Open vSwitch');
  const reason = await ovsSandboxUnavailable();
  if (reason) throw new Error(reason);
  const dir = await mkdtemp(path.join(tmpdir(), 'vpcd-ovs-'));
  const env = {
    PATH: process.env.PATH ? `${process.env.PATH}:${SEARCH_PATH}` : SEARCH_PATH,
    OVS_RUNDIR: dir,
    OVS_DBDIR: dir,
    OVS_LOGDIR: dir,
    OVS_SYSCONFDIR: dir,
  };
  const state = { dir, pids: [] as number[] };
  running.add(state);
  installExitHook();
  const exec = async (command: string, args: readonly string[], input?: string) => {
    const child = run(command, [...args], { env, maxBuffer: 256 * 1024 * 1024, timeout: 60_000 });
    child.child.stdin?.end(input);
    return (await child).stdout;
  };
  const db = path.join(dir, 'conf.db');
  const socket = `unix:${path.join(dir, 'db.sock')}`;
  const daemon = ['--pidfile', '--detach', '--no-chdir', '--log-file'];
  try {
    await exec('ovsdb-tool', ['create', db, SCHEMA]);
    await exec('ovsdb-server', [db, `--remote=p${socket}`, ...daemon]);
    state.pids.push(await readPid(dir, 'ovsdb-server'));
    await exec('ovs-vsctl', ['--no-wait', 'init']);
    state.pids.push(await startSwitch(dir, socket, exec));
  } catch (err) {
    await stopDaemons(state.pids, exec);
    running.delete(state);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  let stopped: Promise<void> | undefined;
  return {
    env,
    dir,
    run: exec,
    killSwitch: async () => {
      const pid = state.pids[1];
      if (pid === undefined) return;
      killQuietly(pid, 'SIGKILL');
      await waitForExit(pid);
      state.pids.pop();
    },
    startSwitch: async () => {
      if (state.pids.length > 1) throw new Error('ovs-vswitchd is running already');
      state.pids.push(await startSwitch(dir, socket, exec));
    },
    stop: () =>
      (stopped ??= (async () => {
        await stopDaemons(state.pids, exec);
        running.delete(state);
        await rm(dir, { recursive: true, force: true, maxRetries: 3 });
      })()),
  };
}

/**
 * Starts ovs-vswitchd (in a network namespace of its own when `unshare` is there) and resolves
 * its pid once it has applied the database.
 */
async function startSwitch(
  dir: string,
  socket: string,
  exec: (command: string, args: readonly string[]) => Promise<string>,
): Promise<number> {
  const daemon = ['--pidfile', '--detach', '--no-chdir', '--log-file'];
  const unshare = await findBinary('unshare');
  const vswitchd = ['ovs-vswitchd', socket, ...daemon];
  if (unshare) await exec(unshare, ['--net', ...vswitchd]);
  else await exec(vswitchd[0]!, vswitchd.slice(1));
  const pid = await readPid(dir, 'ovs-vswitchd');
  // ovs-vswitchd is ready once it has acknowledged the configuration (ovs-vsctl waits for it).
  await exec('ovs-vsctl', [
    '--timeout=30',
    'set',
    'Open_vSwitch',
    '.',
    `other_config:vpcd-sandbox-pid=${pid}`,
  ]);
  return pid;
}

/** Asks each daemon to exit (the switch with --cleanup), waits for it, kills what lingers. */
async function stopDaemons(
  pids: readonly number[],
  exec: (command: string, args: readonly string[]) => Promise<string>,
): Promise<void> {
  const [dbPid, switchPid] = pids;
  if (switchPid !== undefined) {
    await exec('ovs-appctl', ['-t', 'ovs-vswitchd', 'exit', '--cleanup']).catch(() => undefined);
    await waitForExit(switchPid);
  }
  if (dbPid !== undefined) {
    await exec('ovs-appctl', ['-t', 'ovsdb-server', 'exit']).catch(() => undefined);
    await waitForExit(dbPid);
  }
}

async function waitForExit(pid: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      killQuietly(pid, 'SIGKILL');
      return;
    }
    await sleep(20);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A daemon that exited but was not reaped yet (its parent is gone) counts as gone.
  return !/\)\s+Z\s/.test(readStat(pid));
}

function readStat(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return '';
  }
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // gone already
  }
}

async function readPid(dir: string, daemon: string): Promise<number> {
  const text = await readFile(path.join(dir, `${daemon}.pid`), 'utf8');
  const pid = Number(text.trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`bad pid file of ${daemon}: ${text}`);
  return pid;
}

async function findBinary(name: string): Promise<string | undefined> {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), ...SEARCH_PATH.split(':')];
  for (const d of dirs.filter(Boolean)) {
    const candidate = path.join(d, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}
