import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { requireAllSuites, skipUnlessRequired } from './suite-requirement.js';

const required = { VPCD_REQUIRE_ALL_SUITES: '1' };

describe('skipUnlessRequired', () => {
  it('lets a suite that can run run, required or not', () => {
    assert.equal(skipUnlessRequired(undefined, {}), false);
    assert.equal(skipUnlessRequired(false, required), false);
  });

  it('skips with the reason where suites are not required', () => {
    assert.equal(skipUnlessRequired('needs root', {}), 'needs root');
    assert.equal(skipUnlessRequired('needs root', { VPCD_REQUIRE_ALL_SUITES: '0' }), 'needs root');
  });

  it('throws, naming the reason, where every suite is required', () => {
    assert.equal(requireAllSuites(required), true);
    assert.throws(
      () => skipUnlessRequired('needs root', required),
      /VPCD_REQUIRE_ALL_SUITES=1.*needs root/,
    );
  });

  // What a suite file does: its skip option is computed when the file loads.
  const suite = `
    import { describe, it } from 'node:test';
    import { skipUnlessRequired } from ${JSON.stringify(new URL('./index.js', import.meta.url).href)};
    describe('needs a switch', { skip: skipUnlessRequired('no switch here') }, () => {
      it('runs', () => {});
    });
  `;
  const runSuite = (env: NodeJS.ProcessEnv) =>
    spawnSync(process.execPath, ['--input-type=module', '-e', suite], {
      env: { PATH: process.env.PATH, ...env },
      encoding: 'utf8',
    });

  it('makes a suite that cannot run skip on a laptop', () => {
    const run = runSuite({});
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /needs a switch.*# no switch here/);
    assert.doesNotMatch(run.stdout, /✔ runs/);
  });

  it('makes a suite that cannot run fail the run in CI', () => {
    const run = runSuite(required);
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /VPCD_REQUIRE_ALL_SUITES=1 and this suite cannot run: no switch here/);
  });
});
