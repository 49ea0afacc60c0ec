import { ESLint } from 'eslint';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import tseslint from 'typescript-eslint';
import { repoRoot } from './repo-root.js';

interface Layer {
  readonly name: string;
  readonly dirs: readonly string[];
}

// The config the workspace lints with; its layer table is what the rule is built from.
const { layers } = (await import(join(repoRoot, 'eslint.config.js'))) as {
  layers: readonly Layer[];
};

// The real config, with type-aware rules off: the fixtures are not files of any tsconfig.
const eslint = new ESLint({
  cwd: repoRoot,
  overrideConfig: [
    { files: ['**/*.ts'], ...tseslint.configs.disableTypeChecked },
    { languageOptions: { parserOptions: { projectService: false } } },
  ],
});

/** The messages of the layer rule for `code` linted as the file `file` (relative to the root). */
async function layerMessages(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(repoRoot, file) });
  assert.ok(result);
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('the layers lint', () => {
  const cases = [
    { file: 'packages/db/src/fixture.ts', from: '@vpcd/rpc', why: 'a peer library' },
    { file: 'packages/messaging/src/fixture.ts', from: '@vpcd/rpc/testing', why: 'a peer' },
    { file: 'packages/observability/src/fixture.ts', from: '@vpcd/db', why: 'a higher layer' },
    { file: 'packages/api/src/fixture.ts', from: '@vpcd/observability', why: 'a higher layer' },
    { file: 'services/southd/src/fixture.ts', from: '@vpcd/northd', why: 'another service' },
    { file: 'services/northd/src/fixture.ts', from: '@vpcd/vpcctl', why: 'a tool' },
    { file: 'tools/vpcctl/src/fixture.ts', from: '@vpcd/hammer', why: 'another tool' },
    { file: 'packages/flows/src/fixture.ts', from: '@vpcd/unlayered', why: 'no layer' },
  ];
  for (const { file, from, why } of cases) {
    it(`reports ${from} imported from ${file} (${why})`, async () => {
      const messages = await layerMessages(file, `import { x } from '${from}';\nexport { x };\n`);
      assert.equal(messages.length, 1, `expected one report, got ${JSON.stringify(messages)}`);
      assert.match(messages[0] ?? '', /may import only lower layers/);
    });
  }

  const allowed = [
    { file: 'packages/db/src/fixture.ts', from: '@vpcd/observability/testing' },
    { file: 'packages/rpc/src/fixture.ts', from: '@vpcd/api' },
    { file: 'services/northd/src/fixture.ts', from: '@vpcd/messaging' },
    { file: 'tools/vpcctl/src/fixture.ts', from: '@vpcd/northd' },
    { file: 'test/e2e/fixture.ts', from: '@vpcd/hammer' },
    { file: 'tools/hammer/src/fixture.ts', from: '@vpcd/northd/testing' },
  ];
  for (const { file, from } of allowed) {
    it(`allows ${from} from ${file}`, async () => {
      const messages = await layerMessages(file, `import { x } from '${from}';\nexport { x };\n`);
      assert.deepEqual(messages, []);
    });
  }

  it("still reports an import of another package's src/", async () => {
    const messages = await layerMessages(
      'services/northd/src/fixture.ts',
      "import { x } from '@vpcd/db/src/database.js';\nexport { x };\n",
    );
    assert.ok(messages.some((m) => /public entry/.test(m)));
  });

  it('places every package directory in exactly one layer', () => {
    const layered = layers.flatMap((layer) =>
      layer.dirs.flatMap((dir) => (dir.endsWith('/*') ? [`${dir.slice(0, -2)}/`] : [dir])),
    );
    for (const parent of ['packages', 'services', 'tools']) {
      for (const entry of readdirSync(join(repoRoot, parent), { withFileTypes: true })) {
        if (!entry.isDirectory()) continue;
        const dir = `${parent}/${entry.name}`;
        const homes = layered.filter((l) => l === dir || (l.endsWith('/') && dir.startsWith(l)));
        assert.equal(homes.length, 1, `${dir} is in ${homes.length} layers`);
      }
    }
  });
});
