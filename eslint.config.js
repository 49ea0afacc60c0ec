// Lint rules for the whole workspace: type-aware typescript-eslint, import-cycle checks, and the
// layers (docs/architecture.md, "Layers"): a package imports only packages of lower layers.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The layers, lowest first. A package (named `@vpcd/<its directory's name>`) may import the
 * packages of lower layers only: not those of its own layer, not those above. A directory that
 * matches no layer is refused by test/conventions/layers.test.ts.
 */
export const layers = [
  { name: 'api', dirs: ['packages/api'] },
  { name: 'observability', dirs: ['packages/observability', 'packages/backoff'] },
  {
    name: 'libraries',
    dirs: ['packages/rpc', 'packages/db', 'packages/messaging', 'packages/flows', 'packages/dhcp'],
  },
  { name: 'services', dirs: ['services/*'] },
  { name: 'tools', dirs: ['tools/*'] },
  { name: 'test', dirs: ['test'] },
];

/** Imports allowed across the rule, each with its reason (none today). */
const layerExceptions = {};

const srcImports = {
  group: ['@vpcd/*/src/*', '**/packages/*/src/*'],
  message: "Import a package's public entry, not its src/.",
};

/** The directories `dir` stands for (`services/*`: every directory there). */
function packageDirs(dir) {
  if (!dir.endsWith('/*')) return [dir];
  const parent = dir.slice(0, -2);
  return readdirSync(join(import.meta.dirname, parent), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => `${parent}/${entry.name}`);
}

/** What follows `@vpcd/` in the name of the package in `dir`. */
const shortName = (dir) => dir.split('/').at(-1);

/**
 * One config per package: no-restricted-imports refusing every `@vpcd/...` import but those of
 * lower layers, of the package itself and its listed exceptions.
 */
function layerConfigs() {
  return layers.flatMap((layer, index) => {
    const below = layers.slice(0, index).flatMap((l) => l.dirs.flatMap(packageDirs));
    return layer.dirs.flatMap(packageDirs).map((dir) => {
      const allowed = [
        ...[...below, dir].map((d) => `${shortName(d)}(?:/|$)`),
        ...(layerExceptions[dir] ?? []).map((specifier) => `${specifier.slice('@vpcd/'.length)}$`),
      ];
      return {
        files: [`${dir}/**/*.{ts,js,mjs}`],
        rules: {
          'no-restricted-imports': [
            'error',
            {
              patterns: [
                srcImports,
                {
                  regex: `^@vpcd/(?!${allowed.join('|')})`,
                  message: `The ${layer.name} layer may import only lower layers (docs/architecture.md, "Layers").`,
                },
              ],
            },
          ],
        },
      };
    });
  });
}

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', 'packages/api/src/gen/**', 'reports/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver': { node: { extensions: ['.ts', '.js'] } },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'import-x/no-cycle': ['error', { maxDepth: 10 }],
      'import-x/no-self-import': 'error',
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportAllDeclaration', message: 'Use named exports, not export *.' },
      ],
      'no-restricted-imports': ['error', { patterns: [srcImports] }],
    },
  },
  ...layerConfigs(),
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
