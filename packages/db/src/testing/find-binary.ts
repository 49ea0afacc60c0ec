import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';

/** Where distributions put server binaries, which a non-root PATH often leaves out. */
const extraDirs = [
  '/usr/sbin',
  '/usr/local/sbin',
  '/usr/local/bin',
  '/usr/bin',
  '/usr/local/mysql/bin',
];

/** The first of `names` found as an executable on PATH or in the usual server directories. */
export async function findBinary(names: readonly string[]): Promise<string | undefined> {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), ...extraDirs];
  for (const name of names) {
    for (const dir of dirs) {
      const candidate = path.join(dir, name);
      try {
        await access(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}
