import assert from 'node:assert/strict';
import { access, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { deployPaths, repoRoot } from './paths.js';
import { command } from './tools.js';

interface Instruction {
  readonly op: string;
  readonly args: string;
}

/** Dockerfile instructions, continuation lines joined, comments dropped. */
function instructions(text: string): Instruction[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [op = '', ...rest] = line.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

const existingServices = async (): Promise<string[]> => {
  const found: string[] = [];
  for (const service of ['northd', 'southd', 'hvflowd', 'hvaddr']) {
    const built = await access(path.join(repoRoot, 'services', service, 'dist/main.js')).then(
      () => true,
      () => false,
    );
    if (built) found.push(service);
  }
  return found;
};

describe('container image', () => {
  it('is built in stages, runs as the non-root node user and installs production dependencies only', async () => {
    const steps = instructions(await readFile(deployPaths.dockerfile, 'utf8'));
    const froms = steps.filter((s) => s.op === 'FROM');
    assert.ok(froms.length >= 2, 'multi-stage');
    assert.ok(
      steps.some(
        (s) =>
          s.op === 'RUN' &&
          /pnpm --filter "@vpcd\/\$\{SERVICE\}" deploy --legacy --prod \/out/.test(s.args),
      ),
    );
    const last = steps.lastIndexOf(froms.at(-1)!);
    const final = steps.slice(last);
    assert.deepEqual(
      final.filter((s) => s.op === 'USER').map((s) => s.args),
      ['node'],
    );
    assert.ok(
      final.some(
        (s) => s.op === 'COPY' && s.args.startsWith('--from=build') && s.args.endsWith('/out /app'),
      ),
    );
    assert.ok(
      !final.some((s) => s.op === 'RUN'),
      'the final stage adds nothing but the deployed service',
    );
  });

  it('runs on the Node major that .node-version pins, as engines.node requires', async () => {
    const pinned = (await readFile(path.join(repoRoot, '.node-version'), 'utf8')).trim();
    const major = pinned.split('.')[0];
    assert.match(pinned, /^\d+\.\d+\.\d+$/);
    const steps = instructions(await readFile(deployPaths.dockerfile, 'utf8'));
    assert.ok(
      steps.some((s) => s.op === 'ARG' && s.args === `NODE_IMAGE=node:${major}-bookworm-slim`),
      `NODE_IMAGE is node:${major}-bookworm-slim`,
    );
    const manifest = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as {
      engines: { node: string };
      devDependencies: Record<string, string>;
    };
    assert.equal(manifest.engines.node, `>=${major}`);
    assert.match(manifest.devDependencies['@types/node'] ?? '', new RegExp(`^\\^${major}\\.`));
  });

  it('leaves dependencies and build output of the machine out of the build context', async () => {
    const ignore = await readFile(`${deployPaths.dockerfile}.dockerignore`, 'utf8');
    for (const entry of ['**/node_modules', '**/dist', '.git'])
      assert.match(ignore, new RegExp(`^${entry.replace(/\*/g, '\\*')}$`, 'm'));
  });

  describe('pnpm deploy --prod of each service', async () => {
    const services = await existingServices();
    const dirs: string[] = [];
    after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

    for (const service of services) {
      it(`gives ${service} every runtime dependency and no development one`, async () => {
        const out = await mkdtemp(path.join(tmpdir(), `vpcd-deploy-${service}-`));
        dirs.push(out);
        await rm(out, { recursive: true });
        const deployed = await command(
          path.join(repoRoot, 'scripts/pnpm.sh'),
          ['--filter', `@vpcd/${service}`, 'deploy', '--legacy', '--prod', out],
          { cwd: repoRoot, timeoutMs: 300_000 },
        );
        assert.equal(deployed.code, 0, deployed.stderr);
        const installed = await readdir(path.join(out, 'node_modules/.pnpm'));
        for (const devOnly of [
          'typescript@',
          'eslint@',
          'prettier@',
          'ts-proto@',
          '@bufbuild+buf@',
          'kubernetes-models@',
        ]) {
          assert.ok(!installed.some((name) => name.startsWith(devOnly)), `${devOnly} in the image`);
        }
        // Starting with an empty environment loads every module, then stops at the configuration.
        const started = await command(process.execPath, [path.join(out, 'dist/main.js')], {
          cwd: out,
          timeoutMs: 30_000,
          env: { PATH: process.env.PATH },
        });
        assert.equal(started.code, 1);
        assert.match(
          started.stderr + started.stdout,
          new RegExp(`${service}: invalid environment`),
        );
        assert.doesNotMatch(started.stderr, /ERR_MODULE_NOT_FOUND|Cannot find (module|package)/);
      });
    }
  });
});
