import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { benchmarksPreamble, replaceSection, sectionMarkers, writeSection } from './report.js';

const { start, end } = sectionMarkers('rpc-overhead');

describe('replaceSection', () => {
  it('appends a section to a document that has none, keeping what is there', () => {
    const doc = '# vpcd benchmarks\n\nIntro.\n';
    assert.equal(
      replaceSection(doc, 'rpc-overhead', '## figures\n'),
      `# vpcd benchmarks\n\nIntro.\n\n${start}\n## figures\n${end}\n`,
    );
  });

  it('replaces only its own section and keeps the text around it byte for byte', () => {
    const other = `${sectionMarkers('db').start}\ndb figures\n${sectionMarkers('db').end}`;
    const doc = `# title\n\nbefore\n\n${start}\nold\n${end}\n\nafter\n${other}\n`;
    assert.equal(
      replaceSection(doc, 'rpc-overhead', 'new'),
      `# title\n\nbefore\n\n${start}\nnew\n${end}\n\nafter\n${other}\n`,
    );
  });

  it('is idempotent: writing the same body twice gives the same document', () => {
    const once = replaceSection('# t\n', 'rpc-overhead', 'body');
    assert.equal(replaceSection(once, 'rpc-overhead', 'body'), once);
  });

  const broken = [
    { desc: 'a start marker without its end', doc: `${start}\nold\n` },
    { desc: 'an end marker without its start', doc: `old\n${end}\n` },
    { desc: 'the end marker before the start marker', doc: `${end}\n${start}\n` },
    { desc: 'a repeated start marker', doc: `${start}\n${start}\n${end}\n` },
  ];
  for (const { desc, doc } of broken) {
    it(`refuses to guess on ${desc}`, () => {
      assert.throws(() => replaceSection(doc, 'rpc-overhead', 'new'), /markers/);
    });
  }
});

describe('writeSection', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vpcd-report-test-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the file, and its directory, with the title and introduction first', async () => {
    const file = join(dir, 'new', 'benchmarks.md');
    await writeSection(file, 'rpc-overhead', '## figures');
    const text = await readFile(file, 'utf8');
    assert.ok(text.startsWith('# vpcd benchmarks\n'));
    assert.ok(text.startsWith(benchmarksPreamble));
    assert.ok(text.endsWith(`${start}\n## figures\n${end}\n`));
  });

  it("rewrites its section on a second run and keeps other benchmarks' sections", async () => {
    const file = join(dir, 'benchmarks.md');
    const db = sectionMarkers('db');
    await writeFile(file, `# vpcd benchmarks\n\nnotes\n\n${db.start}\ndb\n${db.end}\n`);
    await writeSection(file, 'rpc-overhead', 'first');
    await writeSection(file, 'rpc-overhead', 'second');
    const text = await readFile(file, 'utf8');
    assert.equal(
      text,
      `# vpcd benchmarks\n\nnotes\n\n${db.start}\ndb\n${db.end}\n\n${start}\nsecond\n${end}\n`,
    );
  });
});
