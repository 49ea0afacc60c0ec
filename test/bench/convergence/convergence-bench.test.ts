import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { writeSection } from '../common/report.js';
import { parseConvergenceBenchArgs } from './convergence-args.js';
import { convergenceMarkdown } from './convergence-markdown.js';
import { runConvergenceBench } from './convergence-run.js';
import { variantNames } from './layout.js';

describe('the convergence benchmark, --quick, end to end', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vpcd-convergence-bench-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it(
    'measures every variant on a real region and writes its section',
    { timeout: 180_000 },
    async () => {
      const options = parseConvergenceBenchArgs(['--quick']);
      const run = await runConvergenceBench(options, 'convergence-bench --quick');

      assert.deepEqual(
        run.windows.map((w) => w.variant).sort(),
        [...variantNames].sort(),
        'one window of each variant in the one round',
      );
      for (const w of run.windows) {
        assert.deepEqual(w.load.errors, {}, `${w.variant}: no create failed`);
        assert.ok(w.load.ok.count > 0, `${w.variant}: creates answered`);
        assert.ok(w.creates >= w.load.ok.count, `${w.variant}: the sampler's creates count too`);
        for (const group of ['northd', 'southd', 'fleet', 'mariadb', 'rabbitmq']) {
          assert.ok((w.cpuMs[group] ?? 0) > 0, `${w.variant}: ${group} used CPU in the window`);
        }
        assert.ok(Number.isFinite(w.cpuPerCreateMs) && w.cpuPerCreateMs > 0);
        assert.ok(w.underLoad.created > 0, `${w.variant}: change -> ACTIVE sampled under load`);
      }
      assert.equal(run.idle.length, 1);
      assert.equal(run.idle[0]!.answeredToActive.count, options.idleSamples);
      assert.ok(run.idleCores.every((c) => c > 0 && c < 64));

      const out = join(dir, 'benchmarks.md');
      await writeSection(out, 'convergence', convergenceMarkdown(run));
      const text = readFileSync(out, 'utf8');
      assert.match(text, /<!-- bench:convergence:start -->/);
      assert.match(text, /<!-- bench:convergence:end -->/);
      assert.match(text, /\*\*Quick run/);
      const targets = text.slice(text.indexOf('### Targets'), text.indexOf('### Medians'));
      assert.equal(
        targets
          .split('\n')
          .filter((l) => /\| (met|met within the spread|\*\*not met\*\*) \|$/.test(l)).length,
        7,
        "a verdict for each of the issue's seven targets",
      );
    },
  );
});
