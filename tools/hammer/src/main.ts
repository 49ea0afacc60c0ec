#!/usr/bin/env node
// The hammer executable: wires the process to runCli(). Ctrl-C stops the load and still reports.
import { runCli } from './cli/run-cli.js';

const stop = new AbortController();
process.once('SIGINT', () => stop.abort());
process.once('SIGTERM', () => stop.abort());
process.exitCode = await runCli(
  process.argv.slice(2),
  process.env,
  { stdout: process.stdout, stderr: process.stderr, stderrIsTty: process.stderr.isTTY === true },
  stop.signal,
);
