import type { Io } from '../cli/io.js';
import type { OutputFormat } from '../cli/settings.js';
import { renderJson } from './json.js';
import { renderTable } from './table.js';
import type { View } from './views.js';

/** Where and how to print: a command's Context is one. */
export interface Printer {
  readonly io: Io;
  readonly settings: { readonly output: OutputFormat };
}

/** One resource: a one-row table, or its JSON object. */
export function printOne<T>(p: Printer, view: View<T>, item: T): void {
  p.io.stdout.write(
    p.settings.output === 'json'
      ? renderJson(view.toJson(item))
      : renderTable(view.columns, [item]),
  );
}

/** A list: a table (a note on stderr when empty), or `{ "<listKey>": [...] }`. */
export function printList<T>(p: Printer, view: View<T>, items: readonly T[]): void {
  if (p.settings.output === 'json') {
    p.io.stdout.write(renderJson({ [view.listKey]: items.map((i) => view.toJson(i)) }));
  } else if (items.length === 0) {
    p.io.stderr.write(`no ${view.listKey} found\n`);
  } else {
    p.io.stdout.write(renderTable(view.columns, items));
  }
}

/** What a delete prints: `deleted vpc <id>`, or `{ "id": ..., "deleted": true }`. */
export function printDeleted(p: Printer, noun: string, id: string): void {
  p.io.stdout.write(
    p.settings.output === 'json' ? renderJson({ id, deleted: true }) : `deleted ${noun} ${id}\n`,
  );
}
