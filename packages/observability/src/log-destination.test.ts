import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { LOG_FLUSH_DELAY_MS, LogDestination } from './log-destination.js';
import { createLogger } from './logger.js';

describe('LogDestination', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'log-destination-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('writes the lines of a short window together, when it closes', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const path = join(dir, 'window.log');
    const destination = LogDestination.toFile(path);
    destination.write('{"n":1}\n');
    await nextTurn();
    destination.write('{"n":2}\n');
    t.mock.timers.tick(LOG_FLUSH_DELAY_MS - 1);
    assert.equal(readFileSync(path, 'utf8'), '', 'nothing is written inside the window');
    t.mock.timers.tick(1);
    assert.equal(readFileSync(path, 'utf8'), '{"n":1}\n{"n":2}\n');
    destination.write('{"n":3}\n');
    t.mock.timers.tick(LOG_FLUSH_DELAY_MS);
    assert.equal(readFileSync(path, 'utf8'), '{"n":1}\n{"n":2}\n{"n":3}\n', 'a new window');
    destination.end();
  });

  it('writes lines with characters of several bytes whole', async () => {
    const path = join(dir, 'utf8.log');
    const destination = LogDestination.toFile(path);
    destination.write('{"vpc":"réseau ✓"}\n');
    destination.end();
    assert.equal(await readFile(path, 'utf8'), '{"vpc":"réseau ✓"}\n');
  });

  it('writes at once when more than its bound piles up', async () => {
    const path = join(dir, 'big.log');
    const destination = LogDestination.toFile(path);
    const line = `${'x'.repeat(1023)}\n`;
    for (let i = 0; i < 80; i++) destination.write(line);
    const written = readFileSync(path, 'utf8').length;
    assert.ok(written >= 64 * 1024, `only ${written} characters written at once`);
    destination.end();
    assert.equal((await readFile(path, 'utf8')).length, 80 * 1024);
  });

  it('writes what is pending on end and refuses lines after it', async () => {
    const path = join(dir, 'end.log');
    const destination = LogDestination.toFile(path);
    destination.write('last\n');
    destination.end();
    assert.equal(await readFile(path, 'utf8'), 'last\n');
    assert.throws(() => destination.write('late\n'), /closed/);
  });

  it('serves as a pino destination whose flush writes the pending lines', async () => {
    const path = join(dir, 'pino.log');
    const destination = LogDestination.toFile(path);
    const logger = createLogger({ name: 'northd', destination });
    logger.info({ vpcId: 'vpc-1' }, 'vpc created');
    logger.flush();
    const [line] = (await readFile(path, 'utf8')).trim().split('\n');
    assert.equal((JSON.parse(line ?? '{}') as { vpcId?: string }).vpcId, 'vpc-1');
    destination.end();
  });

  it('does not lose the pending lines when the process exits or crashes', () => {
    const logger = new URL('./logger.js', import.meta.url).href;
    for (const end of ['process.exit(3)', 'throw new Error("boom")']) {
      const script = `import { createLogger } from ${JSON.stringify(logger)};
        const log = createLogger({ name: 'hvflowd' });
        for (let i = 0; i < 3; i++) log.info({ i }, 'line');
        ${end};`;
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        encoding: 'utf8',
      });
      const lines = child.stdout.trim().split('\n');
      assert.equal(lines.length, 3, `${end}: ${child.stdout}`);
      assert.deepEqual(
        lines.map((l) => (JSON.parse(l) as { i: number }).i),
        [0, 1, 2],
      );
    }
  });
});
