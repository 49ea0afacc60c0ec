#!/usr/bin/env node
// The vpcctl executable: wires the process to run().
import { run } from './run.js';

process.exitCode = await run(process.argv.slice(2), process.env, {
  stdout: process.stdout,
  stderr: process.stderr,
  stderrIsTty: process.stderr.isTTY === true,
});
