import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { skipUnlessRequired } from '@vpcd/observability/testing';

const run = promisify(execFile);

/** The outcome of a command: its exit code and output; never throws for a non-zero exit. */
export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function command(
  file: string,
  args: readonly string[],
  options: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<CommandResult> {
  try {
    const { stdout, stderr } = await run(file, args, {
      cwd: options.cwd,
      env: options.env,
      timeout: options.timeoutMs ?? 120_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: unknown; stdout?: string; stderr?: string; message: string };
    if (typeof e.code !== 'number') throw err; // not found, killed: not an exit code
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? e.message };
  }
}

/** Whether an executable is on PATH. */
export async function installed(name: string): Promise<boolean> {
  const found = await command('/bin/sh', ['-c', `command -v ${name}`]);
  return found.code === 0;
}

/** Where each tool comes from, for the skip message. */
const origins: Readonly<Record<string, string>> = {
  promtool: "Debian's prometheus package (make prereqs)",
  prometheus: "Debian's prometheus package (make prereqs)",
  amtool: "Debian's prometheus-alertmanager package (make prereqs)",
  kubectl: 'kubectl 1.27 or newer, which embeds kustomize (not packaged by Debian 12)',
};

/**
 * The `skip` option of a test that needs these tools: false when all are installed, else a
 * message naming the missing ones and where they come from (an error where every suite is
 * required: skipUnlessRequired).
 */
export async function skipUnless(...tools: string[]): Promise<string | false> {
  const missing: string[] = [];
  for (const tool of tools) if (!(await installed(tool))) missing.push(tool);
  return skipUnlessRequired(
    missing.length > 0 &&
      `not installed: ${missing.map((t) => `${t} (${origins[t] ?? 'on PATH'})`).join(', ')}`,
  );
}
