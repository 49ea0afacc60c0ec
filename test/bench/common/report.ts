import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** What a new benchmarks file starts with, before any section. */
export const benchmarksPreamble = `# vpcd benchmarks

Figures measured by \`make bench\` on the machine named in each section. Each benchmark writes
only its own section (between its \`bench:<name>\` markers) and leaves the rest of this file as
it is; edit outside the markers freely.
`;

export function sectionMarkers(name: string): { start: string; end: string } {
  return { start: `<!-- bench:${name}:start -->`, end: `<!-- bench:${name}:end -->` };
}

/**
 * Returns `document` with the section `name` replaced by `body`, or with the section appended
 * when it has none. Everything outside that section's markers is kept byte for byte. Throws when
 * the markers are unbalanced, rather than guess what to overwrite.
 */
export function replaceSection(document: string, name: string, body: string): string {
  const { start, end } = sectionMarkers(name);
  const section = `${start}\n${body.trim()}\n${end}`;
  const from = document.indexOf(start);
  const to = document.indexOf(end);
  if (from === -1 && to === -1) {
    const separator =
      document === '' || document.endsWith('\n\n') ? '' : document.endsWith('\n') ? '\n' : '\n\n';
    return `${document}${separator}${section}\n`;
  }
  if (from === -1 || to === -1 || to < from || document.indexOf(start, from + 1) !== -1) {
    throw new Error(
      `section ${name}: its start and end markers are missing, out of order or repeated`,
    );
  }
  return `${document.slice(0, from)}${section}${document.slice(to + end.length)}`;
}

/**
 * Writes `body` as the section `name` of the markdown file `path`, creating the file (title and
 * introduction first) and its directory when missing.
 */
export async function writeSection(path: string, name: string, body: string): Promise<void> {
  let document: string;
  try {
    document = await readFile(path, 'utf8');
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    document = benchmarksPreamble;
    await mkdir(dirname(path), { recursive: true });
  }
  await writeFile(path, replaceSection(document, name, body));
}
