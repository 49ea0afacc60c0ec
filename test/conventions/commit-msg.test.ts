import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { repoRoot } from './repo-root.js';

const hook = join(repoRoot, 'scripts/git-hooks/commit-msg');
const dir = mkdtempSync(join(tmpdir(), 'vpcd-commit-msg-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the hook on `message` as git would (the message in a file); its exit code and stderr. */
function check(message: string): { status: number | null; stderr: string } {
  const file = join(dir, 'COMMIT_EDITMSG');
  writeFileSync(file, message);
  const run = spawnSync('bash', [hook, file], { encoding: 'utf8' });
  return { status: run.status, stderr: run.stderr };
}

describe('the commit-msg hook', () => {
  const accepted: Array<[string, string]> = [
    ['an area and what changed', 'northd: quotas count under the project row\n'],
    ['a body after a blank line', 'db: retry deadlocks once\n\nWhy: the pool saw 3 a minute.\n'],
    ['exactly 72 characters', `rpc: ${'x'.repeat(67)}\n`],
    ['two areas', 'northd, southd: one backoff module\n'],
    ['a path as the area', 'test/bench: one folder per benchmark\n'],
    [
      'comment lines git drops',
      '# Please enter the commit message\nflows: diff by cookie\n# On branch x\n',
    ],
    ["git's merge subject", "Merge branch 'h17-layers'\n"],
    ["git's revert subject", 'Revert "db: retry deadlocks once"\n\nThis reverts commit 1234.\n'],
    ['a fixup of a good subject', 'fixup! db: retry deadlocks once\n'],
  ];
  for (const [name, message] of accepted) {
    it(`accepts ${name}`, () => {
      const { status, stderr } = check(message);
      assert.equal(status, 0, stderr);
    });
  }

  const refused: Array<[string, string, RegExp]> = [
    ['a subject of 73 characters', `rpc: ${'x'.repeat(68)}\n`, /73 characters, more than 72/],
    ['a subject without an area', 'Fix the converge loop\n', /area: /],
    ['an area without the space', 'northd:quotas\n', /area: /],
    ['a capitalised area', 'Northd: quotas\n', /area: /],
    ['a body without a blank line', 'db: retry deadlocks\nbecause the pool saw 3\n', /second line/],
    ['an empty message', '# only a comment\n\n', /empty/],
    ['a fixup of a bad subject', 'fixup! Fix things\n', /area: /],
  ];
  for (const [name, message, why] of refused) {
    it(`refuses ${name}`, () => {
      const { status, stderr } = check(message);
      assert.equal(status, 1);
      assert.match(stderr, why);
    });
  }
});

describe('scripts/install-hooks.sh', () => {
  /** A copy of the script in `root`/scripts, run from there as make runs it. */
  function install(root: string): { status: number | null; stdout: string } {
    const script = join(root, 'scripts/install-hooks.sh');
    mkdirSync(join(root, 'scripts'), { recursive: true });
    copyFileSync(join(repoRoot, 'scripts/install-hooks.sh'), script);
    const run = spawnSync('bash', [script], { encoding: 'utf8' });
    return { status: run.status, stdout: run.stdout };
  }
  const hooksPath = (root: string) =>
    spawnSync('git', ['-C', root, 'config', '--get', 'core.hooksPath'], { encoding: 'utf8' });

  it('points a git checkout at scripts/git-hooks once', () => {
    const root = mkdtempSync(join(dir, 'checkout-'));
    assert.equal(spawnSync('git', ['init', '-q', root]).status, 0);
    const first = install(root);
    assert.equal(first.status, 0);
    assert.match(first.stdout, /core\.hooksPath set/);
    assert.equal(hooksPath(root).stdout.trim(), 'scripts/git-hooks');
    const second = install(root);
    assert.equal(second.status, 0);
    assert.equal(second.stdout, '');
  });

  it('does nothing outside a git checkout', () => {
    const root = mkdtempSync(join(dir, 'tarball-'));
    assert.equal(install(root).status, 0);
    assert.equal(existsSync(join(root, '.git')), false);
  });
});
