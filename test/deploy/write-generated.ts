// Writes the generated deploy files (PrometheusRule, Grafana dashboards):
//   node test/dist/deploy/write-generated.js          write them
//   node test/dist/deploy/write-generated.js --check  exit 1 when a file differs
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generatedFiles } from './generated.js';
import { repoRoot } from './paths.js';

const check = process.argv.includes('--check');
let stale = 0;
for (const file of await generatedFiles()) {
  const relative = path.relative(repoRoot, file.path);
  const current = await readFile(file.path, 'utf8').catch(() => undefined);
  if (current === file.content) continue;
  if (check) {
    stale++;
    process.stderr.write(`stale: ${relative}\n`);
  } else {
    await mkdir(path.dirname(file.path), { recursive: true });
    await writeFile(file.path, file.content);
    process.stdout.write(`wrote ${relative}\n`);
  }
}
if (stale > 0) {
  process.stderr.write('run `node test/dist/deploy/write-generated.js` and commit the result\n');
  process.exitCode = 1;
}
