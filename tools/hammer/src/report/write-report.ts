import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { renderHtml } from './html.js';
import type { Report } from './report.js';

/** Writes `<base>.json` and `<base>.html` (a `.json` or `.html` ending of `base` is dropped). */
export async function writeReport(
  report: Report,
  base: string,
): Promise<{ jsonPath: string; htmlPath: string }> {
  const stem = base.replace(/\.(json|html)$/, '');
  const jsonPath = `${stem}.json`;
  const htmlPath = `${stem}.html`;
  await mkdir(dirname(stem), { recursive: true });
  await writeFile(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(htmlPath, renderHtml(report));
  return { jsonPath, htmlPath };
}
