import { fileURLToPath } from 'node:url';

/** The repository's root: this file runs from test/dist/conventions/. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
