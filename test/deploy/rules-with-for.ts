import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { deployPaths } from './paths.js';
import { parseRuleFile } from './prometheus-rule.js';

/**
 * Writes to `dir` a copy of the repository's rules in which every alert waits `forS` seconds
 * before firing instead of its `for:` (minutes, made for production), and returns its path.
 * Expressions, rate windows, labels and annotations are the repository's, unchanged: a test on
 * the copy shows how the deployed alerts behave, only sooner.
 */
export async function writeRulesWithFor(dir: string, forS: number): Promise<string> {
  const rules = parseRuleFile(await readFile(deployPaths.rules, 'utf8'));
  const copy = {
    groups: rules.groups.map((group) => ({
      ...group,
      rules: group.rules.map((rule) => (rule.alert ? { ...rule, for: `${forS}s` } : rule)),
    })),
  };
  const file = path.join(dir, 'vpcd.rules.yml');
  await writeFile(file, stringify(copy, { lineWidth: 0 }));
  return file;
}
